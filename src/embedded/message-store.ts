/**
 * The embedded broker's in-memory message store: a commit log of encoded records (the exact bytes a Java broker
 * writes, §11), per-queue logical offsets from 0, and a cap that drops the oldest records so long benchmarks stay
 * bounded.
 */
import {
  createOffsetMessageId,
  decodeProperties,
  decodeStoredMessage,
  decompressBody,
  parseSocketAddress,
  recordHostOf,
  recordPropertiesLength,
  recordTopicOf,
  storedRecordSize,
  StoredBatchWriter,
  writeStoredRecord,
  type RecordHost,
  type RecordTopic,
  type RecordValues,
  zeroRecordValues,
} from './codec.js';
import { ByteSlab } from './byte-slab.js';

/** sysFlag bit: the body is compressed (`MessageSysFlag.COMPRESSED_FLAG`). */
const COMPRESSED_FLAG = 0x1;
const BORNHOST_V6_FLAG = 0x10;
const STOREHOST_V6_FLAG = 0x20;

/** `::ffff:1.2.3.4:5` (an IPv4 client seen by a dual-stack socket) → `1.2.3.4:5`. */
function unmapIPv4(address: string): string {
  return address.startsWith('::ffff:') && address.indexOf('.') > 0 ? address.slice(7) : address;
}

/** Whether an `ip:port` address has an IPv6 host. */
function isIPv6(address: string): boolean {
  return address.indexOf(':') !== address.lastIndexOf(':');
}

/** A host as records store it: its text and its record bytes (address, port). */
interface ParsedHost {
  readonly text: string;
  readonly record: RecordHost;
  readonly v6: boolean;
}

/** Parses `address` (after unmapping an IPv4-mapped IPv6 address); throws as `parseSocketAddress` does. */
function parseHost(address: string): ParsedHost {
  const text = unmapIPv4(address);
  return { text, record: recordHostOf(parseSocketAddress(text)), v6: isIPv6(text) };
}

/** A topic's queues (next logical offset by queue id) and, once a record was written, its record bytes. */
interface TopicState {
  /** The topic (one string kept for all its records, not each request's copy). */
  readonly name: string;
  readonly offsets: number[];
  record: RecordTopic | null;
}

/** Upper-case hex digits, by value. */
const HEX_DIGITS = Buffer.from('0123456789ABCDEF', 'latin1');

/** Numbers per record in the ring: queue id, queue offset, commit-log offset, deliverable at. */
const RING_NUMBERS = 4;

/** Size of the slabs records are cut from. */
const RECORD_SLAB_BYTES = 256 * 1024;

/** Born hosts remembered at most (one per client connection; the cache starts over when full). */
const MAX_CACHED_HOSTS = 1024;

/** A message as the embedded broker stored it, decoded for assertions. */
export interface StoredMessage {
  /** Topic it was stored under (for a transactional half message: `RMQ_SYS_TRANS_HALF_TOPIC`). */
  topic: string;
  /** Queue it was stored in. */
  queueId: number;
  /** Logical offset in its queue, from 0. */
  queueOffset: number;
  /** Offset of the record in the broker's commit log. */
  commitLogOffset: number;
  /** Property `TAGS`, or `null`. */
  tags: string | null;
  /** Property `KEYS` split on spaces (empty when absent). */
  keys: string[];
  /** Every stored property, including the broker's own (`CLUSTER`, ...). */
  properties: Record<string, string>;
  /** Property `UNIQ_KEY` (the client's message id), or `null`. */
  uniqueId: string | null;
  /** The body, inflated when the compressed flag is set. */
  body: Buffer;
  /** The body exactly as sent (possibly compressed). */
  rawBody: Buffer;
  /** The system flag as stored (compression, transaction type, IPv6 hosts bits; see `SysFlag`). */
  sysFlag: number;
  /** The application flag (header field `h`). */
  flag: number;
  /** When the client created the message (ms since the epoch, from the request). */
  bornTimestamp: number;
  /** `ip:port` of the sending client as the broker saw it. */
  bornHost: string;
  /** When the broker stored it (ms since the epoch). */
  storeTimestamp: number;
  /** `ip:port` of the broker (its listen address). */
  storeHost: string;
  /** Consumer retries so far (from the request; 0 for a producer's first send). */
  reconsumeTimes: number;
  /** The broker's offset message id (§11.2), as answered in the send response's `msgId`. */
  msgId: string;
  /** Commit-log offset of the half message a committed transactional message came from, else 0. */
  preparedTransactionOffset: number;
  /**
   * When the message is (or was) due for consumers, epoch ms: the store time of an ordinary message; for a message
   * parked under `SCHEDULE_TOPIC_XXXX` / `rmq_sys_wheel_timer` the time it moves to its topic, and for its
   * delivered copy the time it was due.
   */
  deliverableAt: number;
}

