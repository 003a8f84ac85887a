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
  out.writeInt32BE(high, pos);
  return out.writeUInt32BE(whole - high * TWO_32, pos + 4);
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
  const topicLength = Buffer.byteLength(m.topic, 'utf8');
  const version = m.version ?? (topicLength > 127 ? 2 : 1);
  if (topicLength > (version === 1 ? 127 : 32767)) throw invalid(`topic of ${topicLength} bytes is too long for V${version}`);
  const propertiesLength = Buffer.byteLength(m.properties, 'utf8');
  if (propertiesLength > 32767) throw invalid(`properties of ${propertiesLength} bytes exceed 32767`);
  const body = m.body;
  const totalSize =
    4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + born.ip.length + 4 + 8 + store.ip.length + 4 + 4 + 8 +
    4 + body.length + (version === 1 ? 1 : 2) + topicLength + 2 + propertiesLength;
  const out = Buffer.allocUnsafe(totalSize);
  let pos = out.writeInt32BE(totalSize, 0);
  pos = out.writeInt32BE(version === 1 ? MESSAGE_MAGIC_CODE_V1 : MESSAGE_MAGIC_CODE_V2, pos);
  pos = out.writeInt32BE(messageBodyCrc(body), pos);
  pos = out.writeInt32BE(m.queueId | 0, pos);
  pos = out.writeInt32BE(m.flag | 0, pos);
  pos = writeInt64(out, m.queueOffset, pos);
  pos = writeInt64(out, m.commitLogOffset, pos);
  pos = out.writeInt32BE(m.sysFlag | 0, pos);
  pos = writeInt64(out, m.bornTimestamp, pos);
  pos += born.ip.copy(out, pos);
  pos = out.writeInt32BE(born.port, pos);
  pos = writeInt64(out, m.storeTimestamp, pos);
  pos += store.ip.copy(out, pos);
  pos = out.writeInt32BE(store.port, pos);
  pos = out.writeInt32BE(m.reconsumeTimes | 0, pos);
  pos = writeInt64(out, m.preparedTransactionOffset, pos);
  pos = out.writeInt32BE(body.length, pos);
  out.set(body, pos);
  pos += body.length;
  pos = version === 1 ? out.writeInt8(topicLength, pos) : out.writeInt16BE(topicLength, pos);
  pos += out.write(m.topic, pos, topicLength, 'utf8');
  pos = out.writeInt16BE(propertiesLength, pos);
  out.write(m.properties, pos, propertiesLength, 'utf8');
  return out;
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
