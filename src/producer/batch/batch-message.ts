/**
 * Preparing messages for SEND_BATCH_MESSAGE: the Java `MessageBatch.generateFromList` rules (one topic, no delay
 * level, no `%RETRY%` topic, one `waitStoreMsgOK` value, no compression), each message validated as a single send
 * and given its own UNIQ_KEY, and the splitting of a long list into batches that fit `maxMessageSize`.
 */
import { MQClientError } from '../../errors.js';
import { encodeBatchBodyWithLengths } from '../../message/batch.js';
import type { Message } from '../../message/message.js';
import { createUniqueId } from '../../message/message-id.js';
import { buildPropertiesString, MAX_PROPERTIES_BYTES } from '../../message/properties.js';
import { checkMessage, checkPropertiesSize } from '../../message/validators.js';

/**
 * Stable `code`s of the errors a batch send raises for a message that cannot go into a batch (all `MQClientError`,
 * responseCode 13 MESSAGE_ILLEGAL where a broker would refuse the same, and `index` = the message's position).
 */
export const BatchErrorCode = {
  /** `sendBatch` got an empty list. */
  EMPTY: 'RMQ_ERR_BATCH_EMPTY',
  /** The messages of one batch have different topics (Java: "The topic of the messages in one batch should be the same"). */
  TOPIC_MISMATCH: 'RMQ_ERR_BATCH_TOPIC_MISMATCH',
  /** A message has a delay level or a 5.x timer (`deliverTimeMs` / `delayMs`); batches cannot be delayed. */
  DELAY_NOT_SUPPORTED: 'RMQ_ERR_BATCH_DELAY_NOT_SUPPORTED',
  /** A message goes to a `%RETRY%` topic; batches cannot. */
  RETRY_TOPIC: 'RMQ_ERR_BATCH_RETRY_TOPIC',
  /** The messages of one batch disagree on `waitStoreMsgOK`. */
  WAIT_STORE_MISMATCH: 'RMQ_ERR_BATCH_WAIT_STORE_MISMATCH',
  /** One message alone makes a batch body larger than `maxMessageSize`. */
  TOO_LARGE: 'RMQ_ERR_BATCH_TOO_LARGE',
} as const;

/** One of the {@link BatchErrorCode} values. */
export type BatchErrorCodeValue = (typeof BatchErrorCode)[keyof typeof BatchErrorCode];

/** A message that cannot be sent in a batch; `code` is a {@link BatchErrorCode} or a message validation code. */
export class BatchMessageError extends MQClientError {
  /** Position of the offending message in the list (or in the stream, for `publish`). */
  readonly index: number;
  constructor(message: string, code: string, index: number, responseCode = 13) {
    super(message, responseCode, { code });
    this.index = index;
  }
}

const RETRY_TOPIC_PREFIX = '%RETRY%';

/** The properties string of a message with no tags, keys, user properties or content type, split around its id. */
interface PlainTemplate {
  readonly before: string;
  readonly after: string;
  /** Their bytes (ASCII). */
  readonly beforeBytes: Buffer;
  readonly afterBytes: Buffer;
}

/** Built by {@link buildPropertiesString} itself (names in its HashMap order), once per process. */
function plainTemplate(waitStoreMsgOK: boolean): PlainTemplate {
  const marker = '\u0000id\u0000';
  const text = buildPropertiesString({ waitStoreMsgOK, uniqKey: marker });
  const at = text.indexOf(marker);
  const before = text.slice(0, at);
  const after = text.slice(at + marker.length);
  return { before, after, beforeBytes: Buffer.from(before, 'latin1'), afterBytes: Buffer.from(after, 'latin1') };
}

const PLAIN_WAIT_TRUE = plainTemplate(true);
const PLAIN_WAIT_FALSE = plainTemplate(false);

function isAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 0x7f) return false;
  return true;
}
const RECORD_OVERHEAD = 4 + 4 + 4 + 4 + 4 + 2;

/** A message ready to be a batch record. @internal */
export interface BatchItem {
  readonly topic: string;
  readonly waitStoreMsgOK: boolean;
  readonly body: Buffer;
  readonly flag: number;
  /** This message's own properties string (UNIQ_KEY included). */
  readonly properties: string;
  /** Its UNIQ_KEY. */
  readonly uniqueId: string;
  /** Bytes of its §10.2 record. */
  readonly recordBytes: number;
}

