/**
 * Message ids: the client unique id (`UNIQ_KEY`, Java `MessageClientIDSetter`, spec §9.6) and the broker's offset
 * message id (spec §11.2).
 */
import { randomInt } from 'node:crypto';
import { networkInterfaces } from 'node:os';
import { MQClientError } from '../errors.js';
import { MessageErrorCode } from './error-codes.js';
import { formatSocketAddress, parseIp, parseSocketAddress } from './inet-address.js';

const HEX_CODES = Buffer.from('0123456789ABCDEF', 'latin1');

/** Java `UtilAll.isInternalIP` (4.9.x / 5.x): 10/8, 127/8, 172.16/12, 192.168/16. */
function isPrivateIPv4(b: readonly number[]): boolean {
  return b[0] === 10 || b[0] === 127 || (b[0] === 172 && b[1]! >= 16 && b[1]! <= 31) || (b[0] === 192 && b[1] === 168);
}

/**
 * The local IPv4 address the Java client puts in its message ids (`UtilAll.getIP()` of 4.9.x / 5.x): the first
 * non-private address in interface order; else the first private one (10/8, 172.16/12, 192.168/16), where a
 * loopback address (127/8) is kept only if no other private address follows; else `null` (the caller then uses
 * the low 4 bytes of the clock, as Java does when it finds no address). Like Java, 169.254/16 counts as
 * non-private. Unlike Java, a global IPv6 address is never chosen, so ids stay 32 characters.
 *
 * @param interfaces - `os.networkInterfaces()`-shaped input, for tests
 * @returns four address bytes, or `null` when the host has no IPv4 address
 */
export function localIPv4(
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): Buffer | null {
  let firstPrivate: number[] | null = null;
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      if (info.family !== 'IPv4') continue;
      const bytes = info.address.split('.').map(Number);
      if (bytes.length !== 4 || bytes.some((n) => !(n >= 0 && n <= 255))) continue;
      if (!isPrivateIPv4(bytes)) return Buffer.from(bytes);
      if (firstPrivate === null || firstPrivate[0] === 127) firstPrivate = bytes;
    }
  }
  return firstPrivate ? Buffer.from(firstPrivate) : null;
}

/**
 * Start of the month containing `now`, 00:00:00.000 on day 1 in the local time zone (Java uses the JVM default
 * zone), and the start of the next month.
 * @param now - epoch milliseconds
 */
export function monthWindow(now: number): { start: number; next: number } {
  const date = new Date(now);
  const start = new Date(date.getFullYear(), date.getMonth(), 1).getTime();
  const next = new Date(date.getFullYear(), date.getMonth() + 1, 1).getTime();
  return { start, next };
}

/** Explicit fields of a client unique id (the per-process prefix plus the per-id part). */
export interface UniqueIdFields {
  /** 4 (or 16) address bytes, or a literal IP. */
  ip: Uint8Array | string;
  /** Process id; its low 16 bits are used. */
  pid: number;
  /** Per-process random int32 (Java: the class loader's hash code). */
  hash: number;
  /** Milliseconds since the start of the month (int32). */
  millisSinceMonthStart: number;
  /** Counter; its low 16 bits are used. */
  counter: number;
}

/**
 * Builds a client unique id from explicit fields (test hook; `createUniqueId()` is the fast path).
 *
 * @param fields - {@link UniqueIdFields}
 * @returns 32 (IPv4) or 56 (IPv6) upper-case hex characters
 * @example
 * ```ts
 * uniqueIdFromFields({ ip: '192.168.0.2', pid: 12345, hash: 0x1b6d3586, millisSinceMonthStart: 1203200000, counter: 0 });
 * // 'C0A8000230391B6D358647B760000000'
 * ```
 */
export function uniqueIdFromFields(fields: UniqueIdFields): string {
  const ip = typeof fields.ip === 'string' ? parseIp(fields.ip) : Buffer.from(fields.ip);
  const bytes = Buffer.alloc(ip.length + 12);
  ip.copy(bytes, 0);
  bytes.writeUInt16BE(fields.pid & 0xffff, ip.length);
  bytes.writeInt32BE(fields.hash | 0, ip.length + 2);
  bytes.writeInt32BE(fields.millisSinceMonthStart | 0, ip.length + 6);
  bytes.writeUInt16BE(fields.counter & 0xffff, ip.length + 10);
  return bytes.toString('hex').toUpperCase();
}

