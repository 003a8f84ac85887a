/**
 * ZSTD bodies (RFC 8878) as the Java client's `ZstdCompressor` (zstd-jni) writes and reads them. The frames are
 * checked here before a decoder sees them — structure, window and declared content size — so that a corrupt or
 * hostile body is a typed error and never makes the decoder allocate from a size it declares.
 * @internal
 */
import { MQClientError } from '../errors.js';
import { MessageErrorCode } from './error-codes.js';
import { tooLarge } from './lz4-frame.js';

const MAGIC = 0xfd2fb528;
const SKIPPABLE_MAGIC_MASK = 0xfffffff0;
const SKIPPABLE_MAGIC = 0x184d2a50;
/** The largest window accepted: libzstd's default decoder limit (`ZSTD_WINDOWLOG_LIMIT_DEFAULT` = 27), as zstd-jni's. */
export const ZSTD_MAX_WINDOW = 1 << 27;
const MAX_BLOCK = 128 * 1024;

const u32le = (b: Uint8Array, i: number): number => (b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24)) >>> 0;

const corrupt = (why: string): MQClientError =>
  new MQClientError(`The compressed body is not valid ZSTD data: ${why}.`, -1, { code: MessageErrorCode.DECOMPRESS_FAILED });

/**
 * Walks the frames of `input` without decoding them: every header, block header and checksum must be in place, no
 * window may exceed {@link ZSTD_MAX_WINDOW}, and the declared content sizes must fit in `limit`.
 * @param input - one or more ZSTD (or skippable) frames
 * @param limit - the most bytes the output may have
 * @throws MQClientError `RMQ_ERR_DECOMPRESS_FAILED` or `RMQ_ERR_DECOMPRESSED_TOO_LARGE`
 * @internal
 */
export function checkZstdFrames(input: Uint8Array, limit: number): void {
  let ip = 0;
  let declared = 0;
  if (input.length < 4) throw corrupt('too short');
  while (ip < input.length) {
    if (input.length - ip < 5) throw corrupt('truncated frame header');
    const magic = u32le(input, ip);
    if (((magic & SKIPPABLE_MAGIC_MASK) >>> 0) === SKIPPABLE_MAGIC) {
      if (input.length - ip < 8) throw corrupt('truncated skippable frame');
      const skip = u32le(input, ip + 4);
      if (skip > input.length - ip - 8) throw corrupt('truncated skippable frame');
      ip += 8 + skip;
      continue;
    }
    if (magic !== MAGIC) throw corrupt('bad magic number');
    const fhd = input[ip + 4]!;
    ip += 5;
    if ((fhd & 0x08) !== 0) throw corrupt('reserved header bit set');
    if ((fhd & 0x03) !== 0) throw corrupt('dictionaries are not supported');
    const singleSegment = (fhd & 0x20) !== 0;
    const fcsFlag = fhd >>> 6;
    const fcsBytes = fcsFlag === 0 ? (singleSegment ? 1 : 0) : 1 << fcsFlag;
    const headerRest = (singleSegment ? 0 : 1) + fcsBytes;
    if (input.length - ip < headerRest) throw corrupt('truncated frame header');
    let window = 0;
    if (!singleSegment) {
      const descriptor = input[ip++]!;
      const windowLog = 10 + (descriptor >>> 3);
      const base = 2 ** windowLog;
      window = base + (base / 8) * (descriptor & 7);
      if (window > ZSTD_MAX_WINDOW) throw corrupt('window larger than 128 MiB');
    }
    if (fcsBytes !== 0) {
      let size: number;
      if (fcsBytes === 1) size = input[ip]!;
      else if (fcsBytes === 2) size = (input[ip]! | (input[ip + 1]! << 8)) + 256;
      else if (fcsBytes === 4) size = u32le(input, ip);
      else size = u32le(input, ip + 4) * 2 ** 32 + u32le(input, ip);
      ip += fcsBytes;
      // A declared size is checked, never allocated.
      declared += size;
      if (declared > limit) throw tooLarge(limit);
      if (singleSegment) window = size;
    }
    const maxBlock = Math.min(MAX_BLOCK, Math.max(window, 1));
    for (;;) {
      if (input.length - ip < 3) throw corrupt('truncated block header');
      const header = input[ip]! | (input[ip + 1]! << 8) | (input[ip + 2]! << 16);
      ip += 3;
      const type = (header >>> 1) & 3;
      const size = header >>> 3;
      if (type === 3) throw corrupt('reserved block type');
      if (size > maxBlock) throw corrupt('block larger than the window allows');
      const stored = type === 1 ? 1 : size;
      if (stored > input.length - ip) throw corrupt('truncated block');
      ip += stored;
      if ((header & 1) !== 0) break;
    }
    if ((fhd & 0x04) !== 0) {
      if (input.length - ip < 4) throw corrupt('truncated checksum');
      ip += 4;
    }
  }
}

/** The part of `fzstd` used here. @internal */
export interface ZstdStreamDecoder {
  Decompress: new (ondata: (chunk: Uint8Array, final?: boolean) => unknown) => { push(chunk: Uint8Array, final?: boolean): unknown };
}

/**
 * Decodes ZSTD frames, counting the output as it is produced and stopping at `limit`.
 * @param input - the frames
 * @param limit - the most bytes the output may have
 * @param decoder - the streaming decoder (`fzstd`)
 * @returns the decoded bytes
 * @throws MQClientError `RMQ_ERR_DECOMPRESS_FAILED` or `RMQ_ERR_DECOMPRESSED_TOO_LARGE`
 * @internal
 */
export function decodeZstdFrames(input: Uint8Array, limit: number, decoder: ZstdStreamDecoder): Buffer {
  checkZstdFrames(input, limit);
  const chunks: Buffer[] = [];
  let total = 0;
  const stream = new decoder.Decompress((chunk) => {
    total += chunk.length;
    if (total > limit) throw tooLarge(limit);
    // A chunk may be a view of the decoder's window, which later blocks overwrite: keep a copy.
    chunks.push(Buffer.from(chunk));
  });
  try {
    stream.push(input, true);
  } catch (cause) {
    if (cause instanceof MQClientError) throw cause;
    throw new MQClientError('The compressed body is not valid ZSTD data.', -1, { code: MessageErrorCode.DECOMPRESS_FAILED, cause });
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total);
}
