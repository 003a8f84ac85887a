/**
 * Client-side checks of the Java `Validators` / `Message.putUserProperty`, run before anything is sent. Each
 * failure is an `MQClientError` with a stable `code` from {@link MessageErrorCode} and a message saying what to
 * change; `responseCode` is 13 (MESSAGE_ILLEGAL) where Java uses it (message and body checks), else -1.
 */
import { MQClientError } from '../errors.js';
import { encodeBody, type EncodedBody } from './body-codec.js';
import { MessageErrorCode } from './error-codes.js';
import type { Message } from './message.js';
import { MAX_PROPERTIES_BYTES, RESERVED_PROPERTY_NAMES } from './properties.js';

export { MessageErrorCode, type MessageErrorCodeValue } from './error-codes.js';

/** Allowed topic and group names (Java `TopicValidator`). */
export const TOPIC_OR_GROUP_PATTERN = /^[%|a-zA-Z0-9_-]+$/;
/** Longest topic the Java client accepts. */
export const TOPIC_MAX_LENGTH = 127;
/** Longest group the Java client accepts (4.9 … 5.3 releases). */
export const GROUP_MAX_LENGTH = 255;
/** Default `maxMessageSize` of the Java producer: 4 MiB. */
export const DEFAULT_MAX_MESSAGE_SIZE = 4 * 1024 * 1024;

/**
 * Topics a client may not send to: Java `TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET` (brokers answer 16
 * NO_PERMISSION for these) plus the auto-create template topic `TBW102`, which older Java clients refused in
 * `checkTopic` and which would otherwise store user messages in the broker's template topic.
 */
export const NOT_ALLOWED_SEND_TOPICS: ReadonlySet<string> = new Set([
  'TBW102',
  'SCHEDULE_TOPIC_XXXX',
  'SCHEDULE_TOPIC_XXXX_V2',
  'RMQ_SYS_TRANS_HALF_TOPIC',
  'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  'TRANS_CHECK_MAX_TIME_TOPIC',
  'SELF_TEST_TOPIC',
  'OFFSET_MOVED_EVENT',
]);

const MESSAGE_ILLEGAL = 13;

function fail(message: string, code: string, responseCode = -1): never {
  throw new MQClientError(message, responseCode, { code });
}

function isBlank(text: string): boolean {
  return text.trim() === '';
}

function hasSeparator(text: string): boolean {
  return text.includes('\u0001') || text.includes('\u0002');
}

function checkName(kind: 'topic' | 'group', name: unknown, maxLength: number): asserts name is string {
  const blank = kind === 'topic' ? MessageErrorCode.BLANK_TOPIC : MessageErrorCode.BLANK_GROUP;
  if (typeof name !== 'string' || isBlank(name)) fail(`The ${kind} is blank; give a non-empty ${kind} name.`, blank);
  if (name.length > maxLength) {
    fail(
      `The ${kind} "${name.slice(0, 40)}…" is ${name.length} characters long; the limit is ${maxLength}.`,
      kind === 'topic' ? MessageErrorCode.TOPIC_TOO_LONG : MessageErrorCode.GROUP_TOO_LONG,
    );
  }
  if (!TOPIC_OR_GROUP_PATTERN.test(name)) {
    fail(
      `The ${kind} "${name}" contains illegal characters; use only letters, digits, '%', '|', '_' and '-'.`,
      kind === 'topic' ? MessageErrorCode.INVALID_TOPIC : MessageErrorCode.INVALID_GROUP,
    );
  }
}

/**
 * Checks a topic name as Java `Validators.checkTopic`: not blank, at most 127 characters, only
 * `^[%|a-zA-Z0-9_-]+$`. (System topics are refused by {@link checkNotSystemTopic}, which {@link checkMessage} runs.)
 *
 * @param topic - the topic
 * @throws MQClientError `RMQ_ERR_BLANK_TOPIC`, `RMQ_ERR_TOPIC_TOO_LONG`, `RMQ_ERR_INVALID_TOPIC`
 * @example
 * ```ts
 * checkTopic('TopicTest');
 * ```
 */