/** One message to append. */
export interface PutMessageInput {
  topic: string;
  queueId: number;
  flag: number;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: string;
  reconsumeTimes: number;
  body: Buffer;
  /** Properties string as stored (§9.1). */
  properties: string;
  /** @defaultValue `0` */
  preparedTransactionOffset?: number;
  /** See {@link StoredMessage.deliverableAt}. @defaultValue the store time */
  deliverableAt?: number;
}

/** Where an appended message landed. */
export interface PutMessageResult {
  queueOffset: number;
  commitLogOffset: number;
  /** Offset message id (§11.2). */
  msgId: string;
  /** Size of the stored record in bytes. */
  recordSize: number;
}

/**
 * The records of a SEND_BATCH_MESSAGE to append ({@link MessageStore.putBatch}): every record's fields as spans of
 * the request body, the header fields they share and the properties suffix they share.
 * @internal
 */
export interface PutBatchInput {
  topic: string;
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  bornHost: string;
  reconsumeTimes: number;
  /** The request body the spans point into. */
  source: Buffer;
  /** Records in it. */
  count: number;
  /**
   * Per record, {@link BATCH_SPAN_FIELDS} numbers: flag, body start, body length, own properties start, own
   * properties length, 1 if a `\x02` separator goes between its own properties and `suffix` (else 0).
   */
  spans: Int32Array;
  /** Properties bytes that end every record's properties string (the batch's own, with CLUSTER). */
  suffix: Uint8Array;
}

/** Numbers per record in {@link PutBatchInput.spans}. @internal */
export const BATCH_SPAN_FIELDS = 6;

/** Where the records of a batch landed. @internal */
export interface PutBatchResult {
  /** Logical offset of the first record. */
  queueOffset: number;
  /** The offset message ids of the records, comma-separated (the msgId of a batch send response). */
  msgIds: string;
}

/** Which stored messages {@link EmbeddedBroker.messages} returns; every field set must match. */
export interface MessageFilter {
  /** Only messages of this topic. @defaultValue every topic */
  topic?: string;
  /** Only messages of this queue. @defaultValue every queue */
  queueId?: number;
}

/** @internal */
export class MessageStore {
  private readonly maxStoredMessages: number;
  private readonly maxStoredBytes: number;
  private keptBytes = 0;
  private readonly storeHost: string;
  /**
   * The kept records, oldest first from `head`, as parallel arrays (no object per record): topic, the slab holding
   * the record bytes, per record {@link RING_NUMBERS} numbers (queue id, queue offset, commit-log offset, deliverable
   * at) and where the record is in its slab (start, size). Allocated as records come, up to `maxStoredMessages`.
   */
  private capacity = 0;
  private topics: (string | undefined)[] = [];
  private slabs: (Buffer | undefined)[] = [];
  private numbers = new Float64Array(0);
  private spans = new Int32Array(0);
  private head = 0;
  private count = 0;
  private commitLogOffset = 0;
  /** Per topic: next logical offsets and the topic's record bytes. */
  private readonly topicStates = new Map<string, TopicState>();
  private dropped = 0;
  /** Parsed born hosts by the address the connection reported: parsed once per client, not once per record. */
  private readonly bornHosts = new Map<string, ParsedHost>();
  /** The store host parsed, and the hex of its bytes (the first part of every offset message id). */
  private store: { host: ParsedHost; idPrefix: string; idPrefixBytes: Buffer } | null = null;
  /** Numbers of the record being written (one object, reused: nothing of it outlives a put). */
  private readonly values: RecordValues = zeroRecordValues();
  /** Writes the records of a batch (one at a time: puts are synchronous). */
  private readonly batchWriter = new StoredBatchWriter();
  /** Where records are cut from. */
  private readonly slab = new ByteSlab(RECORD_SLAB_BYTES);
  /** Where offset message ids are written before they become one string. */
  private idScratch = Buffer.allocUnsafe(1024);

