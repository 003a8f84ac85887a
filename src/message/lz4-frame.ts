/**
 * The LZ4 frame format (lz4 `doc/lz4_Frame_format.md`) as the Java client's `Lz4Compressor` writes and reads it:
 * lz4-java's `LZ4FrameOutputStream` with its defaults (4 MiB blocks, independent blocks, no block or content checksum,
 * no content size), so a frame written here is byte-identical to Java's around the block contents, and the block
 * contents come from an LZ4 block compressor. The reader accepts what lz4-java's `LZ4FrameInputStream` accepts
 * (concatenated and skippable frames, block/content checksums, content size), bounded so that corrupt or hostile
 * input cannot make it allocate more than the caller's limit.
 * @internal
 */
import { MQClientError } from '../errors.js';
import { MessageErrorCode } from './error-codes.js';

/** A raw LZ4 block compressor: the LZ4 block of `input` (the frame stores `input` itself when that is not smaller). @internal */
export type Lz4BlockCompressor = (input: Uint8Array) => Uint8Array;

const MAGIC = 0x184d2204;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** FLG of lz4-java's default stream: version 01, BLOCK_INDEPENDENCE. */
const FLG_VERSION = 0x40;
const FLG_VERSION_MASK = 0xc0;
const FLG_BLOCK_INDEPENDENCE = 0x20;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
/** Bit 1 is reserved; bit 0 (dictionary id) is refused by lz4-java. */
const FLG_UNSUPPORTED = 0x03;
/** BD of a 4 MiB maximum block size (indicator 7). */
const BD_4MB = 0x70;
const BD_RESERVED = 0x8f;
const BLOCK_UNCOMPRESSED = 0x80000000;
/** lz4-java's `BLOCKSIZE.SIZE_4MB`: a body is cut into blocks of this many bytes. */
export const LZ4_FRAME_BLOCK_SIZE = 4 * 1024 * 1024;

const PRIME1 = 0x9e3779b1;
const PRIME2 = 0x85ebca77;
const PRIME3 = 0xc2b2ae3d;
const PRIME4 = 0x27d4eb2f;
const PRIME5 = 0x165667b1;

const rotl = (x: number, r: number): number => ((x << r) | (x >>> (32 - r))) >>> 0;
const u32le = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;
const round = (acc: number, lane: number): number => Math.imul(rotl((acc + Math.imul(lane, PRIME2)) >>> 0, 13), PRIME1) >>> 0;

/**
 * XXH32 (the checksum of the LZ4 frame format) of `data[start, end)`.
 * @param data - the bytes
 * @param start - first byte
 * @param end - one past the last byte
 * @param seed - the seed (the frame format uses 0)
 * @returns the unsigned 32-bit hash
 * @internal
 */
export function xxh32(data: Uint8Array, start = 0, end = data.length, seed = 0): number {
  let i = start;
  let h: number;
  if (end - start >= 16) {
    let v1 = (seed + PRIME1 + PRIME2) >>> 0;
    let v2 = (seed + PRIME2) >>> 0;
    let v3 = seed >>> 0;
    let v4 = (seed - PRIME1) >>> 0;
    for (; i + 16 <= end; i += 16) {
      v1 = round(v1, u32le(data, i));
      v2 = round(v2, u32le(data, i + 4));
      v3 = round(v3, u32le(data, i + 8));
      v4 = round(v4, u32le(data, i + 12));
    }
    h = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    h = (seed + PRIME5) >>> 0;
  }
  h = (h + (end - start)) >>> 0;
  for (; i + 4 <= end; i += 4) h = Math.imul(rotl((h + Math.imul(u32le(data, i), PRIME3)) >>> 0, 17), PRIME4) >>> 0;
  for (; i < end; i++) h = Math.imul(rotl((h + Math.imul(data[i]!, PRIME5)) >>> 0, 11), PRIME1) >>> 0;
  h = Math.imul(h ^ (h >>> 15), PRIME2) >>> 0;
  h = Math.imul(h ^ (h >>> 13), PRIME3) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

/** The 7 header bytes of lz4-java's default stream: magic, FLG 0x60, BD 0x70 and the descriptor checksum. */
const HEADER = ((): Buffer => {
  const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, FLG_VERSION | FLG_BLOCK_INDEPENDENCE, BD_4MB, 0]);
  header[6] = (xxh32(header, 4, 6) >>> 8) & 0xff;
  return header;
})();

