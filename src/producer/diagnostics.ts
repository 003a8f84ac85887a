/**
 * Diagnostics channels of the producer (`node:diagnostics_channel`). Payloads are built only when someone listens;
 * `producer.events$` is a thin Observable over the same payloads, filtered to one producer.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type {
  EndTransactionFailedEvent,
  LocalTransactionEvent,
  TransactionCheckDroppedEvent,
  TransactionCheckEvent,
} from '../transaction/diagnostics.js';
import type { RequestSettledEvent } from '../request-reply/diagnostics.js';

/** Who published an event: every payload carries it. */
export interface ProducerEventSource {
  /** Process-unique number of the producer (`producer.id`). */
  readonly producerId: number;
  /** Its group as sent (namespaced). */
  readonly producerGroup: string;
}

/** Payload of `rocketmq:producer:hookError`: a send hook threw; the send went on. */
export interface HookErrorEvent extends ProducerEventSource {
  /** The hook's `name`. */
  readonly hook: string;
  /** Which method threw. */
  readonly phase: 'sendMessageBefore' | 'sendMessageAfter';
  /** What it threw. */
  readonly error: unknown;
}

/** Payload of `rocketmq:producer:send`: one send attempt settled. */
export interface SendEvent extends ProducerEventSource {
  /** Topic as sent. */
  readonly topic: string;
  /** Broker of the attempt. */
  readonly brokerName: string | null;
  /** Attempt number, from 1. */
  readonly attempt: number;
  /** Milliseconds the attempt took. */
  readonly durationMillis: number;
  /** The error, when the attempt failed; `null` on success. */
  readonly error: unknown;
}

/** Payload of `rocketmq:producer:callbackError`: a `sendAsync` callback threw; the producer went on. */
export interface CallbackErrorEvent extends ProducerEventSource {
  /** Which callback threw. */
  readonly callback: 'onSuccess' | 'onException';
  /** What it threw. */
  readonly error: unknown;
}

/**
 * Payload of `rocketmq:producer:credentialsError`: a background call of the `credentials` function failed (threw,
 * rejected or returned invalid credentials); the last good credentials stay in use.
 */
export interface CredentialsErrorEvent extends ProducerEventSource {
  /** `MQClientError` `RMQ_ERR_CREDENTIALS`; its `cause` is what the function threw. */
  readonly error: unknown;
}

/** What `producer.events$` emits: a channel's payload tagged with its kind. */
export type ProducerEvent =
  | ({ readonly type: 'send' } & SendEvent)
  | ({ readonly type: 'hookError' } & HookErrorEvent)
  | ({ readonly type: 'callbackError' } & CallbackErrorEvent)
  | ({ readonly type: 'localTransaction' } & LocalTransactionEvent)
  | ({ readonly type: 'transactionCheck' } & TransactionCheckEvent)
  | ({ readonly type: 'transactionCheckDropped' } & TransactionCheckDroppedEvent)
  | ({ readonly type: 'endTransactionFailed' } & EndTransactionFailedEvent)
  | ({ readonly type: 'requestSettled' } & RequestSettledEvent)
  | ({ readonly type: 'credentialsError' } & CredentialsErrorEvent);

/** `rocketmq:producer:send` ({@link SendEvent}). */
export const sendChannel = diagnosticsChannel.channel('rocketmq:producer:send');
/** `rocketmq:producer:hookError` ({@link HookErrorEvent}). */
export const hookErrorChannel = diagnosticsChannel.channel('rocketmq:producer:hookError');
/** `rocketmq:producer:callbackError` ({@link CallbackErrorEvent}). */
export const callbackErrorChannel = diagnosticsChannel.channel('rocketmq:producer:callbackError');

/** `rocketmq:producer:credentialsError` ({@link CredentialsErrorEvent}). */
export const credentialsErrorChannel = diagnosticsChannel.channel('rocketmq:producer:credentialsError');

/** Publishes a failed credentials refresh if anyone subscribed. @internal */
export function publishCredentialsError(source: ProducerEventSource, error: unknown): void {
  if (credentialsErrorChannel.hasSubscribers) {
    credentialsErrorChannel.publish({ producerId: source.producerId, producerGroup: source.producerGroup, error } satisfies CredentialsErrorEvent);
  }
}

/** Publishes a hook failure if anyone subscribed. @internal */
export function publishHookError(source: ProducerEventSource, hook: string, phase: HookErrorEvent['phase'], error: unknown): void {
  if (hookErrorChannel.hasSubscribers) {
    hookErrorChannel.publish({ producerId: source.producerId, producerGroup: source.producerGroup, hook, phase, error } satisfies HookErrorEvent);
  }
}
