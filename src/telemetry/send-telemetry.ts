/**
 * OpenTelemetry for the send path: one PRODUCER span per send (or per batch request), a span event per retry
 * attempt, the trace context injected into the message, and the send metrics. Built at `start()` only when a
 * provider exists (see {@link resolveTelemetry}); without one the producer holds `null` and the send path pays one
 * null check.
 * @internal
 */
import type * as Otel from '@opentelemetry/api';
import type { ResolvedTelemetry } from './otel.js';
import * as C from './semconv.js';

/** Instrumentation scope of every tracer and meter. */
export const INSTRUMENTATION_SCOPE = 'rocketmq-rx';

/** `messaging.rocketmq.message.type` values. */
export type RocketMQMessageKind = 'normal' | 'fifo' | 'delay' | 'transaction';

/** What an attempt looks like to telemetry (the pipeline's send context satisfies it). @internal */
export interface SendAttemptView {
  /** Attempt number, from 1. */
  readonly attempt: number;
  /** Queue of the attempt, if one was selected. */
  readonly queue: { readonly brokerName: string } | null;
  /** `host:port` the attempt wrote to, if it got that far. */
  readonly brokerAddr: string | null;
  /** When the attempt started, ms since the epoch. */
  readonly attemptStartedAt: number;
  /** The UNIQ_KEY (comma-joined for a batch). */
  readonly uniqueId: string | null;
}

/** The per-send slot the pipeline reports to: its context once created, then every settled attempt. @internal */
export interface SendTrace {
  /** The send's context was created (it is updated in place as the send goes on). */
  attached(send: SendAttemptView): void;
  attemptSettled(attempt: SendAttemptView, error: unknown): void;
}

/** What a span is started with. @internal */
export interface SendSpanStart {
  /** The topic as the caller named it (no namespace). */
  readonly topic: string;
  readonly tags?: string | null | undefined;
  readonly keys?: string | readonly string[] | null | undefined;
  readonly kind: RocketMQMessageKind;
  /** `send` (span `<topic> send`), `publish` for batches, or another operation of this producer. */
  readonly operation: string;
  /** Messages in a batch request. */
  readonly batchCount?: number;
}

/** What a step span is started with (see {@link ProducerTelemetry.startStep}). @internal */
export interface StepStart {
  /** The topic of the send it belongs to. */
  readonly topic: string;
  /** `messaging.operation.name`, also the span name's suffix (`local_transaction`, `end_transaction`, `receive_reply`). */
  readonly operation: string;
  readonly kind: 'internal' | 'client';
  readonly attributes?: Otel.Attributes;
}

/** A step span: end it once, with its error if it failed. @internal */
export class StepSpan {
  private ended = false;
  constructor(
    private readonly api: ResolvedTelemetry['api'],
    /** The span itself (to add attributes). */
    readonly span: Otel.Span,
  ) {}

  end(error: unknown = null, attributes?: Otel.Attributes): void {
    if (this.ended) return;
    this.ended = true;
    if (attributes !== undefined) this.span.setAttributes(attributes);
    if (error !== null && error !== undefined) {
      this.span.setAttribute(C.ATTR_ERROR_TYPE, errorType(error));
      if (error instanceof Error) this.span.recordException(error);
      this.span.setStatus({ code: this.api.SpanStatusCode.ERROR, message: errorMessage(error) });
    }
    this.span.end();
  }
}

/** Who reports (fixed per producer). @internal */
export interface TelemetryIdentity {
  readonly producerGroup: string;
  readonly clientId: string;
  /** Sends in flight (the in-flight gauge). */
  readonly inflight: () => number;
  /** Cumulative permit waits per pool (the permit-waits counter). */
  readonly permitWaits: () => { readonly async: number; readonly oneway: number };
}

/** The `error.type` of an error: its stable `code`, else its class name. */
export function errorType(error: unknown): string {
  if (error !== null && typeof error === 'object') {
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code !== '') return code;
    const name = (error as { name?: unknown }).name;
    if (typeof name === 'string' && name !== '') return name;
  }
  return '_OTHER';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function keysOf(keys: string | readonly string[] | null | undefined): string[] | null {
  if (keys === null || keys === undefined) return null;
  const list = typeof keys === 'string' ? keys.split(' ') : [...keys];
  const out = list.filter((k) => k !== '');
  return out.length === 0 ? null : out;
}

/** `host:port` → its parts (IPv6 in brackets allowed). */
export function splitAddress(addr: string): { host: string; port: number } | null {
  const at = addr.lastIndexOf(':');
  if (at <= 0) return null;
  const port = Number(addr.slice(at + 1));
  if (!Number.isInteger(port)) return null;
  let host = addr.slice(0, at);
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { host, port };
}