export function checkTopic(topic: string): void {
  checkName('topic', topic, TOPIC_MAX_LENGTH);
}

/**
 * Refuses the topics in {@link NOT_ALLOWED_SEND_TOPICS} (Java `Validators.isNotAllowedSendTopic`, plus TBW102).
 *
 * @param topic - the topic
 * @throws MQClientError `RMQ_ERR_SYSTEM_TOPIC`
 */
export function checkNotSystemTopic(topic: string): void {
  if (NOT_ALLOWED_SEND_TOPICS.has(topic)) {
    fail(`Sending to the system topic "${topic}" is forbidden; send to a topic of your own.`, MessageErrorCode.SYSTEM_TOPIC);
  }
}

/**
 * Checks a producer/consumer group name as Java `Validators.checkGroup`: not blank, at most 255 characters, only
 * `^[%|a-zA-Z0-9_-]+$`.
 *
 * @param group - the group
 * @throws MQClientError `RMQ_ERR_BLANK_GROUP`, `RMQ_ERR_GROUP_TOO_LONG`, `RMQ_ERR_INVALID_GROUP`
 */
export function checkGroup(group: string): void {
  checkName('group', group, GROUP_MAX_LENGTH);
}

/**
 * Checks one user property as Java `Message.putUserProperty`, plus the separator rule of spec §9.1: the name is
 * not reserved ({@link RESERVED_PROPERTY_NAMES}), name and value are non-blank strings without `\x01`/`\x02`.
 *
 * @param name - property name
 * @param value - property value
 * @throws MQClientError `RMQ_ERR_RESERVED_PROPERTY`, `RMQ_ERR_BLANK_PROPERTY`, `RMQ_ERR_INVALID_PROPERTY`
 */
export function checkUserProperty(name: string, value: string): void {
  checkProperty(name, value, false);
}

function checkProperty(name: string, value: string, allowReserved: boolean): void {
  if (typeof name !== 'string' || typeof value !== 'string') {
    fail(`The property ${String(name)} must have a string name and a string value.`, MessageErrorCode.INVALID_PROPERTY);
  }
  if (!allowReserved && RESERVED_PROPERTY_NAMES.has(name)) {
    fail(
      `The property name "${name}" is reserved by RocketMQ; use the message field for it (tags, keys, …) or another name.`,
      MessageErrorCode.RESERVED_PROPERTY,
    );
  }
  // Java's String.trim() strips every char <= U+0020, so a name or value made only of separators is blank too.
  if (isJavaBlank(name) || isJavaBlank(value)) {
    fail(`The property "${name}" has a blank name or value; both must contain visible text.`, MessageErrorCode.BLANK_PROPERTY);
  }
  if (hasSeparator(name) || hasSeparator(value)) {
    fail(
      `The property ${JSON.stringify(name)} contains the control character U+0001 or U+0002, ` +
        'which separate properties on the wire; remove it.',
      MessageErrorCode.INVALID_PROPERTY,
    );
  }
}

function isJavaBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x20) return false;
  return true;
}

/**
 * Checks the size of a built properties string (it travels as a signed short; brokers answer 13 above it).
 *
 * @param properties - the properties string
 * @throws MQClientError `RMQ_ERR_PROPERTIES_TOO_LARGE` above 32767 UTF-8 bytes
 */
export function checkPropertiesSize(properties: string): void {
  // Cheap bound first: a UTF-16 unit encodes to at most 3 UTF-8 bytes.
  if (properties.length * 3 <= MAX_PROPERTIES_BYTES) return;
  const size = Buffer.byteLength(properties, 'utf8');
  if (size > MAX_PROPERTIES_BYTES) {
    fail(
      `The message properties are ${size} UTF-8 bytes, above the limit of ${MAX_PROPERTIES_BYTES}; use fewer or shorter properties and keys.`,
      MessageErrorCode.PROPERTIES_TOO_LARGE,
      MESSAGE_ILLEGAL,
    );
  }
}