  /**
   * @param storeHost - `ip:port` written into every record and offset message id.
   * @param maxStoredMessages - records kept; the oldest are dropped beyond it.
   * @param maxStoredBytes - total record bytes kept; the oldest are dropped beyond it (the newest is always kept).
   */
  constructor(storeHost: string, maxStoredMessages: number, maxStoredBytes = Infinity) {
    this.storeHost = storeHost;
    this.maxStoredMessages = Math.max(1, maxStoredMessages);
    this.maxStoredBytes = maxStoredBytes;
  }

  /** Bytes of the records kept. */
  get storedBytes(): number {
    return this.keptBytes;
  }

  /** Messages stored and still kept. */
  get size(): number {
    return this.count;
  }

  /** Messages dropped because of the cap. */
  get droppedCount(): number {
    return this.dropped;
  }

  /** Next commit-log offset (the sum of all record sizes so far). */
  get maxCommitLogOffset(): number {
    return this.commitLogOffset;
  }

  /** Next logical offset of a queue. */
  nextQueueOffset(topic: string, queueId: number): number {
    return this.topicStates.get(topic)?.offsets[queueId] ?? 0;
  }

  private topicState(topic: string): TopicState {
    let state = this.topicStates.get(topic);
    if (state === undefined) {
      state = { name: topic, offsets: [], record: null };
      this.topicStates.set(topic, state);
    }
    return state;
  }

  /** The born host of a record, parsed once per address (an address that does not parse throws on every put). */
  private bornHostOf(address: string): ParsedHost {
    let born = this.bornHosts.get(address);
    if (born === undefined) {
      born = parseHost(address);
      if (this.bornHosts.size >= MAX_CACHED_HOSTS) this.bornHosts.clear();
      this.bornHosts.set(address, born);
    }
    return born;
  }

  /** Appends one message; returns its offsets and offset message id. */
  put(input: PutMessageInput, storeTimestamp = Date.now()): PutMessageResult {
    // Parsed once and remembered (an address that does not parse throws here on every put, as before).
    const store = (this.store ??= this.parseStoreHost());
    const born = this.bornHostOf(input.bornHost);
    const state = this.topicState(input.topic);
    const topic = (state.record ??= recordTopicOf(input.topic));
    const properties = input.properties;
    const propertiesLength = recordPropertiesLength(properties);
    const queueId = input.queueId;
    const queueOffset = state.offsets[queueId] ?? 0;
    const commitLogOffset = this.commitLogOffset;
    const values = this.values;
    values.queueId = queueId;
    values.flag = input.flag;
    values.queueOffset = queueOffset;
    values.commitLogOffset = commitLogOffset;
    values.sysFlag = recordSysFlag(input.sysFlag, born, store.host);
    values.bornTimestamp = input.bornTimestamp;
    values.storeTimestamp = storeTimestamp;
    values.reconsumeTimes = input.reconsumeTimes;
    values.preparedTransactionOffset = input.preparedTransactionOffset ?? 0;
    const body = input.body;
    const size = storedRecordSize(born.record, store.host.record, body.length, topic, propertiesLength);
    const slab = this.slab.reserve(size);
    const start = this.slab.reservedAt;
    writeStoredRecord(slab, start, values, born.record, store.host.record, body, topic, properties, propertiesLength);
    const msgId = this.messageIds(commitLogOffset, 1, slab, start);
    state.offsets[queueId] = queueOffset + 1;
    this.commitLogOffset += size;
    this.append(state.name, queueId, queueOffset, commitLogOffset, input.deliverableAt ?? storeTimestamp, slab, start, size);
    return { queueOffset, commitLogOffset, msgId, recordSize: size };
  }

