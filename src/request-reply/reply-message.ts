/**
 * Reply messages of request/reply (Java `MessageUtil.createReplyMessage`, `ClientRemotingProcessor.receiveReplyMessage`).
 */
import { MQClientError } from '../errors.js';
import { decompressBody, SysFlag } from '../message/compression.js';
import type { Message } from '../message/message.js';
import { decodeProperties } from '../message/properties.js';
import { REPLY_MESSAGE_FLAG } from '../message/validators.js';
import type { RemotingCommand } from '../remoting/remoting-command.js';

/** Suffix of the reply topic: replies go to `<CLUSTER>_REPLY_TOPIC` (Java `MixAll.getReplyTopic`). */
export const REPLY_TOPIC_SUFFIX = '_REPLY_TOPIC';

/**
 * A reply, as the broker pushed it to the requester (PUSH_REPLY_MESSAGE_TO_CLIENT). `decodeBody(reply.body,
 * reply.properties)` decodes an object body.
 *
 * @example
 * ```ts
 * const reply = await producer.request({ topic: 'Prices', body: 'AAPL' }, { timeout: 3000 });
 * console.log(reply.body.toString(), reply.properties.CORRELATION_ID);
 * ```
 */
export interface ReplyMessage {
  /** The reply topic (`<CLUSTER>_REPLY_TOPIC`). */
  readonly topic: string;
  /** The reply body (inflated when it was sent compressed). */
  readonly body: Buffer;
  /** Every property of the reply, plus `ARRIVE_TIME` (when it arrived here, as the Java client adds it). */
  readonly properties: Readonly<Record<string, string>>;
  /** The request's correlation id the reply answers. */
  readonly correlationId: string;
  /** Queue of the reply topic the responder sent to. */
  readonly queueId: number;
  /** User flag. */
  readonly flag: number;
  /** MessageSysFlag bits of the reply send. */
  readonly sysFlag: number;
  /** When the responder created the reply, epoch ms. */
  readonly bornTimestamp: number;
  /** `ip:port` of the responder as the broker saw it. */
  readonly bornHost: string | null;
  /** When the broker pushed it, epoch ms. */
  readonly storeTimestamp: number;
  /** `ip:port` of the broker. */
  readonly storeHost: string | null;
  /** Redeliveries (0). */
  readonly reconsumeTimes: number;
}

/** What {@link createReplyMessage} reads from the request: any received message with its properties. */
export interface RequestMessageLike {
  /** The request's properties (`CLUSTER`, `CORRELATION_ID`, `REPLY_TO_CLIENT`, `TTL`). */
  readonly properties: Readonly<Record<string, string>>;
}

function replyError(message: string): MQClientError {
  return new MQClientError(message, 10007, { code: 'RMQ_ERR_CREATE_REPLY_MESSAGE' });
}

/**
 * Builds the reply to a request message that a consumer received (Java `MessageUtil.createReplyMessage`): topic
 * `<CLUSTER>_REPLY_TOPIC`, properties `MSG_TYPE=reply` and the request's `CORRELATION_ID`, `REPLY_TO_CLIENT` and
 * `TTL`. `producer.send(reply)` sends it with SEND_REPLY_MESSAGE_V2 (325), which the broker pushes to the requester.
 *
 * @param request - the request as received (it must carry `CLUSTER`, which the broker adds when it stores it)
 * @param body - the reply body (bytes, string, or an object sent as msgpack)
 * @returns the reply message, ready for `producer.send`
 * @throws MQClientError `RMQ_ERR_CREATE_REPLY_MESSAGE` when the request lacks `CLUSTER`, `CORRELATION_ID` or
 *   `REPLY_TO_CLIENT`
 * @example
 * ```ts
 * await producer.send(createReplyMessage(requestMessage, JSON.stringify({ price: 187.3 })));
 * ```
 */
