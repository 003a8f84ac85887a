/**
 * Body compression as the Java client does it (spec §9.5), with the three codecs of the 4.9.4+ / 5.x clients
 * (`CompressionType` ZLIB, LZ4, ZSTD; the type sits in sysFlag bits 8–10):
 * - ZLIB: zlib (RFC 1950) deflate, level 5 by default, byte-identical to `java.util.zip.Deflater(5)` +
 *   `DeflaterOutputStream` (header `78 5E`); built into Node.
 * - LZ4: an LZ4 frame as lz4-java's `LZ4FrameOutputStream` writes it (see `lz4-frame.ts`); blocks compressed by the
 *   optional package `lz4-wasm-nodejs`, decoded here without any package.
 * - ZSTD: a zstd frame at the same level, compressed by the optional package `@foxglove/wasm-zstd` (on worker threads
 *   for async sends, see `zstd-workers.ts`) and decoded by the
 *   optional package `fzstd` (which, unlike one-shot decoders, reads zstd-jni's frames without a content size).
 */
import { deflateSync, inflateSync } from 'node:zlib';
import { MQClientError } from '../errors.js';
import { deflateOffLoop } from './deflate-workers.js';
import { MessageErrorCode } from './error-codes.js';
import { decodeLz4Frames, encodeLz4Frame, tooLarge } from './lz4-frame.js';
import { loadOptionalPackage, OptionalPackage, resolveOptionalPackage } from './optional-package.js';
import { decodeZstdFrames } from './zstd-frame.js';
import type { ZstdStreamDecoder } from './zstd-frame.js';
import { ZstdWorkerPool } from './zstd-workers.js';

/** MessageSysFlag bits (spec §9.4). */
export const SysFlag = {
  /** The body is compressed. */
  COMPRESSED: 0x1,
  /** Broker: topic filter type MULTI_TAG. */
  MULTI_TAGS: 0x2,
  /** 2-bit transaction type field. */
  TRANSACTION_TYPE_MASK: 0xc,
  TRANSACTION_NOT_TYPE: 0x0,
  /** Half message of a transaction. */
  TRANSACTION_PREPARED: 0x4,
  TRANSACTION_COMMIT: 0x8,
  TRANSACTION_ROLLBACK: 0xc,
  /** Born host is IPv6. */
  BORNHOST_V6: 0x10,
  /** Store host is IPv6. */
  STOREHOST_V6: 0x20,
  /** [5.x] broker inner batch. */
  NEED_UNWRAP: 0x40,
  /** [5.x] broker inner batch. */
  INNER_BATCH: 0x80,
  /** Compression type field (Java `COMPRESSION_TYPE_COMPARATOR`); 0 (clients before 4.9.4) also means ZLIB. */
  COMPRESSION_TYPE_MASK: 0x700,
  COMPRESSION_LZ4: 0x100,
  COMPRESSION_ZSTD: 0x200,
  COMPRESSION_ZLIB: 0x300,
} as const;

/**
 * A body compression codec, by its Java name (`org.apache.rocketmq.common.compression.CompressionType`).
 * LZ4 and ZSTD bodies can only be read by 4.9.4+ / 5.x consumers; ZLIB by every version.
 */
export type CompressionType = 'ZLIB' | 'LZ4' | 'ZSTD';

/** The compression types, in Java's order of their sysFlag values (LZ4 = 1, ZSTD = 2, ZLIB = 3). */
export const COMPRESSION_TYPES: readonly CompressionType[] = Object.freeze(['LZ4', 'ZSTD', 'ZLIB']);

const TYPE_BITS: Readonly<Record<CompressionType, number>> = {
  ZLIB: SysFlag.COMPRESSION_ZLIB,
  LZ4: SysFlag.COMPRESSION_LZ4,
  ZSTD: SysFlag.COMPRESSION_ZSTD,
};

/** sysFlag of a zlib-compressed message from a 4.9.4+ / 5.x client: COMPRESSED | COMPRESSION_ZLIB = 0x301. */
export const COMPRESSED_ZLIB_SYSFLAG = SysFlag.COMPRESSED | SysFlag.COMPRESSION_ZLIB;