/** Send metric names (README lists their RocketMQ 5.x equivalents). */
export const SendMetricNames = {
  /** Histogram, ms: one value per settled send (all attempts). 5.x: `rocketmq_send_cost_time`. */
  DURATION: 'rocketmq.client.send.duration',
  /** Counter: messages the broker accepted. 5.x (C++ client): `rocketmq_send_success_total`. */
  SENT_MESSAGES: 'rocketmq.client.sent.messages',
  /** Counter: messages whose send failed after its retries. 5.x (C++ client): `rocketmq_send_failure_total`. */
  FAILED_MESSAGES: 'rocketmq.client.failed.messages',
  /** Gauge (observable up-down counter): sends in flight. */
  INFLIGHT: 'rocketmq.client.send.inflight',
  /** Observable counter: requests that had to wait for an async/oneway permit (`clientAsyncSemaphoreValue`, …). */
  PERMIT_WAITS: 'rocketmq.client.permit.waits',
} as const;

/** The buckets of RocketMQ 5.x's `rocketmq_send_cost_time`, ms. */
const SEND_COST_BUCKETS = [1, 5, 10, 20, 50, 200, 500];

/** One producer's tracer, meter and instruments. @internal */
export class ProducerTelemetry {
  private readonly api: ResolvedTelemetry['api'];
  private readonly tracer: Otel.Tracer | null;
  private readonly duration: Otel.Histogram | null = null;
  private readonly sent: Otel.Counter | null = null;
  private readonly failed: Otel.Counter | null = null;
  private readonly meter: Otel.Meter | null = null;
  private readonly observables: Otel.Observable[] = [];
  private readonly observe: Otel.BatchObservableCallback | null = null;
  private readonly propagate: boolean;

  constructor(
    resolved: ResolvedTelemetry,
    readonly identity: TelemetryIdentity,
  ) {
    this.api = resolved.api;
    this.propagate = resolved.propagate;
    this.tracer = resolved.tracerProvider?.getTracer(INSTRUMENTATION_SCOPE) ?? null;
    const meter = resolved.meterProvider?.getMeter(INSTRUMENTATION_SCOPE) ?? null;
    if (meter === null) return;
    this.meter = meter;
    this.duration = meter.createHistogram(SendMetricNames.DURATION, {
      unit: 'ms',
      description: 'Time from subscribing a send to its outcome, over all its attempts',
      advice: { explicitBucketBoundaries: SEND_COST_BUCKETS },
    });
    this.sent = meter.createCounter(SendMetricNames.SENT_MESSAGES, { unit: '{message}', description: 'Messages the broker accepted' });
    this.failed = meter.createCounter(SendMetricNames.FAILED_MESSAGES, {
      unit: '{message}',
      description: 'Messages whose send failed after its retries',
    });
    const inflight = meter.createObservableUpDownCounter(SendMetricNames.INFLIGHT, { unit: '{send}', description: 'Sends in flight' });
    const waits = meter.createObservableCounter(SendMetricNames.PERMIT_WAITS, {
      unit: '{request}',
      description: 'Requests that waited for an async or oneway permit',
    });
    const base = { client_id: identity.clientId, producer_group: identity.producerGroup };
    this.observe = (result) => {
      result.observe(inflight, identity.inflight(), base);
      const permits = identity.permitWaits();
      result.observe(waits, permits.async, { ...base, permit: 'async' });
      result.observe(waits, permits.oneway, { ...base, permit: 'oneway' });
    };
    this.observables.push(inflight, waits);
    meter.addBatchObservableCallback(this.observe, this.observables);
  }

  /** Starts the span (and the clock) of one send. */
  startSend(start: SendSpanStart): SendSpan {
    return new SendSpan(this, start);
  }