/**
 * Writes `body` as one LZ4 frame exactly as lz4-java's `LZ4FrameOutputStream(out)` + `write` + `flush` + `close`
 * do: the header, then per 4 MiB of body a block (stored uncompressed with the high bit of its size set when the
 * compressed block would not be smaller), then the end mark.
 * @param body - the bytes to compress
 * @param compressBlock - the raw LZ4 block compressor
 * @returns the frame
 * @internal
 */
export function encodeLz4Frame(body: Uint8Array, compressBlock: Lz4BlockCompressor): Buffer {
  const parts: Uint8Array[] = [HEADER];
  let size = HEADER.length + 4;
  for (let start = 0; start < body.length; start += LZ4_FRAME_BLOCK_SIZE) {
    const chunk = body.subarray(start, Math.min(body.length, start + LZ4_FRAME_BLOCK_SIZE));
    const block = compressBlock(chunk);
    const stored = block.length >= chunk.length ? chunk : block;
    const blockHeader = Buffer.allocUnsafe(4);
    blockHeader.writeUInt32LE((stored.length | (stored === chunk ? BLOCK_UNCOMPRESSED : 0)) >>> 0, 0);
    parts.push(blockHeader, stored);
    size += 4 + stored.length;
  }
  parts.push(Buffer.alloc(4));
  return Buffer.concat(parts, size);
}

const corrupt = (why: string): MQClientError =>
  new MQClientError(`The compressed body is not a valid LZ4 frame: ${why}.`, -1, { code: MessageErrorCode.DECOMPRESS_FAILED });

/** Raised when a body inflates past the caller's limit. @internal */
export function tooLarge(limit: number): MQClientError {
  return new MQClientError(`The body decompresses to more than ${limit} bytes.`, -1, {
    code: MessageErrorCode.DECOMPRESSED_TOO_LARGE,
  });
}

/** A growing output buffer that never exceeds `limit` bytes. */
class Sink {
  buf: Buffer;
  length = 0;
  constructor(
    initial: number,
    private readonly limit: number,
  ) {
    this.buf = Buffer.allocUnsafe(Math.min(limit, Math.max(initial, 256)));
  }
  ensure(extra: number): void {
    const need = this.length + extra;
    if (need <= this.buf.length) return;
    if (need > this.limit) throw tooLarge(this.limit);
    const grown = Buffer.allocUnsafe(Math.min(this.limit, Math.max(need, this.buf.length * 2)));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
  }
}

/** Decodes one LZ4 block `src[start, end)` into `out`; matches may not reach before `floor`. */
function decodeBlock(src: Uint8Array, start: number, end: number, out: Sink, floor: number, maxBlock: number): void {
  let ip = start;
  const blockStart = out.length;
  for (;;) {
    if (ip >= end) throw corrupt('truncated block');
    const token = src[ip++]!;
    let literals = token >>> 4;
    if (literals === 15) {
      let b: number;
      do {
        if (ip >= end) throw corrupt('truncated literal length');
        b = src[ip++]!;
        literals += b;
      } while (b === 255);
    }
    if (literals > end - ip) throw corrupt('literals past the end of the block');
    if (out.length - blockStart + literals > maxBlock) throw corrupt('block larger than its declared maximum');
    out.ensure(literals);
    out.buf.set(src.subarray(ip, ip + literals), out.length);
    out.length += literals;
    ip += literals;
    if (ip === end) return; // the last sequence has literals only
    if (end - ip < 2) throw corrupt('truncated match offset');
    const offset = src[ip]! | (src[ip + 1]! << 8);
    ip += 2;
    if (offset === 0 || out.length - offset < floor) throw corrupt('match offset out of range');
    let matchLength = token & 15;
    if (matchLength === 15) {
      let b: number;
      do {
        if (ip >= end) throw corrupt('truncated match length');
        b = src[ip++]!;
        matchLength += b;
      } while (b === 255);
    }
    matchLength += 4;
    if (out.length - blockStart + matchLength > maxBlock) throw corrupt('block larger than its declared maximum');
    out.ensure(matchLength);
    const buf = out.buf;
    let from = out.length - offset;
    let to = out.length;
    if (offset >= matchLength) {
      buf.copyWithin(to, from, from + matchLength);
    } else {
      // Overlapping match: a repeating pattern, copied byte by byte.
      for (const stop = to + matchLength; to < stop; ) buf[to++] = buf[from++]!;
    }
    out.length += matchLength;
  }
}

