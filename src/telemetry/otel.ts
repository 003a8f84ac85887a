/**
 * Finds the OpenTelemetry providers a producer reports to, and loads `@opentelemetry/api` (an optional peer
 * dependency) only when there is one: with no provider passed and none registered globally, nothing of
 * OpenTelemetry is imported at all.
 * @internal
 */
import type * as OtelApiModule from '@opentelemetry/api';
import { InvalidOptionError } from '../errors.js';

/** The `@opentelemetry/api` module. @internal */
export type OtelApi = typeof OtelApiModule;

/** Any OpenTelemetry `TracerProvider` (structurally: `getTracer`). */
export interface TracerProviderLike {
  /** Returns a tracer. */
  getTracer(name: string, version?: string, options?: object): unknown;
}

/** Any OpenTelemetry `MeterProvider` (structurally: `getMeter`). */
export interface MeterProviderLike {
  /** Returns a meter. */
  getMeter(name: string, version?: string, options?: object): unknown;
}

/**
 * The `telemetry` option: where the producer's spans and metrics go.
 * @example
 * ```ts
 * import { trace, metrics } from '@opentelemetry/api';
 * new Producer({ namesrvAddr, telemetry: { tracerProvider: trace.getTracerProvider(), meterProvider: metrics.getMeterProvider() } });
 * ```
 */
export interface TelemetryOptions {
  /**
   * Where spans go.
   * @defaultValue the global tracer provider, if one is registered when `start()` runs; else no spans
   */
  tracerProvider?: TracerProviderLike | null;
  /**
   * Where metrics go.
   * @defaultValue the global meter provider, if one is registered when `start()` runs; else no metrics
   */
  meterProvider?: MeterProviderLike | null;
  /**
   * Inject the send span's context into the message's user properties (`traceparent`, `tracestate`: the W3C
   * fields, under the names the OpenTelemetry Java agent's RocketMQ instrumentation reads).
   * @defaultValue `true`
   */
  propagate?: boolean;
}

/** The providers found at start. @internal */
export interface ResolvedTelemetry {
  readonly api: OtelApi;
  readonly tracerProvider: OtelApiModule.TracerProvider | null;
  readonly meterProvider: OtelApiModule.MeterProvider | null;
  readonly propagate: boolean;
}

/** Where `@opentelemetry/api` 1.x registers its globals (`Symbol.for('opentelemetry.js.api.1')`). */
const GLOBAL_KEY = Symbol.for('opentelemetry.js.api.1');

function globallyRegistered(): { trace: boolean; metrics: boolean } {
  const globals = (globalThis as Record<symbol, Record<string, unknown> | undefined>)[GLOBAL_KEY];
  return { trace: globals?.['trace'] !== undefined, metrics: globals?.['metrics'] !== undefined };
}

let apiPromise: Promise<OtelApi | null> | null = null;

/** Imports `@opentelemetry/api` once (ESM and CJS builds alike); `null` when it is not installed. @internal */
export function loadOpenTelemetryApi(): Promise<OtelApi | null> {
  apiPromise ??= import('@opentelemetry/api').then(
    (module): OtelApi => module,
    () => null,
  );
  return apiPromise;
}

/** True when `provider` is the API's no-op (or a proxy in front of it): reporting to it would only cost time. */
function isNoopTracerProvider(api: OtelApi, provider: OtelApiModule.TracerProvider): boolean {
  const noop = new api.ProxyTracerProvider().getDelegate();
  const proxy = provider as Partial<OtelApiModule.ProxyTracerProvider>;
  const delegate = typeof proxy.getDelegate === 'function' ? proxy.getDelegate() : provider;
  return delegate === noop || delegate.constructor === noop.constructor;
}

function isNoopMeterProvider(api: OtelApi, provider: OtelApiModule.MeterProvider): boolean {
  return provider.getMeter('rocketmq-rx') === api.createNoopMeter();
}

/**
 * The providers to report to, or `null` for "no telemetry" (then nothing was imported unless a provider was passed).
 * @throws InvalidOptionError (`option: 'telemetry'`) when a provider is passed but `@opentelemetry/api` is missing.
 * @internal
 */
export async function resolveTelemetry(options: TelemetryOptions | false | null): Promise<ResolvedTelemetry | null> {
  if (options === false) return null;
  const o = options ?? {};
  const explicit = (o.tracerProvider ?? null) !== null || (o.meterProvider ?? null) !== null;
  const global = globallyRegistered();
  if (!explicit && !global.trace && !global.metrics) return null;
  const api = await loadOpenTelemetryApi();
  if (api === null) {
    if (!explicit) return null;
    throw new InvalidOptionError('telemetry', 'a provider was given but the optional peer dependency @opentelemetry/api is not installed (npm install @opentelemetry/api)');
  }
  let tracerProvider = (o.tracerProvider as OtelApiModule.TracerProvider | null | undefined) ?? (global.trace ? api.trace.getTracerProvider() : null);
  let meterProvider = (o.meterProvider as OtelApiModule.MeterProvider | null | undefined) ?? (global.metrics ? api.metrics.getMeterProvider() : null);
  if (tracerProvider !== null && isNoopTracerProvider(api, tracerProvider)) tracerProvider = null;
  if (meterProvider !== null && isNoopMeterProvider(api, meterProvider)) meterProvider = null;
  if (tracerProvider === null && meterProvider === null) return null;
  return { api, tracerProvider, meterProvider, propagate: o.propagate !== false };
}