  /**
   * Starts a span for a step around a send that is not itself a broker send — a transaction's local transaction
   * (`internal`) or END_TRANSACTION (`client`), waiting for a request's reply — as a child of `parent` (a send's
   * span) when given, else of the active context.
   * @returns the step, to end once; `null` without a tracer provider
   */
  startStep(parent: SendSpan | null, step: StepStart): StepSpan | null {
    const tracer = this.tracer;
    if (tracer === null) return null;
    const api = this.api;
    const parentSpan = parent?.span ?? null;
    const ctx = parentSpan === null ? api.context.active() : api.trace.setSpan(api.context.active(), parentSpan);
    const attributes: Otel.Attributes = {
      [C.ATTR_MESSAGING_SYSTEM]: C.MESSAGING_SYSTEM_NAME_VALUE_ROCKETMQ,
      [C.ATTR_MESSAGING_SYSTEM_NAME]: C.MESSAGING_SYSTEM_NAME_VALUE_ROCKETMQ,
      [C.ATTR_MESSAGING_DESTINATION_NAME]: step.topic,
      [C.ATTR_MESSAGING_OPERATION_NAME]: step.operation,
      [C.ATTR_MESSAGING_ROCKETMQ_CLIENT_GROUP]: this.identity.producerGroup,
      ...step.attributes,
    };
    const kind = step.kind === 'client' ? api.SpanKind.CLIENT : api.SpanKind.INTERNAL;
    return new StepSpan(api, tracer.startSpan(`${step.topic} ${step.operation}`, { kind, attributes }, ctx));
  }

  /** @internal */
  createSpan(start: SendSpanStart): Otel.Span | null {
    const tracer = this.tracer;
    if (tracer === null) return null;
    const attributes: Otel.Attributes = {
      [C.ATTR_MESSAGING_SYSTEM]: C.MESSAGING_SYSTEM_NAME_VALUE_ROCKETMQ,
      [C.ATTR_MESSAGING_SYSTEM_NAME]: C.MESSAGING_SYSTEM_NAME_VALUE_ROCKETMQ,
      [C.ATTR_MESSAGING_DESTINATION_NAME]: start.topic,
      [C.ATTR_MESSAGING_OPERATION_TYPE]: C.MESSAGING_OPERATION_TYPE_VALUE_SEND,
      [C.ATTR_MESSAGING_OPERATION_NAME]: start.operation,
      [C.ATTR_MESSAGING_ROCKETMQ_CLIENT_GROUP]: this.identity.producerGroup,
      [C.ATTR_MESSAGING_CLIENT_ID]: this.identity.clientId,
      [C.ATTR_MESSAGING_ROCKETMQ_MESSAGE_TYPE]: start.kind,
    };
    if (start.tags !== undefined && start.tags !== null && start.tags !== '') attributes[C.ATTR_MESSAGING_ROCKETMQ_MESSAGE_TAG] = start.tags;
    const keys = keysOf(start.keys);
    if (keys !== null) attributes[C.ATTR_MESSAGING_ROCKETMQ_MESSAGE_KEYS] = keys;
    if (start.batchCount !== undefined) attributes[C.ATTR_MESSAGING_BATCH_MESSAGE_COUNT] = start.batchCount;
    return tracer.startSpan(`${start.topic} ${start.operation}`, { kind: this.api.SpanKind.PRODUCER, attributes }, this.api.context.active());
  }

  /**
   * The properties that carry `span`'s context: the registered global propagator's fields when there is one, else
   * the W3C `traceparent` / `tracestate`. `null` when propagation is off or there is nothing to carry.
   */
  propagationProperties(span: Otel.Span | null): Record<string, string> | null {
    if (!this.propagate || span === null) return null;
    const api = this.api;
    const carrier: Record<string, string> = {};
    if (api.propagation.fields().length > 0) {
      api.propagation.inject(api.trace.setSpan(api.context.active(), span), carrier);
    } else {
      const sc = span.spanContext();
      if (!api.isSpanContextValid(sc)) return null;
      carrier['traceparent'] = `00-${sc.traceId}-${sc.spanId}-${(sc.traceFlags & api.TraceFlags.SAMPLED) !== 0 ? '01' : '00'}`;
      const state = sc.traceState?.serialize();
      if (state !== undefined && state !== '') carrier['tracestate'] = state;
    }
    return Object.keys(carrier).length === 0 ? null : carrier;
  }

  /** @internal */
  record(topic: string, broker: string | null, ok: boolean, messages: number, millis: number): void {
    if (this.duration === null) return;
    const attributes = { topic, status: ok ? 'success' : 'failure', broker: broker ?? '', client_id: this.identity.clientId };
    this.duration.record(millis, attributes);
    (ok ? this.sent : this.failed)?.add(messages, attributes);
  }

  /** @internal */
  get otel(): ResolvedTelemetry['api'] {
    return this.api;
  }

  /** Stops the observable instruments' callback (the producer shut down). */
  shutdown(): void {
    if (this.meter !== null && this.observe !== null) this.meter.removeBatchObservableCallback(this.observe, this.observables);
  }
}