/**
 * Decodes LZ4 frames (one or more, skippable frames skipped) back into the original bytes.
 * @param input - the frames
 * @param limit - the most bytes the output may have
 * @returns the decoded bytes
 * @throws MQClientError `RMQ_ERR_DECOMPRESS_FAILED` for malformed input, `RMQ_ERR_DECOMPRESSED_TOO_LARGE` past `limit`
 * @internal
 */
export function decodeLz4Frames(input: Uint8Array, limit: number): Buffer {
  const out = new Sink(input.length * 3, limit);
  let ip = 0;
  if (input.length < 4) throw corrupt('too short');
  while (ip < input.length) {
    if (input.length - ip < 8) throw corrupt('truncated frame header');
    const magic = u32le(input, ip);
    if (((magic & SKIPPABLE_MAGIC_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      const skip = u32le(input, ip + 4);
      if (skip > input.length - ip - 8) throw corrupt('truncated skippable frame');
      ip += 8 + skip;
      continue;
    }
    if (magic !== MAGIC) throw corrupt('bad magic number');
    const descriptorStart = ip + 4;
    const flg = input[descriptorStart]!;
    const bd = input[descriptorStart + 1]!;
    if ((flg & FLG_VERSION_MASK) !== FLG_VERSION) throw corrupt('unsupported version');
    if ((flg & FLG_UNSUPPORTED) !== 0) throw corrupt('reserved or dictionary flag set');
    if ((bd & BD_RESERVED) !== 0) throw corrupt('reserved block descriptor bits set');
    const sizeIndex = (bd >>> 4) & 7;
    if (sizeIndex < 4) throw corrupt('invalid maximum block size');
    const maxBlock = 1 << (2 * sizeIndex + 8);
    ip = descriptorStart + 2;
    let declaredSize = -1;
    if ((flg & FLG_CONTENT_SIZE) !== 0) {
      if (input.length - ip < 9) throw corrupt('truncated content size');
      const high = u32le(input, ip + 4);
      declaredSize = high === 0 ? u32le(input, ip) : Number.MAX_SAFE_INTEGER;
      // A declared size is checked, never allocated.
      if (declaredSize > limit - out.length) throw tooLarge(limit);
      ip += 8;
    }
    if (ip >= input.length) throw corrupt('truncated frame header');
    if (((xxh32(input, descriptorStart, ip) >>> 8) & 0xff) !== input[ip]) throw corrupt('header checksum mismatch');
    ip += 1;
    const frameStart = out.length;
    const floor = (flg & FLG_BLOCK_INDEPENDENCE) !== 0 ? -1 : frameStart;
    for (;;) {
      if (input.length - ip < 4) throw corrupt('truncated block header');
      const word = u32le(input, ip);
      ip += 4;
      if (word === 0) break;
      const size = (word & ~BLOCK_UNCOMPRESSED) >>> 0;
      if (size > maxBlock) throw corrupt('block larger than its declared maximum');
      const checksumBytes = (flg & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0;
      if (size + checksumBytes > input.length - ip) throw corrupt('truncated block');
      if (checksumBytes !== 0 && xxh32(input, ip, ip + size) !== u32le(input, ip + size)) throw corrupt('block checksum mismatch');
      if ((word & BLOCK_UNCOMPRESSED) !== 0) {
        out.ensure(size);
        out.buf.set(input.subarray(ip, ip + size), out.length);
        out.length += size;
      } else {
        decodeBlock(input, ip, ip + size, out, floor === -1 ? out.length : floor, maxBlock);
      }
      ip += size + checksumBytes;
    }
    if ((flg & FLG_CONTENT_CHECKSUM) !== 0) {
      if (input.length - ip < 4) throw corrupt('truncated content checksum');
      if (xxh32(out.buf, frameStart, out.length) !== u32le(input, ip)) throw corrupt('content checksum mismatch');
      ip += 4;
    }
    if (declaredSize !== -1 && declaredSize !== out.length - frameStart) throw corrupt('content size mismatch');
  }
  return out.buf.length === out.length ? out.buf : Buffer.from(out.buf.subarray(0, out.length));
}