export function createReplyMessage(request: RequestMessageLike, body: Message['body']): Message {
  if (request === null || typeof request !== 'object' || typeof request.properties !== 'object' || request.properties === null) {
    throw replyError('create reply message fail, requestMessage cannot be null.');
  }
  const properties = request.properties;
  const cluster = properties['CLUSTER'];
  if (cluster === undefined) throw replyError('create reply message fail, requestMessage error, property[CLUSTER] is null.');
  const correlationId = properties['CORRELATION_ID'];
  const replyTo = properties['REPLY_TO_CLIENT'];
  if (correlationId === undefined || replyTo === undefined) {
    throw replyError('create reply message fail, the request has no CORRELATION_ID / REPLY_TO_CLIENT: it is not a request message.');
  }
  const replyProperties: Record<string, string> = {
    MSG_TYPE: REPLY_MESSAGE_FLAG,
    CORRELATION_ID: correlationId,
    REPLY_TO_CLIENT: replyTo,
  };
  const ttl = properties['TTL'];
  if (ttl !== undefined) replyProperties['TTL'] = ttl;
  return { topic: cluster + REPLY_TOPIC_SUFFIX, body, properties: replyProperties };
}

function required(ext: Record<string, string>, name: string): string {
  const value = ext[name];
  if (value === undefined) throw new MQClientError(`PUSH_REPLY_MESSAGE_TO_CLIENT lacks ${name}`, -1, { code: 'RMQ_ERR_MALFORMED_REPLY' });
  return value;
}

function integer(ext: Record<string, string>, name: string): number {
  const value = Number(required(ext, name));
  if (!Number.isSafeInteger(value)) throw new MQClientError(`PUSH_REPLY_MESSAGE_TO_CLIENT has a bad ${name}`, -1, { code: 'RMQ_ERR_MALFORMED_REPLY' });
  return value;
}

/**
 * Decodes a PUSH_REPLY_MESSAGE_TO_CLIENT (326) request (Java `ReplyMessageRequestHeader` + body) into a reply.
 * @param request - the broker's request
 * @param receivedAt - `ARRIVE_TIME`, epoch ms
 * @returns the reply
 * @throws MQClientError `RMQ_ERR_MALFORMED_REPLY` when a required header field is missing, has no correlation id,
 *   or the body does not inflate
 * @internal
 */
export function replyFromPush(request: RemotingCommand, receivedAt: number): ReplyMessage {
  const ext = request.extFields ?? {};
  for (const name of ['producerGroup', 'defaultTopic', 'defaultTopicQueueNums']) required(ext, name);
  const sysFlag = integer(ext, 'sysFlag');
  const properties = decodeProperties(ext['properties'] ?? '');
  properties['ARRIVE_TIME'] = String(receivedAt);
  const correlationId = properties['CORRELATION_ID'];
  if (correlationId === undefined) throw new MQClientError('reply without CORRELATION_ID', -1, { code: 'RMQ_ERR_MALFORMED_REPLY' });
  let body = request.body ?? Buffer.alloc(0);
  if ((sysFlag & SysFlag.COMPRESSED) !== 0) {
    try {
      body = decompressBody(body, sysFlag);
    } catch (error) {
      throw new MQClientError('reply body does not inflate', -1, { code: 'RMQ_ERR_MALFORMED_REPLY', cause: error });
    }
  }
  return {
    topic: required(ext, 'topic'),
    body,
    properties,
    correlationId,
    queueId: integer(ext, 'queueId'),
    flag: integer(ext, 'flag'),
    sysFlag,
    bornTimestamp: integer(ext, 'bornTimestamp'),
    bornHost: ext['bornHost'] ?? null,
    storeTimestamp: integer(ext, 'storeTimestamp'),
    storeHost: ext['storeHost'] ?? null,
    reconsumeTimes: ext['reconsumeTimes'] === undefined ? 0 : integer(ext, 'reconsumeTimes'),
  };
}