/**
 * The usual item: its properties are the plain template around its ASCII id. The string is built only when asked
 * for (a send hook or the telemetry path reads it); the batch body gets the template's bytes and the id's, written
 * straight from them (no properties string per message, held while the batch is in flight). `properties` is a getter
 * of the class, so a spread copy (`{...item}`) does not carry it: a copy sets it itself (as the telemetry path does,
 * `{ ...item, properties }`), and is then a plain object written from that string.
 */
class PlainBatchItem implements BatchItem {
  constructor(
    readonly topic: string,
    readonly waitStoreMsgOK: boolean,
    readonly body: Buffer,
    readonly flag: number,
    readonly uniqueId: string,
    readonly recordBytes: number,
    readonly template: PlainTemplate,
  ) {}

  get properties(): string {
    return this.template.before + this.uniqueId + this.template.after;
  }
}

/** Writes a plain item's properties bytes (template, id, template); `false` for any other item. */
function writePlainProperties(item: BatchItem, out: Buffer, pos: number): boolean {
  if (!(item instanceof PlainBatchItem)) return false;
  const { beforeBytes, afterBytes } = item.template;
  const id = item.uniqueId;
  for (let i = 0; i < beforeBytes.length; i++) out[pos++] = beforeBytes[i]!;
  for (let i = 0; i < id.length; i++) out[pos++] = id.charCodeAt(i);
  for (let i = 0; i < afterBytes.length; i++) out[pos++] = afterBytes[i]!;
  return true;
}

/** Options of {@link prepareBatchItem}. @internal */
export interface PrepareBatchItemOptions {
  readonly maxMessageSize: number;
  readonly createUniqueId?: () => string;
}

/**
 * Validates one message for a batch (as a single send, plus the batch-only rules) and builds its record fields.
 * @throws MQClientError with a validation code, or {@link BatchMessageError} (`RMQ_ERR_BATCH_DELAY_NOT_SUPPORTED`,
 *   `RMQ_ERR_BATCH_RETRY_TOPIC`, `RMQ_ERR_BATCH_TOO_LARGE`)
 * @internal
 */
export function prepareBatchItem(message: Message, index: number, options: PrepareBatchItemOptions): BatchItem {
  let encoded;
  try {
    encoded = checkMessage(message, options.maxMessageSize);
  } catch (error) {
    // Keep the validation code, and say which message of the batch it is.
    if (error instanceof MQClientError) {
      throw new BatchMessageError(`message #${index}: ${error.message}`, error.code, index, error.responseCode);
    }
    throw error;
  }
  const { bytes, contentType } = encoded;
  if ((message.delayTimeLevel ?? 0) > 0 || message.deliverTimeMs !== undefined || message.delayMs !== undefined) {
    throw new BatchMessageError(
      `message #${index} has a delivery time (delayTimeLevel / deliverTimeMs / delayMs); batches cannot be delayed: send it on its own`,
      BatchErrorCode.DELAY_NOT_SUPPORTED,
      index,
    );
  }
  if (message.topic.startsWith(RETRY_TOPIC_PREFIX)) {
    throw new BatchMessageError(`message #${index} goes to the retry topic ${message.topic}; batches cannot`, BatchErrorCode.RETRY_TOPIC, index);
  }
  const ownIds = options.createUniqueId === undefined;
  const uniqueId = ownIds ? createUniqueId() : options.createUniqueId();
  const waitStoreMsgOK = message.waitStoreMsgOK !== false;
  const { tags, keys } = message;
  let properties: string;
  let propertiesBytes: number;
  if (!tags && !keys && !message.properties && !contentType && (ownIds || isAscii(uniqueId))) {
    // The usual record: UNIQ_KEY and WAIT only, i.e. the constant template around the id (ASCII throughout, so
    // its UTF-8 length is its length; our own ids are hex, a swapped id generator's are checked).
    const template = waitStoreMsgOK ? PLAIN_WAIT_TRUE : PLAIN_WAIT_FALSE;
    propertiesBytes = template.before.length + uniqueId.length + template.after.length;
    // What checkPropertiesSize checks, on the length alone (ASCII: one byte per character).
    if (propertiesBytes > MAX_PROPERTIES_BYTES) checkPropertiesSize(template.before + uniqueId + template.after);
    const recordBytes = RECORD_OVERHEAD + bytes.length + propertiesBytes;
    if (recordBytes > options.maxMessageSize) throw recordTooLarge(index, recordBytes, options.maxMessageSize);
    return new PlainBatchItem(message.topic, waitStoreMsgOK, bytes, message.flag ?? 0, uniqueId, recordBytes, template);
  } else {
    properties = buildPropertiesString({
      tags: tags ?? null,
      keys: keys ?? null,
      waitStoreMsgOK,
      userProperties: message.properties ?? null,
      uniqKey: uniqueId,
      contentType,
    });
    propertiesBytes = Buffer.byteLength(properties, 'utf8');
  }
  checkPropertiesSize(properties);
  const recordBytes = RECORD_OVERHEAD + bytes.length + propertiesBytes;
  if (recordBytes > options.maxMessageSize) throw recordTooLarge(index, recordBytes, options.maxMessageSize);
  return { topic: message.topic, waitStoreMsgOK, body: bytes, flag: message.flag ?? 0, properties, uniqueId, recordBytes };
}

