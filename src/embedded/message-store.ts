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
  encodeStoredRecord,
  parseSocketAddress,
  type SocketAddressBytes,
} from './codec.js';

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

/** A host as records store it: its text, its bytes, and whether it is IPv6. */
interface ParsedHost {
  readonly text: string;
  readonly bytes: SocketAddressBytes;
  readonly v6: boolean;
}

/** Parses `address` (after unmapping an IPv4-mapped IPv6 address); throws as `parseSocketAddress` does. */
function parseHost(address: string): ParsedHost {
  const text = unmapIPv4(address);
  return { text, bytes: parseSocketAddress(text), v6: isIPv6(text) };
}

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

interface StoredRecord {
  topic: string;
  queueId: number;
  queueOffset: number;
  commitLogOffset: number;
  msgId: string;
  record: Buffer;
  deliverableAt: number;
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
  private ring: (StoredRecord | undefined)[] = [];
  private head = 0;
  private count = 0;
  private commitLogOffset = 0;
  private readonly queueOffsets = new Map<string, number>();
  private dropped = 0;
  /** Parsed born hosts by the address the connection reported: parsed once per client, not once per record. */
  private readonly bornHosts = new Map<string, ParsedHost>();
  /** The store host parsed, and the hex of its bytes (the first part of every offset message id). */
  private store: { host: ParsedHost; idPrefix: string } | null = null;

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
    return this.queueOffsets.get(`${topic}\0${queueId}`) ?? 0;
  }

  /** Appends one message; returns its offsets and offset message id. */
  put(input: PutMessageInput, storeTimestamp = Date.now()): PutMessageResult {
    const key = `${input.topic}\0${input.queueId}`;
    const queueOffset = this.queueOffsets.get(key) ?? 0;
    const commitLogOffset = this.commitLogOffset;
    // Parsed once and remembered (an address that does not parse throws here on every put, as before).
    const store = (this.store ??= this.parseStoreHost());
    let born = this.bornHosts.get(input.bornHost);
    if (born === undefined) {
      born = parseHost(input.bornHost);
      if (this.bornHosts.size >= MAX_CACHED_HOSTS) this.bornHosts.clear();
      this.bornHosts.set(input.bornHost, born);
    }
    // The broker, not the client, decides the address-family bits (MessageExtBrokerInner.setBornHostV6Flag & co).
    const sysFlag =
      (input.sysFlag & ~(BORNHOST_V6_FLAG | STOREHOST_V6_FLAG)) | (born.v6 ? BORNHOST_V6_FLAG : 0) | (store.host.v6 ? STOREHOST_V6_FLAG : 0);
    const record = encodeStoredRecord(
      {
        queueId: input.queueId,
        flag: input.flag,
        queueOffset,
        commitLogOffset,
        sysFlag,
        bornTimestamp: input.bornTimestamp,
        bornHost: born.text,
        storeTimestamp,
        storeHost: this.storeHost,
        reconsumeTimes: input.reconsumeTimes,
        preparedTransactionOffset: input.preparedTransactionOffset ?? 0,
        body: input.body,
        topic: input.topic,
        properties: input.properties,
      },
      born.bytes,
      store.host.bytes,
    );
    // createOffsetMessageId(storeHost, offset): the host part is the same for every record.
    const msgId = store.idPrefix + commitLogOffset.toString(16).toUpperCase().padStart(16, '0');
    this.queueOffsets.set(key, queueOffset + 1);
    this.commitLogOffset += record.length;
    this.append({
      topic: input.topic,
      queueId: input.queueId,
      queueOffset,
      commitLogOffset,
      msgId,
      record,
      deliverableAt: input.deliverableAt ?? storeTimestamp,
    });
    return { queueOffset, commitLogOffset, msgId, recordSize: record.length };
  }

  private parseStoreHost(): { host: ParsedHost; idPrefix: string } {
    const host = parseHost(this.storeHost);
    const zero = createOffsetMessageId(this.storeHost, 0n);
    return { host, idPrefix: zero.slice(0, zero.length - 16) };
  }

  /** The message at a commit-log offset, if still kept. */
  messageAt(commitLogOffset: number): StoredMessage | undefined {
    const entry = this.entryAt(commitLogOffset);
    return entry === undefined ? undefined : toStoredMessage(entry);
  }

  /** The encoded record (§11 bytes) at a commit-log offset, if still kept. */
  recordAt(commitLogOffset: number): Buffer | undefined {
    return this.entryAt(commitLogOffset)?.record;
  }

  /** The newest kept message (the one just put), decoded. */
  newest(): StoredMessage | undefined {
    if (this.count === 0) return undefined;
    const entry = this.ring[(this.head + this.count - 1) % this.maxStoredMessages];
    return entry === undefined ? undefined : toStoredMessage(entry);
  }

  /** Binary search: kept records are in commit-log order. */
  private entryAt(commitLogOffset: number): StoredRecord | undefined {
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      const entry = this.ring[(this.head + mid) % this.maxStoredMessages];
      if (entry === undefined) return undefined;
      if (entry.commitLogOffset === commitLogOffset) return entry;
      if (entry.commitLogOffset < commitLogOffset) low = mid + 1;
      else high = mid - 1;
    }
    return undefined;
  }

  /** Kept messages, oldest first, decoded; optionally only one topic and/or queue. */
  messages(filter: MessageFilter = {}): StoredMessage[] {
    const result: StoredMessage[] = [];
    for (const entry of this.entries()) {
      if (filter.topic !== undefined && entry.topic !== filter.topic) continue;
      if (filter.queueId !== undefined && entry.queueId !== filter.queueId) continue;
      result.push(toStoredMessage(entry));
    }
    return result;
  }

  /** Forgets every kept message (offsets keep growing, as in a real broker). */
  clear(): void {
    this.ring = [];
    this.head = 0;
    this.count = 0;
    this.keptBytes = 0;
  }

  private append(entry: StoredRecord): void {
    if (this.count === this.maxStoredMessages) this.dropOldest();
    this.ring[(this.head + this.count) % this.maxStoredMessages] = entry;
    this.count++;
    this.keptBytes += entry.record.length;
    while (this.keptBytes > this.maxStoredBytes && this.count > 1) this.dropOldest();
  }

  private dropOldest(): void {
    const oldest = this.ring[this.head];
    this.ring[this.head] = undefined;
    this.head = (this.head + 1) % this.maxStoredMessages;
    this.count--;
    this.keptBytes -= oldest?.record.length ?? 0;
    this.dropped++;
  }

  private *entries(): IterableIterator<StoredRecord> {
    for (let i = 0; i < this.count; i++) {
      const entry = this.ring[(this.head + i) % this.maxStoredMessages];
      if (entry !== undefined) yield entry;
    }
  }
}

function toStoredMessage(entry: StoredRecord): StoredMessage {
  const fields = decodeStoredMessage(entry.record);
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
    msgId: entry.msgId,
    preparedTransactionOffset: Number(fields.preparedTransactionOffset),
    deliverableAt: entry.deliverableAt,
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