/**
 * The sysFlag bits a message compressed with `type` carries, as the Java client sets them
 * (`COMPRESSED_FLAG | compressType.getCompressionFlag()`): ZLIB 0x301, LZ4 0x101, ZSTD 0x201.
 * @param type - the codec
 * @returns the bits to OR into the request's sysFlag
 */
export function compressionSysFlag(type: CompressionType): number {
  return SysFlag.COMPRESSED | TYPE_BITS[type];
}

/** The Java client's default `rocketmq.message.compressLevel`. */
export const DEFAULT_COMPRESS_LEVEL = 5;

/** The default most bytes {@link decompressBody} inflates a body to (64 MiB). */
export const DEFAULT_MAX_DECOMPRESSED_SIZE = 64 * 1024 * 1024;

interface Lz4Package {
  compress(input: Uint8Array): Uint8Array;
}
interface ZstdPackage {
  readonly isLoaded: Promise<boolean>;
  compress(input: Uint8Array, level?: number): Uint8Array;
}

/** lz4-wasm-nodejs's `compress` is a block prefixed with its uncompressed size (4 bytes LE): the block follows it. */
const lz4Block = (codec: Lz4Package) => (input: Uint8Array): Uint8Array => codec.compress(input).subarray(4);
const lz4Codec = (): Lz4Package => loadOptionalPackage<Lz4Package>(OptionalPackage.LZ4, 'LZ4 compression');
const zstdCodec = (): ZstdPackage => loadOptionalPackage<ZstdPackage>(OptionalPackage.ZSTD_COMPRESS, 'ZSTD compression');

/**
 * Loads the package that compressing with `type` needs, so that a missing one fails when the producer is created
 * rather than at its first large send. ZLIB needs none.
 * @param type - the codec
 * @throws MQClientError `RMQ_ERR_UNSUPPORTED_COMPRESSION` naming the package to install
 * @internal
 */
export function requireCompressor(type: CompressionType): void {
  if (type === 'LZ4') lz4Codec();
  else if (type === 'ZSTD') {
    void zstdCodec().isLoaded;
    resolveOptionalPackage(OptionalPackage.ZSTD_COMPRESS, 'ZSTD compression');
  }
}

/**
 * Compresses a body as the Java client does, on the calling thread. Set {@link compressionSysFlag}`(type)` in the
 * header's sysFlag. ZSTD is only available through {@link compressBodyAsync} (its WebAssembly module loads
 * asynchronously).
 *
 * @param body - the original body
 * @param level - zlib level −1…9 (LZ4 has no level, as in Java)
 * @param type - the codec
 * @defaultValue level `5`, type `'ZLIB'`
 * @returns the compressed bytes (a new buffer; `body` is untouched)
 * @throws MQClientError `RMQ_ERR_UNSUPPORTED_COMPRESSION` when the LZ4 package is not installed
 * @example
 * ```ts
 * const bytes = compressBody(body); // bytes[0] === 0x78, bytes[1] === 0x5e
 * ```
 */
export function compressBody(body: Uint8Array, level: number = DEFAULT_COMPRESS_LEVEL, type: 'ZLIB' | 'LZ4' = 'ZLIB'): Buffer {
  if (type === 'LZ4') return encodeLz4Frame(body, lz4Block(lz4Codec()));
  return deflateSync(body, { level });
}

/**
 * {@link compressBody} for bodies that should not hold up the event loop: ZLIB deflates on worker threads, in
 * batches (see `deflate-workers.ts`), and ZSTD on a worker thread of its own (same bytes as on the calling thread);
 * LZ4 runs on the calling thread (its WebAssembly codec takes about as long as a hand-off would).
 * @param body - the original body
 * @param level - zlib level −1…9, or ZSTD level 1…22 (LZ4 has no level)
 * @param type - the codec
 * @defaultValue level `5`, type `'ZLIB'`
 * @returns the compressed bytes
 * @throws MQClientError `RMQ_ERR_UNSUPPORTED_COMPRESSION` (rejects) when the codec's package is not installed
 */
