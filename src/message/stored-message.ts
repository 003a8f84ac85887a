/**
 * The stored message record (spec §11, Java `MessageDecoder.encode`/`decode`): what a broker keeps in its commit
 * log, returns in pull results and sends as the body of CHECK_TRANSACTION_STATE.
 */
import * as zlib from 'node:zlib';
import { MQClientError } from '../errors.js';
import { SysFlag } from './compression.js';
import { MessageErrorCode } from './error-codes.js';
import { formatSocketAddress, parseSocketAddress, type SocketAddressBytes } from './inet-address.js';

/** Magic code of a V1 record (1-byte topic length). */
export const MESSAGE_MAGIC_CODE_V1 = -626843481; // 0xDAA320A7
/** Magic code of a V2 record ([5.1+], 2-byte topic length; used for topics longer than 127 bytes). */
export const MESSAGE_MAGIC_CODE_V2 = -626843477; // 0xDAA320AB
/** Magic code of the blank filler at the end of a commit-log file; never a message. */
export const BLANK_MAGIC_CODE = -875286124; // 0xCBD43194

/** Fields of a stored message. Hosts are `ip:port` strings (IPv6 as `[v6]:port`). */
export interface StoredMessageFields {
  /**
   * Record version: 1 (1-byte topic length) or 2 (2-byte topic length).
   * On encode, defaults to 2 only when the topic is longer than 127 UTF-8 bytes, as 5.1+ brokers do.
   */
  version?: 1 | 2;
  /** Body CRC (CRC-32 & 0x7FFFFFFF). Filled in by decode; encode always computes it from `body`. */
  bodyCRC?: number;
  queueId: number;
  /** `Message.flag` (user int32). */
  flag: number;
  /** Logical offset in the queue. */
  queueOffset: bigint;
  /** Physical offset in the commit log (the offset in the offset message id). */
  commitLogOffset: bigint;
  /** MessageSysFlag bits; 0x10 / 0x20 select IPv6 born / store hosts. */
  sysFlag: number;
  /** Epoch milliseconds. */
  bornTimestamp: number;
  /** Producer `ip:port`. */
  bornHost: string;
  /** Epoch milliseconds. */
  storeTimestamp: number;
  /** Broker `ip:port`. */
  storeHost: string;
  reconsumeTimes: number;
  preparedTransactionOffset: bigint;
  /** Body as stored (compressed when sysFlag has 0x1). */
  body: Buffer | Uint8Array;
  topic: string;
  /** Properties string (spec §9.1); see `decodeProperties`. */
  properties: string;
}

/** A decoded stored message: every field present, `body` a view into the input buffer. */
export interface DecodedStoredMessage extends StoredMessageFields {
  version: 1 | 2;
  bodyCRC: number;
  body: Buffer;
  /** Size of the record in bytes (`totalSize`). */
  totalSize: number;
}