/** Options of {@link UniqueIdGenerator}; every field defaults to the real process value. */
export interface UniqueIdGeneratorOptions {
  /**
   * Address bytes of the id prefix.
   * @defaultValue {@link localIPv4}, else the low 4 bytes of `Date.now()` (as Java)
   */
  ip?: Uint8Array | string;
  /** @defaultValue `process.pid` */
  pid?: number;
  /** @defaultValue a random int32 chosen once per generator */
  hash?: number;
  /** @defaultValue `Date.now` */
  clock?: () => number;
  /** First counter value. @defaultValue `0` */
  counter?: number;
}

/** Upper-case hex of every byte value. */
const HEX_PAIRS: readonly string[] = Array.from({ length: 256 }, (_, byte) => byte.toString(16).toUpperCase().padStart(2, '0'));

/**
 * Generator of client unique ids (Java `MessageClientIDSetter` layout): the fixed prefix (IP, pid, random int) is
 * rendered once into a preallocated ASCII buffer; the 8 hex digits of the time (ms since month start) are written
 * into it once per millisecond and read back with the prefix as one string, to which each id appends the 4 hex
 * digits of its counter.
 */
export class UniqueIdGenerator {
  private readonly buf: Buffer;
  private readonly prefixLength: number;
  private readonly clock: () => number;
  private counter: number;
  private monthStart = 0;
  private nextMonthStart = -Infinity;
  /** Prefix and time part of the ids of the millisecond `headDiff` (the time part's value). */
  private head = '';
  private headDiff = Number.NaN;
  /** The ASCII bytes of `head`. */
  private headAscii = new Uint8Array(0);
  /** The counter digits of the id `next` returned last. */
  private lastTail = '';

  constructor(options: UniqueIdGeneratorOptions = {}) {
    this.clock = options.clock ?? Date.now;
    let ip: Buffer;
    if (options.ip !== undefined) {
      ip = typeof options.ip === 'string' ? parseIp(options.ip) : Buffer.from(options.ip);
    } else {
      ip = localIPv4() ?? fakeIp(this.clock());
    }
    const prefix = Buffer.alloc(ip.length + 6);
    ip.copy(prefix, 0);
    prefix.writeUInt16BE((options.pid ?? process.pid) & 0xffff, ip.length);
    prefix.writeInt32BE((options.hash ?? randomInt(-0x80000000, 0x7fffffff)) | 0, ip.length + 2);
    const prefixHex = prefix.toString('hex').toUpperCase();
    this.prefixLength = prefixHex.length;
    this.buf = Buffer.alloc(prefixHex.length + 12);
    this.buf.write(prefixHex, 0, 'latin1');
    this.counter = options.counter ?? 0;
  }

  /** The fixed per-process part (20 hex characters for IPv4). */
  get prefix(): string {
    return this.buf.toString('latin1', 0, this.prefixLength);
  }

  /**
   * Next id: 32 (IPv4) or 56 (IPv6) upper-case hex characters.
   * @param now - the time of the id, when the caller has just read this generator's clock (ms since the epoch)
   */
  next(now: number = this.clock()): string {
    if (now >= this.nextMonthStart) {
      const window = monthWindow(now);
      this.monthStart = window.start;
      this.nextMonthStart = window.next;
    }
    let diff = (now - this.monthStart) | 0;
    // Java tolerates a clock stepping slightly back across the month boundary by clamping to 0.
    if (diff < 0 && diff > -1_000_000) diff = 0;
    if (diff !== this.headDiff) {
      // The prefix and time part change at most once per millisecond: built then, reused by the ids of that ms.
      const buf = this.buf;
      let pos = this.prefixLength;
      for (let shift = 28; shift >= 0; shift -= 4) buf[pos++] = HEX_CODES[(diff >>> shift) & 0xf]!;
      this.head = buf.toString('latin1', 0, pos);
      // Bytes of their own (requests of this millisecond may still be waiting to be encoded when the next one comes).
      this.headAscii = new Uint8Array(buf.subarray(0, pos));
      this.headDiff = diff;
    }
    const count = this.counter;
    this.counter = (count + 1) & 0xffff;
    const tail = HEX_PAIRS[count >>> 8]! + HEX_PAIRS[count & 0xff]!;
    this.lastTail = tail;
    return this.head + tail;
  }

