/**
 * The options and callbacks of one send. In a file of their own because the producer, its async-send observer and
 * the publish operator all read them.
 */
import type { MessageQueue, SendResult } from '../message/message.js';
import type { SendMode } from './hooks.js';
import type { MessageQueueSelector } from './queue-selector.js';

/** Options of {@link Producer.request}. */
export interface RequestOptions {
  /**
   * How long to wait for the reply, ms (sent as the request's `TTL`); past it the request fails with
   * `RMQ_ERR_REQUEST_TIMEOUT` and a late reply is dropped.
   * @defaultValue the producer's `sendMsgTimeout`
   */
  timeout?: number;
  /** Picks the request's queue (as {@link SendOptions.selector}); one attempt. @defaultValue none (round robin) */
  selector?: MessageQueueSelector<never>;
  /** The argument handed to `selector`. @defaultValue `undefined` */
  arg?: unknown;
  /** Sends the request to exactly this queue; one attempt. @defaultValue none */
  queue?: MessageQueue;
}

/** Options of one send. */
export interface SendOptions {
  /**
   * `sync` (wait for the broker's answer, retry up to `retryTimesWhenSendFailed`), `async` (same, retried by RxJS
   * `retry` up to `retryTimesWhenSendAsyncFailed`), or `oneway` (write and forget: no result, no retry).
   * @defaultValue `'sync'`
   */
  mode?: SendMode;
  /**
   * Deadline of this send over all its attempts, ms.
   * @defaultValue the producer's `sendMsgTimeout`
   */
  timeout?: number;
  /**
   * Ordered send: picks the queue (Java `send(msg, selector, arg)`); the send then has exactly one attempt, on that
   * queue (no retry on another queue, which would break the order). See `selectByHash` / `selectByRandom`.
   * @defaultValue none (round robin with retries)
   */
  selector?: MessageQueueSelector<never>;
  /** The argument handed to `selector` (e.g. an order id). @defaultValue `undefined` */
  arg?: unknown;
  /**
   * Shortcut for `{ selector: selectByHash, arg: shardingKey }`: messages with the same key go to the same queue, in
   * send order. Overrides the message's own `shardingKey` field.
   * @defaultValue the message's `shardingKey`, if any
   */
  shardingKey?: string;
  /**
   * Sends to exactly this queue (its `brokerName` and `queueId`), one attempt, as Java `send(msg, mq)`.
   * @defaultValue none
   */
  queue?: MessageQueue;
}

/** Callbacks of {@link Producer.sendAsync}: exactly one of them is called, exactly once. */
export interface SendCallback {
  /** The broker stored the message. */
  onSuccess?(result: SendResult): void;
  /** The send failed after its retries (or could not start). */
  onException?(error: Error): void;
}