/**
 * Checks a message before sending, as Java `Validators.checkMessage` (topic format, system topic, body present,
 * non-empty and at most `maxMessageSize` before compression) plus the message fields this library adds: `tags`
 * and `keys` free of separators, `flag` an int32, `delayTimeLevel` a non-negative integer, and every user
 * property through {@link checkUserProperty}.
 *
 * @param message - the message
 * @param maxMessageSize - largest body in bytes
 * @defaultValue maxMessageSize {@link DEFAULT_MAX_MESSAGE_SIZE} (4 MiB)
 * @returns the encoded body (as `encodeBody`), so the caller does not encode it twice
 * @throws MQClientError with one of the codes of {@link MessageErrorCode}: `RMQ_ERR_NULL_MESSAGE`, the topic codes,
 *   `RMQ_ERR_SYSTEM_TOPIC`, `RMQ_ERR_NULL_BODY`, `RMQ_ERR_INVALID_BODY`, `RMQ_ERR_EMPTY_BODY`,
 *   `RMQ_ERR_MESSAGE_TOO_LARGE`, `RMQ_ERR_INVALID_TAGS`, `RMQ_ERR_INVALID_KEYS`, `RMQ_ERR_INVALID_FLAG`,
 *   `RMQ_ERR_INVALID_DELAY_LEVEL`, `RMQ_ERR_INVALID_DELIVER_TIME`, `RMQ_ERR_INVALID_DELAY_MS`,
 *   `RMQ_ERR_CONFLICTING_DELAY`, the property codes
 * @example
 * ```ts
 * const { bytes, contentType } = checkMessage({ topic: 'TopicTest', body: 'Hello' }, 4 * 1024 * 1024);
 * ```
 */
export function checkMessage(message: Message, maxMessageSize: number = DEFAULT_MAX_MESSAGE_SIZE): EncodedBody {
  if (message === null || typeof message !== 'object') {
    fail('The message is null; pass an object with at least topic and body.', MessageErrorCode.NULL_MESSAGE, MESSAGE_ILLEGAL);
  }
  checkTopic(message.topic);
  checkNotSystemTopic(message.topic);
  const encoded = encodeBody(message.body);
  if (encoded.bytes.length === 0) {
    fail('The message body is empty; send at least one byte.', MessageErrorCode.EMPTY_BODY, MESSAGE_ILLEGAL);
  }
  if (encoded.bytes.length > maxMessageSize) {
    fail(
      `The message body is ${encoded.bytes.length} bytes, above maxMessageSize ${maxMessageSize}; ` +
        'send a smaller body or raise maxMessageSize (the broker has its own limit, 4 MiB by default).',
      MessageErrorCode.MESSAGE_TOO_LARGE,
      MESSAGE_ILLEGAL,
    );
  }
  const { tags, keys, flag, properties } = message;
  if (tags !== undefined && tags !== null && (typeof tags !== 'string' || hasSeparator(tags))) {
    fail('The tags must be a string without the control characters U+0001/U+0002.', MessageErrorCode.INVALID_TAGS);
  }
  if (keys !== undefined && keys !== null) {
    const list: unknown[] = Array.isArray(keys) ? keys : [keys];
    for (const key of list) {
      if (typeof key !== 'string' || hasSeparator(key)) {
        fail('Each key must be a string without the control characters U+0001/U+0002.', MessageErrorCode.INVALID_KEYS);
      }
    }
  }
  if (flag !== undefined && flag !== null && !(Number.isInteger(flag) && flag >= -0x80000000 && flag <= 0x7fffffff)) {
    fail(`The message flag ${String(flag)} is not a 32-bit integer.`, MessageErrorCode.INVALID_FLAG);
  }
  checkDelivery(message);
  if (properties !== undefined && properties !== null) {
    if (typeof properties !== 'object') {
      fail('The message properties must be an object of string names to string values.', MessageErrorCode.INVALID_PROPERTY);
    }
    // A reply message (createReplyMessage) carries the request/reply properties the client owns.
    const reply = properties[MSG_TYPE] === REPLY_MESSAGE_FLAG;
    for (const name of Object.keys(properties)) checkProperty(name, properties[name]!, reply && REPLY_PROPERTY_NAMES.has(name));
  }
  return encoded;
}