  /**
   * The prefix and time digits of the id `next` returned last as ASCII bytes (upper-case hex), the same bytes for the
   * ids of one millisecond; the id is these digits followed by {@link UniqueIdGenerator.lastCounterDigits}. Not to be
   * written to.
   */
  get lastHeadAscii(): Uint8Array {
    return this.headAscii;
  }

  /** The 4 counter digits of the id `next` returned last (see {@link UniqueIdGenerator.lastHeadAscii}). */
  get lastCounterDigits(): string {
    return this.lastTail;
  }
}

function fakeIp(now: number): Buffer {
  const ip = Buffer.alloc(4);
  ip.writeUInt32BE(Number(BigInt(now) & 0xffffffffn));
  return ip;
}

let defaultGenerator: UniqueIdGenerator | null = null;

/**
 * A new client unique id (`UNIQ_KEY`, the `msgId` of a `SendResult`): local IP, pid, a per-process random int,
 * milliseconds since the start of the month, 16-bit counter, as upper-case hex (spec §9.6).
 *
 * @param now - the id's time in ms since the epoch, when the caller has just read `Date.now()` (default: read here)
 * @returns 32 upper-case hex characters (IPv4 prefix)
 * @example
 * ```ts
 * createUniqueId(); // e.g. 'C0A8000230391B6D358647B760000000'
 * ```
 */
export function createUniqueId(now?: number): string {
  defaultGenerator ??= new UniqueIdGenerator();
  return now === undefined ? defaultGenerator.next() : defaultGenerator.next(now);
}

/**
 * The generator behind {@link createUniqueId} (its `lastHeadAscii` / `lastCounterDigits` are the parts of the id it
 * returned last).
 * @internal
 */
export function defaultUniqueIdGenerator(): UniqueIdGenerator {
  defaultGenerator ??= new UniqueIdGenerator();
  return defaultGenerator;
}

/**
 * The broker's offset message id (spec §11.2): store host IP, port, commit-log offset as upper-case hex.
 *
 * @param storeHost - `ip:port` (IPv6 as `[v6]:port` or `v6:port`)
 * @param commitLogOffset - physical offset in the commit log
 * @returns 32 (IPv4) or 56 (IPv6) hex characters
 * @example
 * ```ts
 * createOffsetMessageId('127.0.0.1:10911', 0x1234n); // '7F00000100002A9F0000000000001234'
 * ```
 */
export function createOffsetMessageId(storeHost: string, commitLogOffset: bigint): string {
  const { ip, port } = parseSocketAddress(storeHost);
  const bytes = Buffer.alloc(ip.length + 12);
  ip.copy(bytes, 0);
  bytes.writeInt32BE(port, ip.length);
  bytes.writeBigInt64BE(BigInt.asIntN(64, commitLogOffset), ip.length + 4);
  return bytes.toString('hex').toUpperCase();
}

/** A decoded offset message id. */
export interface OffsetMessageId {
  /** Store host `ip:port` (IPv6 as `[v6]:port`). */
  address: string;
  /** Physical offset in the broker's commit log (used by END_TRANSACTION). */
  commitLogOffset: bigint;
}

/**
 * Decodes a broker offset message id (`SendResult.offsetMsgId`): 32 hex characters are IPv4, otherwise IPv6
 * (56), as Java `MessageDecoder.decodeMessageId`.
 *
 * @param id - the offset message id
 * @returns store address and commit-log offset
 * @throws MQClientError `RMQ_ERR_INVALID_MESSAGE_ID` if the id is not 32/56 hex characters
 * @example
 * ```ts
 * decodeOffsetMessageId('7F00000100002A9F0000000000001234'); // { address: '127.0.0.1:10911', commitLogOffset: 4660n }
 * ```
 */
export function decodeOffsetMessageId(id: string): OffsetMessageId {
  if ((id.length !== 32 && id.length !== 56) || !/^[0-9A-Fa-f]+$/.test(id)) {
    throw new MQClientError(
      `Invalid offset message id "${id}": expected 32 (IPv4) or 56 (IPv6) hex characters, as in SendResult.offsetMsgId.`,
      -1,
      { code: MessageErrorCode.INVALID_MESSAGE_ID },
    );
  }
  const bytes = Buffer.from(id, 'hex');
  const ipLength = id.length === 32 ? 4 : 16;
  const port = bytes.readInt32BE(ipLength);
  return {
    address: formatSocketAddress(bytes.subarray(0, ipLength), port),
    commitLogOffset: bytes.readBigInt64BE(ipLength + 4),
  };
}