export async function compressBodyAsync(
  body: Uint8Array,
  level: number = DEFAULT_COMPRESS_LEVEL,
  type: CompressionType = 'ZLIB',
): Promise<Buffer> {
  if (type === 'ZLIB') return deflateOffLoop(body, level);
  if (type === 'LZ4') return compressBody(body, level, 'LZ4');
  zstdWorkers ??= new ZstdWorkerPool(resolveOptionalPackage(OptionalPackage.ZSTD_COMPRESS, 'ZSTD compression'));
  return zstdWorkers.compress(body, level);
}

let zstdWorkers: ZstdWorkerPool | undefined;

/**
 * ZSTD on the calling thread, once its WebAssembly module has loaded (a sync send's compression, as Java's).
 * @param body - the original body
 * @param level - ZSTD level 1…22
 * @returns the zstd frame
 * @internal
 */
export async function compressZstdHere(body: Uint8Array, level: number = DEFAULT_COMPRESS_LEVEL): Promise<Buffer> {
  const codec = zstdCodec();
  await codec.isLoaded;
  const bytes = codec.compress(body, level);
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Options of {@link decompressBody}. */
export interface DecompressOptions {
  /**
   * The most bytes the body may decompress to; a body that would inflate further fails with
   * `RMQ_ERR_DECOMPRESSED_TOO_LARGE` before that much memory is taken.
   * @defaultValue {@link DEFAULT_MAX_DECOMPRESSED_SIZE} (64 MiB)
   */
  readonly maxBodySize?: number;
}

/**
 * Decompresses a body according to the compression type in its `sysFlag`, as a Java consumer does
 * (`MessageSysFlag.getCompressionType`): type 0 (clients before 4.9.4) or 0x300 → ZLIB, 0x100 → LZ4, 0x200 → ZSTD.
 *
 * @param body - the stored/sent bytes
 * @param sysFlag - the message's sysFlag; if the COMPRESSED bit is clear the body is returned unchanged
 * @param options - output limit
 * @defaultValue sysFlag `COMPRESSED | COMPRESSION_ZLIB` of {@link SysFlag} (a zlib body)
 * @returns the original body
 * @throws MQClientError `RMQ_ERR_DECOMPRESS_FAILED` for corrupt data, `RMQ_ERR_DECOMPRESSED_TOO_LARGE` past
 * `maxBodySize`, `RMQ_ERR_UNSUPPORTED_COMPRESSION` for an unknown type or a ZSTD body without the `fzstd` package
 * @example
 * ```ts
 * const original = decompressBody(stored.body, stored.sysFlag);
 * ```
 */
export function decompressBody(body: Uint8Array, sysFlag: number = COMPRESSED_ZLIB_SYSFLAG, options: DecompressOptions = {}): Buffer {
  if ((sysFlag & SysFlag.COMPRESSED) === 0) {
    return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  const limit = options.maxBodySize ?? DEFAULT_MAX_DECOMPRESSED_SIZE;
  if (!Number.isSafeInteger(limit) || limit < 0) {
    throw new MQClientError(`maxBodySize must be a non-negative integer, got ${String(limit)}`, -1, {
      code: 'RMQ_ERR_INVALID_ARGUMENT',
    });
  }
  const type = sysFlag & SysFlag.COMPRESSION_TYPE_MASK;
  if (type === SysFlag.COMPRESSION_LZ4) return decodeLz4Frames(body, limit);
  if (type === SysFlag.COMPRESSION_ZSTD) {
    const decoder = loadOptionalPackage<ZstdStreamDecoder>(OptionalPackage.ZSTD_DECOMPRESS, 'ZSTD decompression');
    return decodeZstdFrames(body, limit, decoder);
  }
  if (type !== 0 && type !== SysFlag.COMPRESSION_ZLIB) {
    throw new MQClientError(`The body is compressed with an unknown compression type 0x${type.toString(16)}.`, -1, {
      code: MessageErrorCode.UNSUPPORTED_COMPRESSION,
    });
  }
  try {
    return inflateSync(body, { maxOutputLength: Math.max(1, limit) });
  } catch (cause) {
    if ((cause as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(limit);
    throw new MQClientError('The compressed body is not valid zlib data.', -1, {
      code: MessageErrorCode.DECOMPRESS_FAILED,
      cause,
    });
  }
}
