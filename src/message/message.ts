/**
 * The user-facing message and send-result types.
 */

/**
 * A message to send.
 *
 * @example
 * ```ts
 * const message: Message = { topic: 'TopicTest', tags: 'TagA', keys: ['OrderID188'], body: 'Hello' };
 * ```
 */
export interface Message {
  /** Topic to send to: `^[%|a-zA-Z0-9_-]+$`, at most 127 characters. */
  topic: string;
  /**
   * Payload. Bytes are sent as they are, a string as UTF-8, a plain object or array as msgpack (with property
   * `CONTENT_TYPE=application/x-msgpack`, see `decodeBody`). Must not be empty and at most `maxMessageSize` bytes.
   */
  body: Buffer | Uint8Array | string | object;
  /** Tag (property `TAGS`), used by consumers to filter. */
  tags?: string;
  /** Business key(s) (property `KEYS`, joined with a space) for look-up in the console. */
  keys?: string | string[];
  /** User properties. Names and values must be non-blank and free of `\x01`/`\x02`; reserved names are refused. */
  properties?: Record<string, string>;
  /**
   * Application-defined int32, stored with the message (header field `flag`).
   * @defaultValue `0`
   */
  flag?: number;
  /**
   * Delay level 1…18 (`1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h`); 0 sends at once.
   * @defaultValue `0`
   */
  delayTimeLevel?: number;
  /**
   * [5.x brokers] Deliver at this time, epoch milliseconds (property `TIMER_DELIVER_MS`, Java 5.x
   * `setDeliverTimeMs`). A positive integer; at most one of `delayTimeLevel`, `deliverTimeMs` and `delayMs`. A 4.x
   * broker ignores it and delivers at once, so a send to a broker known to be older than 5.0 fails with
   * `RMQ_ERR_TIMER_NOT_SUPPORTED` instead.
   * @defaultValue none
   */
  deliverTimeMs?: number;
  /**
   * [5.x brokers] Deliver this many milliseconds after the broker stored it (property `TIMER_DELAY_MS`, Java 5.x
   * `setDelayTimeMs`). A positive integer; same rules as `deliverTimeMs`.
   * @defaultValue none
   */
  delayMs?: number;
  /**
   * Whether the broker answers only after the message is flushed/replicated as configured (property `WAIT`).
   * @defaultValue `true`
   */
  waitStoreMsgOK?: boolean;
  /**
   * Ordering key: a send with one goes to the queue `selectByHash` picks for it (same key, same queue, send order
   * kept) with a single attempt. Not sent to the broker.
   * @defaultValue none (round robin)
   */
  shardingKey?: string;
}

/**
 * Store status of a successful send (Java `SendStatus`). Only `SEND_OK` means flushed and replicated as the
 * broker is configured; the others mean stored on the master but the flush or the slave did not confirm in time.
 */
export const SendStatus = {
  /** Stored, flushed and replicated as the broker is configured. */
  SEND_OK: 'SEND_OK',
  /** Stored, but a synchronous-flush broker did not flush it to disk in time. */
  FLUSH_DISK_TIMEOUT: 'FLUSH_DISK_TIMEOUT',
  /** Stored, but a synchronous-replication master's slave did not confirm in time. */
  FLUSH_SLAVE_TIMEOUT: 'FLUSH_SLAVE_TIMEOUT',
  /** Stored, but a synchronous-replication master has no slave available. */
  SLAVE_NOT_AVAILABLE: 'SLAVE_NOT_AVAILABLE',
} as const;

/** One of the {@link SendStatus} values. */
export type SendStatus = (typeof SendStatus)[keyof typeof SendStatus];

/** A queue of a topic on one broker. */
export interface MessageQueue {
  /** Topic (without namespace prefix). */
  topic: string;
  /** Name of the broker group, e.g. `broker-a`. */
  brokerName: string;
  /** Queue index on that broker. */
  queueId: number;
}

/**
 * The result of a successful send (spec §8.5).
 *
 * @example
 * ```ts
 * const { msgId, messageQueue, queueOffset } = await producer.send(message);
 * ```
 */
export interface SendResult {
  /** Store status. */
  sendStatus: SendStatus;
  /** Client message id (`UNIQ_KEY`); for a batch, the ids of the messages joined with `,`. */
  msgId: string;
  /** Broker offset message id (store host + commit-log offset, see `decodeOffsetMessageId`); comma-joined for a batch. */
  offsetMsgId: string;
  /** The queue the message was stored in. */
  messageQueue: MessageQueue;
  /** Logical offset in that queue (of the first message for a batch). */
  queueOffset: number;
  /** Broker region, `DefaultRegion` if the broker sent none. */
  regionId: string;
  /** Whether message tracing is on for the broker (`false` only if it said `"false"`). */
  traceOn: boolean;
  /** Transaction id, set by 5.x brokers (the message's UNIQ_KEY); absent from 4.9 brokers. */
  transactionId?: string;
}
