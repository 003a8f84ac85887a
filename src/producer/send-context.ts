/**
 * The record that flows through the send pipeline. It is created in one place ({@link createSendContext}) with every
 * field initialised in a fixed order, so all contexts share one hidden class; operators fill in the fields they own
 * and narrow the type, they never spread a new object or delete a field.
 * @internal
 */
import type { Message, MessageQueue, SendResult } from '../message/message.js';
import type { BodyLease } from '../remoting/body-lease.js';
import type { JsonFieldPieces, RemotingCommand } from '../remoting/remoting-command.js';
import type { TopicPublishInfo } from '../route/topic-publish-info.js';
import type { SendTrace } from '../telemetry/send-telemetry.js';
import type { MessageTypeValue, SendMessageContext, SendMode } from './hooks.js';
import { MessageType } from './hooks.js';

const SEND_MESSAGE_V2 = 310;

/**
 * What a send adds to the caller's message beyond a plain send (transactions, requests). @internal
 */
export interface SendExtras {
  /**
   * A transaction's half message: properties `TRAN_MSG=true` and `PGROUP`, sysFlag TRANSACTION_PREPARED, and no
   * delay level (Java `sendMessageInTransaction` clears it).
   */
  readonly transactional: boolean;
  /** Properties the producer adds in Java insertion order (a request's CORRELATION_ID, REPLY_TO_CLIENT, TTL). */
  readonly systemProperties: readonly (readonly [string, string])[] | null;
}

/** A plain send. @internal */
export const NO_EXTRAS: SendExtras = Object.freeze({ transactional: false, systemProperties: null });

/** @internal */
export interface SendContext {
  /** Send mode. */
  readonly mode: SendMode;
  /** The caller's message; never mutated. */
  readonly message: Message;
  /** Transaction / request additions. */
  readonly extras: SendExtras;
  /** When the send was subscribed, ms since the epoch (scheduler clock). */
  readonly startedAt: number;
  /** `startedAt + timeout`: no attempt starts after it, and no attempt waits past it. */
  readonly deadline: number;

  // Prepared once, before the first attempt (validate, prepareMessage).
  /** Topic as sent: with the namespace prefix when the producer has one. */
  topic: string;
  /** Encoded body, before compression (validate). */
  body: Buffer | null;
  /** `CONTENT_TYPE` of a body encoded from an object, else `null` (validate). */
  contentType: string | null;
  /** The properties string that is sent (§9.1), UNIQ_KEY included. */
  properties: string | null;
  /** The client unique id (UNIQ_KEY): set once, the same on every attempt. */
  uniqueId: string | null;
  /** `properties` as JSON-encoded pieces around the unique id, when prepareMessage could give them; else `null`. */
  propertiesPieces: JsonFieldPieces | null;
  /** Normal, transaction half or delay. */
  msgType: MessageTypeValue;
  /** SEND_MESSAGE_V2 (310), or SEND_REPLY_MESSAGE_V2 (325) for a reply message (`MSG_TYPE=reply`). */
  requestCode: number;
  /** The route used (resolveRoute; refreshed before a retry after a route-stale error). */
  route: TopicPublishInfo | null;

  // Body as sent (compress; computed once and reused by every attempt).
  /** Body on the wire: `body`, or its zlib deflate. */
  wireBody: Buffer | null;
  /** MessageSysFlag of the request (`f`). */
  sysFlag: number;
  /** A `wireBody` lent from a pool (batches): remoting tells it when no queued frame reads the body any more. */
  bodyLease: BodyLease | null;

  // Per attempt.
  /** Attempts started so far (1 during the first attempt). */
  attempt: number;
  /** Timeout of the current attempt, ms. */
  attemptTimeout: number;
  /** When the current attempt started. */
  attemptStartedAt: number;
  /** Broker of the previous attempt (a retry avoids it), or `null`. */
  lastBrokerName: string | null;
  /** Queue of the current attempt. */
  queue: MessageQueue | null;
  /** Address the current attempt writes to (VIP address when enabled). */
  brokerAddr: string | null;
  /** The request of the current attempt. */
  request: RemotingCommand | null;
  /** The broker's response to it (`null` for oneway). */
  response: RemotingCommand | null;
  /** Hook context of the current attempt, when send-message hooks are registered. */
  hookContext: SendMessageContext | null;
  /** Result of the last attempt that produced one (sync: a non-OK store status may be returned in the end). */
  result: SendResult | null;
  /** Broker names tried, in order. */
  brokersSent: string[];
  /** Telemetry of this send (its span), told of every settled attempt; `null` without a provider. */
  trace: SendTrace | null;
}

/** After validate: the body is encoded. @internal */
export type ValidatedContext = SendContext & { body: Buffer };
/** After prepareMessage: body, properties and unique id are known. @internal */
export type PreparedContext = SendContext & { body: Buffer; properties: string; uniqueId: string };
/** After resolveRoute. @internal */
export type RoutedContext = PreparedContext & { route: TopicPublishInfo };
/** After selectQueue. @internal */
export type QueuedContext = RoutedContext & { queue: MessageQueue; brokerAddr: string };
/** After compress. @internal */
export type CompressedContext = QueuedContext & { wireBody: Buffer };
/** After encodeRequest. @internal */
export type EncodedContext = CompressedContext & { request: RemotingCommand };

/** The `brokersSent` of every send before its first attempt: never mutated (`selectQueue` replaces it). */
const NO_BROKERS_YET: string[] = [];

/**
 * A fresh context for one send (one per subscription: a retry reuses it, a new subscription gets a new one).
 * @internal
 */
export function createSendContext(
  message: Message,
  mode: SendMode,
  now: number,
  timeoutMillis: number,
  extras: SendExtras = NO_EXTRAS,
): SendContext {
  return {
    mode,
    message,
    extras,
    startedAt: now,
    deadline: now + timeoutMillis,
    topic: '',
    body: null,
    contentType: null,
    properties: null,
    uniqueId: null,
    propertiesPieces: null,
    msgType: MessageType.NORMAL,
    requestCode: SEND_MESSAGE_V2,
    route: null,
    wireBody: null,
    sysFlag: 0,
    bodyLease: null,
    attempt: 0,
    attemptTimeout: timeoutMillis,
    attemptStartedAt: now,
    lastBrokerName: null,
    queue: null,
    brokerAddr: null,
    request: null,
    response: null,
    hookContext: null,
    result: null,
    brokersSent: NO_BROKERS_YET,
    trace: null,
  };
}
