/**
 * Diagnostics channels of transactional messages (`node:diagnostics_channel`): seams for logging and tracing.
 * Payloads are built only when someone listens.
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { LocalTransactionState } from './transaction-listener.js';

/** Who published an event. */
export interface TransactionEventSource {
  /** `producer.id`. */
  readonly producerId: number;
  /** Producer group as sent. */
  readonly producerGroup: string;
}

/** Payload of `rocketmq:transaction:local`: `executeLocalTransaction` finished (or threw). */
export interface LocalTransactionEvent extends TransactionEventSource {
  /** Topic of the half message. */
  readonly topic: string;
  /** Client message id (`UNIQ_KEY`) of the half message. */
  readonly msgId: string;
  /** The transaction id. */
  readonly transactionId: string;
  /** The state sent to the broker (`UNKNOW` after a throw). */
  readonly state: LocalTransactionState;
  /** When the local transaction started, epoch ms. */
  readonly startedAt: number;
  /** How long it ran, ms. */
  readonly durationMillis: number;
  /** What it threw or rejected with (or the invalid value it returned), else `null`. */
  readonly error: unknown;
}

/** Payload of `rocketmq:transaction:check`: a broker check-back was answered. */
export interface TransactionCheckEvent extends TransactionEventSource {
  /** Broker address the check came from (and the answer went to). */
  readonly brokerAddr: string;
  /** Topic of the half message. */
  readonly topic: string;
  /** Client message id (`UNIQ_KEY`). */
  readonly msgId: string;
  /** The check's transaction id. */
  readonly transactionId: string | null;
  /** The state answered. */
  readonly state: LocalTransactionState;
  /** When `checkLocalTransaction` started, epoch ms. */
  readonly startedAt: number;
  /** How long it ran, ms. */
  readonly durationMillis: number;
  /** What it threw, else `null`. */
  readonly error: unknown;
}

/** Payload of `rocketmq:transaction:checkDropped`: a check-back was not run (the broker checks again later). */
export interface TransactionCheckDroppedEvent extends TransactionEventSource {
  /** Broker address the check came from. */
  readonly brokerAddr: string;
  /** Client message id (`UNIQ_KEY`), when the body decoded. */
  readonly msgId: string | null;
  /** Why: the queue is full (`checkRequestHoldMax`), the producer has no listener, or the check did not decode. */
  readonly reason: 'queueFull' | 'noListener' | 'malformed';
  /** The decode error for `malformed`, else `null`. */
  readonly error: unknown;
}

/** Payload of `rocketmq:transaction:endFailed`: an END_TRANSACTION could not be written (the broker will check). */
export interface EndTransactionFailedEvent extends TransactionEventSource {
  /** Where it was going (`null`: no master address known for the broker). */
  readonly brokerAddr: string | null;
  /** Client message id (`UNIQ_KEY`). */
  readonly msgId: string;
  /** The state it carried. */
  readonly state: LocalTransactionState;
  /** Whether it answered a check. */
  readonly fromTransactionCheck: boolean;
  /** The error. */
  readonly error: unknown;
}

/** `rocketmq:transaction:local` ({@link LocalTransactionEvent}). */
export const localTransactionChannel = diagnosticsChannel.channel('rocketmq:transaction:local');
/** `rocketmq:transaction:check` ({@link TransactionCheckEvent}). */
export const transactionCheckChannel = diagnosticsChannel.channel('rocketmq:transaction:check');
/** `rocketmq:transaction:checkDropped` ({@link TransactionCheckDroppedEvent}). */
export const transactionCheckDroppedChannel = diagnosticsChannel.channel('rocketmq:transaction:checkDropped');
/** `rocketmq:transaction:endFailed` ({@link EndTransactionFailedEvent}). */
export const endTransactionFailedChannel = diagnosticsChannel.channel('rocketmq:transaction:endFailed');
