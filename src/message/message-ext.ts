/**
 * `MessageExt`: a message as a broker stored it (spec §11), decoded for application code — what a transaction
 * check-back hands to `checkLocalTransaction`.
 */
import { decompressBody, SysFlag } from './compression.js';
import { createOffsetMessageId } from './message-id.js';
import { decodeProperties } from './properties.js';
import { decodeStoredMessage } from './stored-message.js';

/**
 * A stored message (Java `MessageExt`), e.g. the half message of a transaction check.
 *
 * @example
 * ```ts
 * checkLocalTransaction(message: MessageExt) { return orders.has(message.keys[0]) ? 'COMMIT_MESSAGE' : 'UNKNOW'; }
 * ```
 */
export interface MessageExt {
  /** Topic (for a transaction check: the real topic, not the half topic). */
  readonly topic: string;
  /** Body, inflated when the broker stored it compressed; see `decodeBody`. */
  readonly body: Buffer;
  /** Every property as stored (user properties and the system ones: `UNIQ_KEY`, `PGROUP`, `TRAN_MSG`, …). */
  readonly properties: Readonly<Record<string, string>>;
  /** Property `TAGS`, or `null`. */
  readonly tags: string | null;
  /** Property `KEYS` split on spaces (empty when absent). */
  readonly keys: readonly string[];
  /** Client message id (`UNIQ_KEY`); the offset message id when the message has none (as Java `getMsgId`). */
  readonly msgId: string;
  /** Broker offset message id (store host + commit-log offset). */
  readonly offsetMsgId: string;
  /** Transaction id: the `UNIQ_KEY` (Java `ClientRemotingProcessor` sets it so), or `null` without one. */
  readonly transactionId: string | null;
  /** Queue id. */
  readonly queueId: number;
  /** Logical offset in the queue. */
  readonly queueOffset: number;
  /** Commit-log offset of the record. */
  readonly commitLogOffset: number;
  /** MessageSysFlag bits as stored. */
  readonly sysFlag: number;
  /** User flag (int32). */
  readonly flag: number;
  /** When the producer created it, epoch ms. */
  readonly bornTimestamp: number;
  /** `ip:port` of the producer as the broker saw it. */
  readonly bornHost: string;
  /** When the broker stored it, epoch ms. */
  readonly storeTimestamp: number;
  /** `ip:port` of the broker. */
  readonly storeHost: string;
  /** Redeliveries so far. */
  readonly reconsumeTimes: number;
  /** Commit-log offset of the half message a committed transactional message came from, else 0. */
  readonly preparedTransactionOffset: number;
}

/**
 * Decodes one §11 record (a CHECK_TRANSACTION_STATE body, a pull result record) into a {@link MessageExt}.
 *
 * @param record - the record bytes
 * @returns the message; its body is inflated when the record says it is compressed
 * @throws MQClientError `RMQ_ERR_MALFORMED_MESSAGE` (truncated record), `RMQ_ERR_DECOMPRESS_FAILED`,
 *   `RMQ_ERR_UNSUPPORTED_COMPRESSION`
 * @example
 * ```ts
 * const message = decodeMessageExt(checkRequest.body);
 * ```
 */
export function decodeMessageExt(record: Buffer): MessageExt {
  const fields = decodeStoredMessage(record);
  const properties = decodeProperties(fields.properties);
  const offsetMsgId = createOffsetMessageId(fields.storeHost, fields.commitLogOffset);
  const uniqKey = properties['UNIQ_KEY'];
  const keys = properties['KEYS'];
  const body = Buffer.from(fields.body);
  return {
    topic: fields.topic,
    body: (fields.sysFlag & SysFlag.COMPRESSED) !== 0 ? decompressBody(body, fields.sysFlag) : body,
    properties,
    tags: properties['TAGS'] ?? null,
    keys: keys === undefined ? [] : keys.split(' ').filter((key) => key.length > 0),
    msgId: uniqKey ?? offsetMsgId,
    offsetMsgId,
    transactionId: uniqKey ?? null,
    queueId: fields.queueId,
    queueOffset: Number(fields.queueOffset),
    commitLogOffset: Number(fields.commitLogOffset),
    sysFlag: fields.sysFlag,
    flag: fields.flag,
    bornTimestamp: fields.bornTimestamp,
    bornHost: fields.bornHost,
    storeTimestamp: fields.storeTimestamp,
    storeHost: fields.storeHost,
    reconsumeTimes: fields.reconsumeTimes,
    preparedTransactionOffset: Number(fields.preparedTransactionOffset),
  };
}