/** `MSG_TYPE` value of a reply message (Java `MixAll.REPLY_MESSAGE_FLAG`). */
export const REPLY_MESSAGE_FLAG = 'reply';
const MSG_TYPE = 'MSG_TYPE';
/** The reserved properties a reply message (`MSG_TYPE=reply`) may carry in `Message.properties`. */
const REPLY_PROPERTY_NAMES: ReadonlySet<string> = new Set(['MSG_TYPE', 'CORRELATION_ID', 'REPLY_TO_CLIENT', 'TTL']);

function isPositiveSafeInteger(value: unknown): boolean {
  return Number.isSafeInteger(value) && (value as number) > 0;
}

/**
 * Checks the scheduled-delivery fields: `delayTimeLevel` (4.x levels, 0 = none), `deliverTimeMs` and `delayMs`
 * (5.x timers) are each absent or a positive integer (the level may also be 0), and at most one of them is set.
 *
 * @param message - the message
 * @throws MQClientError `RMQ_ERR_INVALID_DELAY_LEVEL`, `RMQ_ERR_INVALID_DELIVER_TIME`, `RMQ_ERR_INVALID_DELAY_MS`,
 *   `RMQ_ERR_CONFLICTING_DELAY`
 * @example
 * ```ts
 * checkDelivery({ topic: 'T', body: 'x', delayMs: 10_000 });
 * ```
 */
export function checkDelivery(message: Pick<Message, 'delayTimeLevel' | 'deliverTimeMs' | 'delayMs'>): void {
  const { delayTimeLevel, deliverTimeMs, delayMs } = message;
  if (
    delayTimeLevel !== undefined &&
    delayTimeLevel !== null &&
    !(Number.isInteger(delayTimeLevel) && delayTimeLevel >= 0 && delayTimeLevel <= 0x7fffffff)
  ) {
    fail(
      `The delayTimeLevel ${String(delayTimeLevel)} is not a non-negative integer; use 1…18 (1s … 2h) or 0 for none.`,
      MessageErrorCode.INVALID_DELAY_LEVEL,
    );
  }
  if (deliverTimeMs !== undefined && deliverTimeMs !== null && !isPositiveSafeInteger(deliverTimeMs)) {
    fail(`The deliverTimeMs ${String(deliverTimeMs)} is not a positive integer (epoch milliseconds).`, MessageErrorCode.INVALID_DELIVER_TIME);
  }
  if (delayMs !== undefined && delayMs !== null && !isPositiveSafeInteger(delayMs)) {
    fail(`The delayMs ${String(delayMs)} is not a positive integer (milliseconds).`, MessageErrorCode.INVALID_DELAY_MS);
  }
  // Counted without an array or closure: this runs for every message sent.
  const times = ((delayTimeLevel ?? 0) > 0 ? 1 : 0) + (deliverTimeMs !== undefined && deliverTimeMs !== null ? 1 : 0) + (delayMs !== undefined && delayMs !== null ? 1 : 0);
  if (times > 1) {
    fail(
      'Set at most one of delayTimeLevel, deliverTimeMs and delayMs: the broker honours only one delivery time.',
      MessageErrorCode.CONFLICTING_DELAY,
    );
  }
}