  /**
   * Appends the records of a batch to one queue, in order, written into one buffer straight from the request body
   * (the properties bytes are copied, not decoded); the caller has checked every span and properties length.
   */
  putBatch(input: PutBatchInput, storeTimestamp = Date.now()): PutBatchResult {
    const store = (this.store ??= this.parseStoreHost());
    const born = this.bornHostOf(input.bornHost);
    const state = this.topicState(input.topic);
    const topic = (state.record ??= recordTopicOf(input.topic));
    const { source, spans, suffix, count, queueId } = input;
    let total = 0;
    for (let i = 0, at = 0; i < count; i++, at += BATCH_SPAN_FIELDS) {
      total += storedRecordSize(born.record, store.host.record, spans[at + 2]!, topic, spans[at + 4]! + spans[at + 5]! + suffix.length);
    }
    const slab = this.slab.reserve(total);
    const first = this.slab.reservedAt;
    const values = this.values;
    values.queueId = queueId;
    values.sysFlag = recordSysFlag(input.sysFlag, born, store.host);
    values.bornTimestamp = input.bornTimestamp;
    values.storeTimestamp = storeTimestamp;
    values.reconsumeTimes = input.reconsumeTimes;
    values.preparedTransactionOffset = 0;
    const writer = this.batchWriter;
    writer.begin(slab, source, values, born.record, store.host.record, topic, suffix);
    const firstQueueOffset = state.offsets[queueId] ?? 0;
    const firstCommitLogOffset = this.commitLogOffset;
    let pos = first;
    for (let i = 0, at = 0; i < count; i++, at += BATCH_SPAN_FIELDS) {
      const queueOffset = firstQueueOffset + i;
      const commitLogOffset = this.commitLogOffset;
      const propertiesStart = spans[at + 3]!;
      const end = writer.write(
        pos,
        spans[at]!,
        queueOffset,
        commitLogOffset,
        spans[at + 1]!,
        spans[at + 2]!,
        propertiesStart,
        propertiesStart + spans[at + 4]!,
        spans[at + 5] === 1,
      );
      this.commitLogOffset += end - pos;
      this.append(state.name, queueId, queueOffset, commitLogOffset, storeTimestamp, slab, pos, end - pos);
      pos = end;
    }
    writer.end();
    state.offsets[queueId] = firstQueueOffset + count;
    return { queueOffset: firstQueueOffset, msgIds: this.messageIds(firstCommitLogOffset, count, slab, first) };
  }

  /**
   * Offset message ids (§11.2: store host hex, then the commit-log offset as 16 hex digits), comma-separated, of
   * `count` consecutive records from `commitLogOffset`, whose sizes are read from `records` (from `first` on).
   */
  private messageIds(commitLogOffset: number, count: number, records: Buffer, first: number): string {
    const { idPrefixBytes } = (this.store ??= this.parseStoreHost());
    const idLength = idPrefixBytes.length + 16;
    const length = count * (idLength + 1) - 1;
    if (this.idScratch.length < length) this.idScratch = Buffer.allocUnsafe(Math.max(length, 2 * this.idScratch.length));
    const out = this.idScratch;
    let offset = commitLogOffset;
    let recordAt = first;
    let pos = 0;
    for (let i = 0; i < count; i++) {
      if (i > 0) out[pos++] = 0x2c;
      for (let b = 0; b < idPrefixBytes.length; b++) out[pos++] = idPrefixBytes[b]!;
      // 64-bit offset as two 32-bit halves (offsets stay far below 2^53).
      const high = Math.floor(offset / 4294967296);
      writeHex32(out, pos, high);
      writeHex32(out, pos + 8, offset - high * 4294967296);
      pos += 16;
      if (i + 1 < count) {
        const size = records.readInt32BE(recordAt);
        recordAt += size;
        offset += size;
      }
    }
    return out.toString('latin1', 0, pos);
  }

  /** The offset message id of the record at `commitLogOffset`. */
  private messageIdOf(commitLogOffset: number): string {
    return createOffsetMessageIdFrom((this.store ??= this.parseStoreHost()).idPrefix, commitLogOffset);
  }

  private parseStoreHost(): { host: ParsedHost; idPrefix: string; idPrefixBytes: Buffer } {
    const host = parseHost(this.storeHost);
    const zero = createOffsetMessageId(this.storeHost, 0n);
    const idPrefix = zero.slice(0, zero.length - 16);
    return { host, idPrefix, idPrefixBytes: Buffer.from(idPrefix, 'latin1') };
  }