const CRC_TABLE = /* @__PURE__ */ (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

function crc32Table(data: Uint8Array): number {
  let crc = -1;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

// zlib.crc32 exists from Node 20.15 / 22.2; older 20.x fall back to the table.
const zlibCrc32 = (zlib as { crc32?: (data: Uint8Array) => number }).crc32;

/**
 * The body CRC RocketMQ stores: CRC-32 (zlib/IEEE) of the bytes `& 0x7FFFFFFF` (Java `UtilAll.crc32`).
 * @param data - body bytes as stored
 * @returns a non-negative int32
 */
export function messageBodyCrc(data: Uint8Array): number {
  return ((zlibCrc32 ? zlibCrc32(data) : crc32Table(data)) & 0x7fffffff) >>> 0;
}

function invalid(why: string): MQClientError {
  return new MQClientError(`Cannot encode stored message: ${why}.`, -1, { code: MessageErrorCode.MALFORMED_MESSAGE });
}

/**
 * Encodes a stored message record (spec §11.1), computing `totalSize` and the body CRC.
 *
 * @param m - the fields; born/store hosts must be IPv6 exactly when sysFlag has 0x10/0x20
 * @returns the record bytes
 * @throws MQClientError `RMQ_ERR_MALFORMED_MESSAGE` if a host does not match its sysFlag bit, the topic does not
 *   fit the version, or the properties exceed 32767 bytes; `RMQ_ERR_INVALID_ADDRESS` for a bad host
 * @example
 * ```ts
 * const record = encodeStoredMessage({ topic: 'TopicTest', queueId: 2, ...fields });
 * ```
 */
export function encodeStoredMessage(m: StoredMessageFields): Buffer {
  return encodeStoredRecord(m, parseSocketAddress(m.bornHost), parseSocketAddress(m.storeHost));
}

/**
 * The fields of {@link encodeStoredRecord}: those of a stored message, with the 64-bit ones also as safe integers.
 * @internal
 */
export interface StoredRecordFields extends Omit<StoredMessageFields, 'queueOffset' | 'commitLogOffset' | 'preparedTransactionOffset'> {
  queueOffset: bigint | number;
  commitLogOffset: bigint | number;
  preparedTransactionOffset: bigint | number;
}

const TWO_32 = 4294967296;

/** Writes a signed 64-bit big-endian value; a safe integer is written without going through BigInt. */
function writeInt64(out: Buffer, value: bigint | number, pos: number): number {
  if (typeof value === 'bigint') return out.writeBigInt64BE(BigInt.asIntN(64, value), pos);
  const whole = Math.trunc(value);
  if (!Number.isSafeInteger(whole)) return out.writeBigInt64BE(BigInt(whole), pos); // BigInt(NaN) throws, as before
  const high = Math.floor(whole / TWO_32);
  writeInt32(out, pos, high);
  return writeInt32(out, pos + 4, whole - high * TWO_32);
}

/**
 * {@link encodeStoredMessage} with both hosts already parsed (`bornHost`/`storeHost` are then only used in error
 * messages): for a store that writes many records from a few addresses and parses each address once. Exactly as
 * strict: the same checks, the same errors.
 * @internal
 */
export function encodeStoredRecord(m: StoredRecordFields, born: SocketAddressBytes, store: SocketAddressBytes): Buffer {
  if ((born.ip.length === 16) !== ((m.sysFlag & SysFlag.BORNHOST_V6) !== 0)) {
    throw invalid(`bornHost ${m.bornHost} does not match sysFlag bit 0x10 (IPv6 born host)`);
  }
  if ((store.ip.length === 16) !== ((m.sysFlag & SysFlag.STOREHOST_V6) !== 0)) {
    throw invalid(`storeHost ${m.storeHost} does not match sysFlag bit 0x20 (IPv6 store host)`);
  }
  const topic = recordTopicOf(m.topic, m.version);
  const propertiesLength = recordPropertiesLength(m.properties);
  const bornHost = recordHostOf(born);
  const storeHost = recordHostOf(store);
  const out = Buffer.allocUnsafe(storedRecordSize(bornHost, storeHost, m.body.length, topic, propertiesLength));
  writeStoredRecord(out, 0, m, bornHost, storeHost, m.body, topic, m.properties, propertiesLength);
  return out;
}

/** Largest properties string of a record, in UTF-8 bytes (its length is a signed short). */
const MAX_RECORD_PROPERTIES_BYTES = 32767;

/**
 * UTF-8 length of a record's properties string.
 * @throws MQClientError `RMQ_ERR_MALFORMED_MESSAGE` beyond 32767 bytes
 * @internal
 */
export function recordPropertiesLength(properties: string): number {
  const length = Buffer.byteLength(properties, 'utf8');
  if (length > MAX_RECORD_PROPERTIES_BYTES) throw invalid(`properties of ${length} bytes exceed 32767`);
  return length;
}

/**
 * An address as a record stores it, encoded once for all the records that carry it: the 4 or 16 address bytes, then
 * the port as an int32.
 * @internal
 */
export interface RecordHost {
  /** Address bytes and port: 8 bytes (IPv4) or 20 (IPv6). */
  readonly bytes: Uint8Array;
  /** Whether it is an IPv6 address (sysFlag bit 0x10 for a born host, 0x20 for a store host). */
  readonly v6: boolean;
}

/** @internal */
export function recordHostOf(address: SocketAddressBytes): RecordHost {
  const bytes = Buffer.allocUnsafe(address.ip.length + 4);
  address.ip.copy(bytes, 0);
  bytes.writeInt32BE(address.port | 0, address.ip.length);
  return { bytes, v6: address.ip.length === 16 };
}

/** A topic as a record stores it, encoded once for all the records of the topic. @internal */
export interface RecordTopic {
  /** UTF-8 bytes of the name. */
  readonly bytes: Uint8Array;
  /** Record version: 1 (1-byte topic length) or 2 (2-byte topic length). */
  readonly version: 1 | 2;
}

/**
 * The topic of a record: V2 only when the name is longer than 127 UTF-8 bytes (as 5.1+ brokers), unless `version`
 * says which.
 * @throws MQClientError `RMQ_ERR_MALFORMED_MESSAGE` if the topic does not fit the version
 * @internal
 */
export function recordTopicOf(topic: string, version?: 1 | 2): RecordTopic {
  const bytes = Buffer.from(topic, 'utf8');
  const chosen = version ?? (bytes.length > 127 ? 2 : 1);
  if (bytes.length > (chosen === 1 ? 127 : 32767)) throw invalid(`topic of ${bytes.length} bytes is too long for V${chosen}`);
  return { bytes, version: chosen };
}

/**
 * The per-record numbers of a stored record (the 64-bit ones as safe integers or BigInt).
 * @internal
 */
export interface RecordValues {
  queueId: number;
  flag: number;
  queueOffset: bigint | number;
  commitLogOffset: bigint | number;
  sysFlag: number;
  bornTimestamp: number;
  storeTimestamp: number;
  reconsumeTimes: number;
  preparedTransactionOffset: bigint | number;
}

/** A record's numbers, all zero: the one object a writer reuses for every record it writes. @internal */
export function zeroRecordValues(): RecordValues {
  return {
    queueId: 0,
    flag: 0,
    queueOffset: 0,
    commitLogOffset: 0,
    sysFlag: 0,
    bornTimestamp: 0,
    storeTimestamp: 0,
    reconsumeTimes: 0,
    preparedTransactionOffset: 0,
  };
}

/** Fixed bytes of a record: every field but the two hosts, the body, the topic and the properties. */
const RECORD_FIXED_BYTES = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 4 + 8 + 4 + 2;

/** `totalSize` of a record. @internal */
export function storedRecordSize(born: RecordHost, store: RecordHost, bodyLength: number, topic: RecordTopic, propertiesLength: number): number {
  return RECORD_FIXED_BYTES + born.bytes.length + store.bytes.length + bodyLength + (topic.version === 1 ? 1 : 2) + topic.bytes.length + propertiesLength;
}

/**
 * Writes one record into `out` at `pos` whose properties string is `properties` of `propertiesLength` UTF-8 bytes
 * (checked by the caller, as the hosts' sysFlag bits); `out` must have {@link storedRecordSize} bytes from `pos`.
 * @returns the position after the record
 * @internal
 */
export function writeStoredRecord(
  out: Buffer,
  pos: number,
  values: RecordValues,
  born: RecordHost,
  store: RecordHost,
  body: Uint8Array,
  topic: RecordTopic,
  properties: string,
  propertiesLength: number,
): number {
  const totalSize = storedRecordSize(born, store, body.length, topic, propertiesLength);
  let at = writeRecordUpToTopic(out, pos, totalSize, values, born, store, body, topic);
  at = writeInt16(out, at, propertiesLength);
  // Plain ASCII (one byte per UTF-16 unit) is written as latin1, which skips the UTF-8 encoder.
  return at + out.write(properties, at, propertiesLength, propertiesLength === properties.length ? 'latin1' : 'utf8');
}

/**
 * Writes one record into `out` at `pos` whose properties are bytes already encoded: `source[from, to)`, then a
 * `\x02` separator when `separator`, then `suffix` (the batch path: a record's own properties and the batch's,
 * copied without decoding them). The caller checked that they add up to at most 32767 bytes.
 * @returns the position after the record
 * @internal
 */
export function writeStoredRecordBytes(
  out: Buffer,
  pos: number,
  values: RecordValues,
  born: RecordHost,
  store: RecordHost,
  body: Uint8Array,
  topic: RecordTopic,
  source: Buffer,
  from: number,
  to: number,
  separator: boolean,
  suffix: Uint8Array,
): number {
  const propertiesLength = to - from + (separator ? 1 : 0) + suffix.length;
  const totalSize = storedRecordSize(born, store, body.length, topic, propertiesLength);
  let at = writeRecordUpToTopic(out, pos, totalSize, values, born, store, body, topic);
  at = writeInt16(out, at, propertiesLength);
  if (to - from > 64) {
    at += source.copy(out, at, from, to);
  } else {
    for (let i = from; i < to; i++) out[at++] = source[i]!;
  }
  if (separator) out[at++] = 0x02;
  out.set(suffix, at);
  return at + suffix.length;
}

/**
 * The fields of a batch's records that {@link StoredBatchWriter} writes once per batch: every number of a record but
 * its flag and its two offsets.
 * @internal
 */
export type BatchRecordValues = Omit<RecordValues, 'flag' | 'queueOffset' | 'commitLogOffset'>;

const EMPTY = Buffer.alloc(0);
const EMPTY_VIEW = new DataView(new ArrayBuffer(0));

/** Bytes of a record before its sysFlag: totalSize, magic, CRC, queue id, flag, queue offset, commit-log offset. */
const RECORD_SYSFLAG_AT = 4 + 4 + 4 + 4 + 4 + 8 + 8;

/**
 * Writes the records of one batch (SEND_BATCH_MESSAGE): records that differ only by flag, offsets, body and their
 * own properties, into one buffer, as {@link writeStoredRecordBytes} writes each. The first record is written by it;
 * every next one copies what it shares with the first (sysFlag to preparedTransactionOffset, the topic, the batch's
 * properties suffix) from the first's bytes, and writes the rest through DataViews: 4-byte words where a byte loop
 * (one bounds-checked store per byte) or a native copy (a view object per copy) cost several times more for these
 * few bytes. One instance serves batch after batch ({@link begin} … {@link end}).
 * @internal
 */
export class StoredBatchWriter {
  private out: Buffer = EMPTY;
  private outView: DataView = EMPTY_VIEW;
  private source: Buffer = EMPTY;
  private sourceView: DataView = EMPTY_VIEW;
  private born!: RecordHost;
  private store!: RecordHost;
  private topic!: RecordTopic;
  private suffix: Uint8Array = EMPTY;
  /** The numbers of the first record (flag and offsets set per record). */
  private readonly values: RecordValues = zeroRecordValues();
  /** Where the first record of the batch is, −1 before it is written. */
  private first = -1;
  /** Where the first record's topic length is, and its suffix. */
  private firstTopicAt = 0;
  private firstSuffixAt = 0;
  /** Bytes from sysFlag to preparedTransactionOffset, and of the topic with its length. */
  private sharedLength = 0;
  private topicLength = 0;

  /**
   * Starts a batch: its records go into `out` and are read from `source` ({@link write}).
   * @param values - the numbers every record of the batch has (sysFlag consistent with the hosts, as the caller checks)
   * @param suffix - properties bytes that end every record's properties (the batch's own)
   */
  begin(out: Buffer, source: Buffer, values: BatchRecordValues, born: RecordHost, store: RecordHost, topic: RecordTopic, suffix: Uint8Array): void {
    if (out !== this.out) {
      this.out = out;
      this.outView = new DataView(out.buffer, out.byteOffset, out.length);
    }
    this.source = source;
    this.sourceView = new DataView(source.buffer, source.byteOffset, source.length);
    const own = this.values;
    own.queueId = values.queueId;
    own.sysFlag = values.sysFlag;
    own.bornTimestamp = values.bornTimestamp;
    own.storeTimestamp = values.storeTimestamp;
    own.reconsumeTimes = values.reconsumeTimes;
    own.preparedTransactionOffset = values.preparedTransactionOffset;
    this.born = born;
    this.store = store;
    this.topic = topic;
    this.suffix = suffix;
    this.sharedLength = 4 + 8 + born.bytes.length + 8 + store.bytes.length + 4 + 8;
    this.topicLength = (topic.version === 1 ? 1 : 2) + topic.bytes.length;
    this.first = -1;
  }

  /**
   * Writes one record of the batch at `pos` (which must have {@link storedRecordSize} bytes): body
   * `source[bodyStart, bodyStart + bodyLength)`, properties `source[from, to)`, a `\x02` separator when `separator`,
   * then the batch's suffix (the caller checked that they add up to at most 32767 bytes).
   * @returns the position after the record
   */
  write(
    pos: number,
    flag: number,
    queueOffset: number,
    commitLogOffset: number,
    bodyStart: number,
    bodyLength: number,
    from: number,
    to: number,
    separator: boolean,
  ): number {
    const source = this.source;
    // A plain view, not a Buffer: the CRC and the copy need nothing more.
    const body = new Uint8Array(source.buffer, source.byteOffset + bodyStart, bodyLength);
    if (this.first < 0) return this.writeFirst(pos, flag, queueOffset, commitLogOffset, body, from, to, separator);
    const out = this.out;
    const view = this.outView;
    const values = this.values;
    const suffixLength = this.suffix.length;
    const propertiesLength = to - from + (separator ? 1 : 0) + suffixLength;
    view.setInt32(pos, storedRecordSize(this.born, this.store, bodyLength, this.topic, propertiesLength));
    view.setInt32(pos + 4, this.topic.version === 1 ? MESSAGE_MAGIC_CODE_V1 : MESSAGE_MAGIC_CODE_V2);
    view.setInt32(pos + 8, messageBodyCrc(body));
    view.setInt32(pos + 12, values.queueId | 0);
    view.setInt32(pos + 16, flag | 0);
    setInt64(view, pos + 20, queueOffset);
    setInt64(view, pos + 28, commitLogOffset);
    let at = copyWords(view, pos + RECORD_SYSFLAG_AT, view, this.first + RECORD_SYSFLAG_AT, this.sharedLength);
    view.setInt32(at, bodyLength);
    at += 4;
    out.set(body, at);
    at = copyWords(view, at + bodyLength, view, this.firstTopicAt, this.topicLength);
    view.setInt16(at, propertiesLength);
    at = copyWords(view, at + 2, this.sourceView, from, to - from);
    if (separator) out[at++] = 0x02;
    return copyWords(view, at, view, this.firstSuffixAt, suffixLength);
  }

  /** Ends the batch: lets go of its source (a request body, which would otherwise outlive its request). */
  end(): void {
    this.source = this.suffix = EMPTY;
    this.sourceView = EMPTY_VIEW;
  }

  private writeFirst(pos: number, flag: number, queueOffset: number, commitLogOffset: number, body: Uint8Array, from: number, to: number, separator: boolean): number {
    const values = this.values;
    values.flag = flag;
    values.queueOffset = queueOffset;
    values.commitLogOffset = commitLogOffset;
    const end = writeStoredRecordBytes(this.out, pos, values, this.born, this.store, body, this.topic, this.source, from, to, separator, this.suffix);
    this.first = pos;
    this.firstTopicAt = pos + RECORD_SYSFLAG_AT + this.sharedLength + 4 + body.length;
    this.firstSuffixAt = end - this.suffix.length;
    return end;
  }
}

/** {@link writeInt64} of a number, through a DataView. */
function setInt64(view: DataView, pos: number, value: number): void {
  const whole = Math.trunc(value);
  if (!Number.isSafeInteger(whole)) {
    view.setBigInt64(pos, BigInt(whole)); // BigInt(NaN) throws, as writeInt64
    return;
  }
  const high = Math.floor(whole / TWO_32);
  view.setInt32(pos, high | 0);
  view.setInt32(pos + 4, (whole - high * TWO_32) | 0);
}

/** Copies `length` bytes, 4 at a time then the rest; the two ranges do not overlap. Returns the position after. */
function copyWords(to: DataView, at: number, from: DataView, start: number, length: number): number {
  const end = start + length;
  let k = start;
  for (; k + 4 <= end; k += 4, at += 4) to.setInt32(at, from.getInt32(k));
  for (; k < end; k++, at++) to.setUint8(at, from.getUint8(k));
  return at;
}

/** Every field from `totalSize` to the topic; returns the position of `propertiesLength`. */
function writeRecordUpToTopic(
  out: Buffer,
  pos: number,
  totalSize: number,
  values: RecordValues,
  born: RecordHost,
  store: RecordHost,
  body: Uint8Array,
  topic: RecordTopic,
): number {
  let at = writeInt32(out, pos, totalSize);
  at = writeInt32(out, at, topic.version === 1 ? MESSAGE_MAGIC_CODE_V1 : MESSAGE_MAGIC_CODE_V2);
  at = writeInt32(out, at, messageBodyCrc(body));
  at = writeInt32(out, at, values.queueId);
  at = writeInt32(out, at, values.flag);
  at = writeInt64(out, values.queueOffset, at);
  at = writeInt64(out, values.commitLogOffset, at);
  at = writeInt32(out, at, values.sysFlag);
  at = writeInt64(out, values.bornTimestamp, at);
  at = writeSmall(out, at, born.bytes);
  at = writeInt64(out, values.storeTimestamp, at);
  at = writeSmall(out, at, store.bytes);
  at = writeInt32(out, at, values.reconsumeTimes);
  at = writeInt64(out, values.preparedTransactionOffset, at);
  at = writeInt32(out, at, body.length);
  out.set(body, at);
  at += body.length;
  const topicBytes = topic.bytes;
  if (topic.version === 1) out[at++] = topicBytes.length;
  else at = writeInt16(out, at, topicBytes.length);
  return writeSmall(out, at, topicBytes);
}

/** Big-endian int32 of `value | 0` (what `writeInt32BE(value | 0)` writes, without its range checks). */
function writeInt32(out: Buffer, pos: number, value: number): number {
  const v = value | 0;
  out[pos] = v >>> 24;
  out[pos + 1] = v >>> 16;
  out[pos + 2] = v >>> 8;
  out[pos + 3] = v;
  return pos + 4;
}

function writeInt16(out: Buffer, pos: number, value: number): number {
  out[pos] = value >>> 8;
  out[pos + 1] = value;
  return pos + 2;
}

/** A few bytes (a host, a topic) are copied faster by a loop than by a native copy. */
function writeSmall(out: Buffer, pos: number, bytes: Uint8Array): number {
  const length = bytes.length;
  if (length > 64) {
    out.set(bytes, pos);
    return pos + length;
  }
  for (let i = 0; i < length; i++) out[pos + i] = bytes[i]!;
  return pos + length;
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Buffer,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  need(n: number, what: string): void {
    if (n < 0 || this.end - this.pos < n) {
      throw new MQClientError(
        `Malformed stored message: ${what} needs ${n} bytes at offset ${this.pos}, record ends at ${this.end}.`,
        -1,
        { code: MessageErrorCode.MALFORMED_MESSAGE },
      );
    }
  }
  int(what: string): number {
    this.need(4, what);
    const value = this.buf.readInt32BE(this.pos);
    this.pos += 4;
    return value;
  }
  long(what: string): bigint {
    this.need(8, what);
    const value = this.buf.readBigInt64BE(this.pos);
    this.pos += 8;
    return value;
  }
  bytes(n: number, what: string): Buffer {
    this.need(n, what);
    const value = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return value;
  }
  host(v6: boolean, what: string): string {
    const ip = this.bytes(v6 ? 16 : 4, what);
    return formatSocketAddress(ip, this.int(what));
  }
}

function malformed(offset: number, why: string): MQClientError {
  return new MQClientError(`Malformed stored message at byte ${offset}: ${why}.`, -1, {
    code: MessageErrorCode.MALFORMED_MESSAGE,
  });
}

/**
 * Decodes one stored message record (V1 or V2 magic) starting at `offset`, bounds-checked against both the buffer
 * and the record's `totalSize`.
 *
 * @param buf - bytes holding the record
 * @param offset - where the record starts
 * @returns the fields; `body` is a view into `buf`, the body is not decompressed (see `decompressBody`)
 * @throws MQClientError `RMQ_ERR_MALFORMED_MESSAGE` on a truncated or inconsistent record, an unknown magic code or
 *   the commit-log blank filler
 * @example
 * ```ts
 * const message = decodeStoredMessage(checkRequest.body);
 * ```
 */
export function decodeStoredMessage(buf: Buffer, offset = 0): DecodedStoredMessage {
  if (buf.length - offset < 8) throw malformed(offset, 'shorter than the 8-byte record prefix');
  const totalSize = buf.readInt32BE(offset);
  if (totalSize < 8 || totalSize > buf.length - offset) {
    throw malformed(offset, `totalSize ${totalSize} with ${buf.length - offset} bytes available`);
  }
  const r = new Reader(buf, offset + 4, offset + totalSize);
  const magic = r.int('magicCode');
  if (magic !== MESSAGE_MAGIC_CODE_V1 && magic !== MESSAGE_MAGIC_CODE_V2) {
    throw malformed(offset, `unknown magic code 0x${(magic >>> 0).toString(16)}`);
  }
  const version = magic === MESSAGE_MAGIC_CODE_V1 ? 1 : 2;
  const bodyCRC = r.int('bodyCRC');
  const queueId = r.int('queueId');
  const flag = r.int('flag');
  const queueOffset = r.long('queueOffset');
  const commitLogOffset = r.long('physicalOffset');
  const sysFlag = r.int('sysFlag');
  const bornTimestamp = Number(r.long('bornTimestamp'));
  const bornHost = r.host((sysFlag & SysFlag.BORNHOST_V6) !== 0, 'bornHost');
  const storeTimestamp = Number(r.long('storeTimestamp'));
  const storeHost = r.host((sysFlag & SysFlag.STOREHOST_V6) !== 0, 'storeHost');
  const reconsumeTimes = r.int('reconsumeTimes');
  const preparedTransactionOffset = r.long('preparedTransactionOffset');
  const bodyLength = r.int('bodyLength');
  const body = r.bytes(bodyLength, 'body');
  let topicLength: number;
  if (version === 1) {
    r.need(1, 'topicLength');
    topicLength = buf.readInt8(r.pos);
    r.pos += 1;
  } else {
    r.need(2, 'topicLength');
    topicLength = buf.readInt16BE(r.pos);
    r.pos += 2;
  }
  const topic = r.bytes(topicLength, 'topic').toString('utf8');
  r.need(2, 'propertiesLength');
  const propertiesLength = buf.readInt16BE(r.pos);
  r.pos += 2;
  const properties = r.bytes(propertiesLength, 'properties').toString('utf8');
  if (r.pos !== r.end) throw malformed(offset, `totalSize ${totalSize} but the fields end at ${r.pos - offset}`);
  return {
    version,
    bodyCRC,
    queueId,
    flag,
    queueOffset,
    commitLogOffset,
    sysFlag,
    bornTimestamp,
    bornHost,
    storeTimestamp,
    storeHost,
    reconsumeTimes,
    preparedTransactionOffset,
    body,
    topic,
    properties,
    totalSize,
  };
}

/**
 * Decodes consecutive stored message records (a pull result body).
 * @param buf - the concatenated records
 * @returns the messages in order
 * @throws MQClientError `RMQ_ERR_MALFORMED_MESSAGE` as {@link decodeStoredMessage}
 */
export function decodeStoredMessages(buf: Buffer): DecodedStoredMessage[] {
  const out: DecodedStoredMessage[] = [];
  for (let offset = 0; offset < buf.length; ) {
    const message = decodeStoredMessage(buf, offset);
    out.push(message);
    offset += message.totalSize;
  }
  return out;
}
