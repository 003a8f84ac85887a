/**
 * The `sendAsync + OTel (no-op)` row: the same producer as the `async` row, with `telemetry` given the
 * `@opentelemetry/api` providers while no SDK is registered (what an application gets when it installs the API but
 * configures nothing). The producer must then cost what it costs without telemetry.
 */
import { metrics, trace } from '@opentelemetry/api';
import { startRx, type RxClient } from './rocketmq-rx.js';

/** A started producer whose telemetry options point at the API's (no-op) providers. */
export function startRxWithNoopTelemetry(namesrvAddr: string): Promise<RxClient> {
  return startRx(namesrvAddr, { telemetry: { tracerProvider: trace.getTracerProvider(), meterProvider: metrics.getMeterProvider() } });
}
