/**
 * Diagnostics channels of request/reply (`node:diagnostics_channel`): seams for logging and tracing.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

/** Payload of `rocketmq:request:settled`: a `request()` finished (reply, timeout or failed send). */
export interface RequestSettledEvent {
  /** `producer.id`. */
  readonly producerId: number;
  /** Producer group as sent. */
  readonly producerGroup: string;
  /** Topic of the request. */
  readonly topic: string;
  /** Its correlation id. */
  readonly correlationId: string;
  /** When it started, epoch ms. */
  readonly startedAt: number;
  /** How long it took, ms. */
  readonly durationMillis: number;
  /** `null` when the reply arrived; else the error (`RMQ_ERR_REQUEST_TIMEOUT`, a send error). */
  readonly error: unknown;
}

/** Payload of `rocketmq:request:replyDropped`: a reply arrived that no request waits for (late or unknown). */
export interface ReplyDroppedEvent {
  /** Client id (`REPLY_TO_CLIENT`) of the instance that got it. */
  readonly clientId: string;
  /** Broker that pushed it. */
  readonly brokerAddr: string;
  /** Its correlation id, when it had one. */
  readonly correlationId: string | null;
  /** Why: no request waits for it, or the push did not decode. */
  readonly reason: 'unknownCorrelationId' | 'malformed';
  /** The decode error for `malformed`, else `null`. */
  readonly error: unknown;
}

/** `rocketmq:request:settled` ({@link RequestSettledEvent}). */
export const requestSettledChannel = diagnosticsChannel.channel('rocketmq:request:settled');
/** `rocketmq:request:replyDropped` ({@link ReplyDroppedEvent}). */
export const replyDroppedChannel = diagnosticsChannel.channel('rocketmq:request:replyDropped');