function recordTooLarge(index: number, recordBytes: number, maxMessageSize: number): BatchMessageError {
  return new BatchMessageError(
    `message #${index} alone makes a ${recordBytes}-byte batch, above maxMessageSize ${maxMessageSize}; send it on its own`,
    BatchErrorCode.TOO_LARGE,
    index,
  );
}

/**
 * Whether `item` may join a batch that starts with `first` (same topic and `waitStoreMsgOK`).
 * @internal
 */
export function sameBatch(first: BatchItem, item: BatchItem): boolean {
  return first.topic === item.topic && first.waitStoreMsgOK === item.waitStoreMsgOK;
}

/**
 * Checks a whole list for `sendBatch` (Java `generateFromList`): not empty, one topic, one `waitStoreMsgOK`, and
 * each message through {@link prepareBatchItem}.
 * @throws {@link BatchMessageError} / MQClientError naming the first offending message
 * @internal
 */
export function prepareBatchList(messages: readonly Message[], options: PrepareBatchItemOptions): BatchItem[] {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw new BatchMessageError('sendBatch got no messages; pass a non-empty array', BatchErrorCode.EMPTY, -1, -1);
  }
  const items: BatchItem[] = [];
  for (let i = 0; i < messages.length; i++) {
    const item = prepareBatchItem(messages[i]!, i, options);
    const first = items[0];
    if (first !== undefined && first.topic !== item.topic) {
      throw new BatchMessageError(
        `message #${i} has topic ${item.topic}, but the batch's topic is ${first.topic}; a batch has one topic`,
        BatchErrorCode.TOPIC_MISMATCH,
        i,
      );
    }
    if (first !== undefined && first.waitStoreMsgOK !== item.waitStoreMsgOK) {
      throw new BatchMessageError(
        `message #${i} has waitStoreMsgOK ${String(item.waitStoreMsgOK)}, unlike the first message; a batch has one value`,
        BatchErrorCode.WAIT_STORE_MISMATCH,
        i,
      );
    }
    items.push(item);
  }
  return items;
}

/**
 * Splits prepared items into consecutive chunks whose batch body stays within `maxBytes` and that hold at most
 * `maxMessages` messages (the Java "ListSplitter", done for the caller).
 * @internal
 */
export function splitBatch(items: readonly BatchItem[], maxBytes: number, maxMessages = Infinity): BatchItem[][] {
  const chunks: BatchItem[][] = [];
  let current: BatchItem[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && (bytes + item.recordBytes > maxBytes || current.length >= maxMessages)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.recordBytes;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/**
 * The SEND_BATCH_MESSAGE body of prepared items (spec §10.2), written into `allocate(size)` (default a fresh buffer).
 * @internal
 */
export function encodeBatchItems(items: readonly BatchItem[], allocate?: (bytes: number) => Buffer): Buffer {
  // Each item's properties length is in its recordBytes already (kept right by whoever changes its properties).
  const lengths = new Array<number>(items.length);
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    lengths[i] = item.recordBytes - RECORD_OVERHEAD - item.body.length;
  }
  return encodeBatchBodyWithLengths(items, lengths, allocate, writePlainProperties);
}