  /** The message at a commit-log offset, if still kept. */
  messageAt(commitLogOffset: number): StoredMessage | undefined {
    const k = this.find(commitLogOffset);
    return k < 0 ? undefined : this.messageOf(k);
  }

  /** The encoded record (§11 bytes) at a commit-log offset, if still kept. */
  recordAt(commitLogOffset: number): Buffer | undefined {
    const k = this.find(commitLogOffset);
    // A copy: the record's slab is reused once the record is dropped, and the caller may keep this (e.g. as the body
    // of a request still waiting to be written).
    return k < 0 ? undefined : Buffer.from(this.recordOf(this.slot(k)));
  }

  /** The newest kept message (the one just put), decoded. */
  newest(): StoredMessage | undefined {
    return this.count === 0 ? undefined : this.messageOf(this.count - 1);
  }

  /** Where the `k`-th kept record (0 = oldest) is in the ring arrays. */
  private slot(k: number): number {
    const i = this.head + k;
    return i < this.capacity ? i : i - this.capacity;
  }

  private recordOf(i: number): Buffer {
    const start = this.spans[2 * i]!;
    return this.slabs[i]!.subarray(start, start + this.spans[2 * i + 1]!);
  }

  private messageOf(k: number): StoredMessage {
    const i = this.slot(k);
    return toStoredMessage(this.recordOf(i), this.messageIdOf(this.numbers[RING_NUMBERS * i + 2]!), this.numbers[RING_NUMBERS * i + 3]!);
  }

  /** Binary search (kept records are in commit-log order): the `k` of the record at `commitLogOffset`, or −1. */
  private find(commitLogOffset: number): number {
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const offset = this.numbers[RING_NUMBERS * this.slot(mid) + 2]!;
      if (offset === commitLogOffset) return mid;
      if (offset < commitLogOffset) low = mid + 1;
      else high = mid - 1;
    }
    return -1;
  }

  /** Kept messages, oldest first, decoded; optionally only one topic and/or queue. */
  messages(filter: MessageFilter = {}): StoredMessage[] {
    const result: StoredMessage[] = [];
    for (let k = 0; k < this.count; k++) {
      const i = this.slot(k);
      if (filter.topic !== undefined && this.topics[i] !== filter.topic) continue;
      if (filter.queueId !== undefined && this.numbers[RING_NUMBERS * i] !== filter.queueId) continue;
      result.push(this.messageOf(k));
    }
    return result;
  }

  /** Forgets every kept message (offsets keep growing, as in a real broker). */
  clear(): void {
    this.capacity = 0;
    this.topics = [];
    this.slabs = [];
    this.numbers = new Float64Array(0);
    this.spans = new Int32Array(0);
    this.head = 0;
    this.count = 0;
    this.keptBytes = 0;
  }

  private append(topic: string, queueId: number, queueOffset: number, commitLogOffset: number, deliverableAt: number, slab: Buffer, start: number, size: number): void {
    if (this.count === this.maxStoredMessages) this.dropOldest();
    if (this.count === this.capacity) this.grow();
    const i = this.slot(this.count);
    this.topics[i] = topic;
    this.slabs[i] = slab;
    const numbers = this.numbers;
    numbers[RING_NUMBERS * i] = queueId;
    numbers[RING_NUMBERS * i + 1] = queueOffset;
    numbers[RING_NUMBERS * i + 2] = commitLogOffset;
    numbers[RING_NUMBERS * i + 3] = deliverableAt;
    this.spans[2 * i] = start;
    this.spans[2 * i + 1] = size;
    this.count++;
    this.keptBytes += size;
    while (this.keptBytes > this.maxStoredBytes && this.count > 1) this.dropOldest();
  }

  /** Room for more records: the arrays doubled (up to `maxStoredMessages`), the kept records moved to the front. */
  private grow(): void {
    const capacity = Math.min(this.maxStoredMessages, Math.max(64, 2 * this.capacity));
    const topics = new Array<string | undefined>(capacity);
    const slabs = new Array<Buffer | undefined>(capacity);
    const numbers = new Float64Array(RING_NUMBERS * capacity);
    const spans = new Int32Array(2 * capacity);
    for (let k = 0; k < this.count; k++) {
      const i = this.slot(k);
      topics[k] = this.topics[i];
      slabs[k] = this.slabs[i];
      numbers.set(this.numbers.subarray(RING_NUMBERS * i, RING_NUMBERS * i + RING_NUMBERS), RING_NUMBERS * k);
      spans[2 * k] = this.spans[2 * i]!;
      spans[2 * k + 1] = this.spans[2 * i + 1]!;
    }
    this.topics = topics;
    this.slabs = slabs;
    this.numbers = numbers;
    this.spans = spans;
    this.capacity = capacity;
    this.head = 0;
  }

  private dropOldest(): void {
    const i = this.head;
    this.topics[i] = undefined;
    const slab = this.slabs[i];
    this.slabs[i] = undefined;
    this.keptBytes -= this.spans[2 * i + 1]!;
    this.head = i + 1 === this.capacity ? 0 : i + 1;
    this.count--;
    this.dropped++;
    // Records are cut from the slabs in order and dropped in order, so a slab whose last kept record this was (the
    // next record is in a later slab, or none is kept) holds no kept record any more: it is reused (recycle() keeps
    // the slab still being cut from). Nothing else reads it: recordAt() and messages() hand out copies.
    if (slab !== undefined && (this.count === 0 || this.slabs[this.head] !== slab)) this.slab.recycle(slab);
  }
}