/** The span and clock of one send; the pipeline reports its attempts here. @internal */
export class SendSpan implements SendTrace {
  /** The span, when a tracer provider is set. */
  readonly span: Otel.Span | null;
  /** Properties to add to the message (trace context), or `null`. */
  readonly properties: Record<string, string> | null;
  private readonly startedAt = performance.now();
  private brokerName: string | null = null;
  private brokerAddr: string | null = null;
  private uniqueId: string | null = null;
  private send: SendAttemptView | null = null;
  private lastError: unknown = null;
  private ended = false;

  constructor(
    private readonly telemetry: ProducerTelemetry,
    private readonly start: SendSpanStart,
  ) {
    this.span = telemetry.createSpan(start);
    this.properties = telemetry.propagationProperties(this.span);
  }

  /** Whether the span has ended (the send settled). */
  get isEnded(): boolean {
    return this.ended;
  }

  attached(send: SendAttemptView): void {
    this.send = send;
  }

  /** What the send's context knows now (a oneway send's last attempt reports nothing after its write). */
  private catchUp(): void {
    const send = this.send;
    if (send === null) return;
    this.brokerName = send.queue?.brokerName ?? this.brokerName;
    this.brokerAddr = send.brokerAddr ?? this.brokerAddr;
    this.uniqueId = send.uniqueId ?? this.uniqueId;
  }

  attemptSettled(attempt: SendAttemptView, error: unknown): void {
    this.brokerName = attempt.queue?.brokerName ?? this.brokerName;
    this.brokerAddr = attempt.brokerAddr ?? this.brokerAddr;
    this.uniqueId = attempt.uniqueId ?? this.uniqueId;
    const span = this.span;
    if (span !== null && attempt.attempt >= 2) {
      // A retry: which broker it went to, and the error of the attempt before it (what made it a retry).
      const attributes: Otel.Attributes = { 'rocketmq.send.attempt': attempt.attempt };
      if (attempt.queue !== null) attributes['rocketmq.broker.name'] = attempt.queue.brokerName;
      const server = attempt.brokerAddr === null ? null : splitAddress(attempt.brokerAddr);
      if (server !== null) {
        attributes[C.ATTR_SERVER_ADDRESS] = server.host;
        attributes[C.ATTR_SERVER_PORT] = server.port;
      }
      if (this.lastError !== null) {
        attributes[C.ATTR_ERROR_TYPE] = errorType(this.lastError);
        attributes[C.ATTR_EXCEPTION_MESSAGE] = errorMessage(this.lastError);
      }
      if (error !== null && error !== undefined) attributes['rocketmq.send.attempt.error.type'] = errorType(error);
      span.addEvent('retry', attributes, attempt.attemptStartedAt);
    }
    this.lastError = error ?? null;
  }

  /** The send succeeded; `messageId` is the UNIQ_KEY (a single message's). */
  succeeded(messageId: string | null, messages = 1): void {
    if (this.ended) return;
    this.ended = true;
    this.catchUp();
    const span = this.span;
    if (span !== null) {
      this.setServer(span);
      const id = messageId ?? (this.start.batchCount === undefined ? this.uniqueId : null);
      if (id !== null) span.setAttribute(C.ATTR_MESSAGING_MESSAGE_ID, id);
      span.end();
    }
    this.telemetry.record(this.start.topic, this.brokerName, true, messages, performance.now() - this.startedAt);
  }

  /** The send failed (after its retries) or was abandoned. */
  failed(error: unknown, messages = 1): void {
    if (this.ended) return;
    this.ended = true;
    this.catchUp();
    const span = this.span;
    if (span !== null) {
      this.setServer(span);
      if (this.start.batchCount === undefined && this.uniqueId !== null) span.setAttribute(C.ATTR_MESSAGING_MESSAGE_ID, this.uniqueId);
      span.setAttribute(C.ATTR_ERROR_TYPE, errorType(error));
      if (error instanceof Error) span.recordException(error);
      span.setStatus({ code: this.telemetry.otel.SpanStatusCode.ERROR, message: errorMessage(error) });
      span.end();
    }
    this.telemetry.record(this.start.topic, this.brokerName, false, messages, performance.now() - this.startedAt);
  }

  private setServer(span: Otel.Span): void {
    if (this.brokerName !== null) span.setAttribute('rocketmq.broker.name', this.brokerName);
    const server = this.brokerAddr === null ? null : splitAddress(this.brokerAddr);
    if (server !== null) {
      span.setAttribute(C.ATTR_SERVER_ADDRESS, server.host);
      span.setAttribute(C.ATTR_SERVER_PORT, server.port);
    }
  }
}