/** The record's sysFlag: the broker, not the client, decides the address-family bits (setBornHostV6Flag & co). */
function recordSysFlag(sysFlag: number, born: ParsedHost, store: ParsedHost): number {
  return (sysFlag & ~(BORNHOST_V6_FLAG | STOREHOST_V6_FLAG)) | (born.v6 ? BORNHOST_V6_FLAG : 0) | (store.v6 ? STOREHOST_V6_FLAG : 0);
}

/** 8 upper-case hex digits of the unsigned 32-bit `value`. */
/** {@link createOffsetMessageId} from the host part of the id. */
function createOffsetMessageIdFrom(idPrefix: string, commitLogOffset: number): string {
  const high = Math.floor(commitLogOffset / 4294967296);
  const hex = (value: number): string => (value >>> 0).toString(16).toUpperCase().padStart(8, '0');
  return idPrefix + hex(high) + hex(commitLogOffset - high * 4294967296);
}

function writeHex32(out: Buffer, pos: number, value: number): void {
  let v = value >>> 0;
  for (let i = 7; i >= 0; i--) {
    out[pos + i] = HEX_DIGITS[v & 0xf]!;
    v >>>= 4;
  }
}

function toStoredMessage(record: Buffer, msgId: string, deliverableAt: number): StoredMessage {
  const fields = decodeStoredMessage(record);
  const properties = decodeProperties(fields.properties);
  const rawBody = Buffer.from(fields.body);
  const keys = properties.KEYS;
  return {
    topic: fields.topic,
    queueId: fields.queueId,
    queueOffset: Number(fields.queueOffset),
    commitLogOffset: Number(fields.commitLogOffset),
    tags: properties.TAGS ?? null,
    keys: keys === undefined ? [] : keys.split(' ').filter((key) => key.length > 0),
    properties,
    uniqueId: properties.UNIQ_KEY ?? null,
    body: (fields.sysFlag & COMPRESSED_FLAG) !== 0 ? inflated(rawBody, fields.sysFlag) : rawBody,
    rawBody,
    sysFlag: fields.sysFlag,
    flag: fields.flag,
    bornTimestamp: Number(fields.bornTimestamp),
    bornHost: fields.bornHost,
    storeTimestamp: Number(fields.storeTimestamp),
    storeHost: fields.storeHost,
    reconsumeTimes: fields.reconsumeTimes,
    msgId,
    preparedTransactionOffset: Number(fields.preparedTransactionOffset),
    deliverableAt,
  };
}

/** The inflated body; a body that does not inflate is returned as stored (the broker stores what it gets). */
function inflated(body: Buffer, sysFlag: number): Buffer {
  try {
    return decompressBody(body, sysFlag);
  } catch {
    return body;
  }
}
