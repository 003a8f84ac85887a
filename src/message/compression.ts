/**
 * Body compression as the Java client does it (spec §9.5): zlib (RFC 1950) deflate, level 5 by default, which is
 * byte-identical to `java.util.zip.Deflater(5)` + `DeflaterOutputStream` (header `78 5E`).
 */
import { promisify } from 'node:util';
import { deflate, deflateSync, inflateSync } from 'node:zlib';
import { MQClientError } from '../errors.js';
import { MessageErrorCode } from './error-codes.js';

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
  /** Compression type field; 0 (older clients) also means ZLIB. */
  COMPRESSION_TYPE_MASK: 0x700,
  COMPRESSION_LZ4: 0x100,
  COMPRESSION_ZSTD: 0x200,
  COMPRESSION_ZLIB: 0x300,
} as const;

/** sysFlag of a zlib-compressed message from a 4.9.4+ / 5.x client: COMPRESSED | COMPRESSION_ZLIB = 0x301. */
export const COMPRESSED_ZLIB_SYSFLAG = SysFlag.COMPRESSED | SysFlag.COMPRESSION_ZLIB;

/** The Java client's default `rocketmq.message.compressLevel`. */
export const DEFAULT_COMPRESS_LEVEL = 5;

/**
 * Deflates a body in zlib format, as the Java client. Set {@link COMPRESSED_ZLIB_SYSFLAG} in the header's sysFlag.
 *
 * @param body - the original body
 * @param level - zlib level 0–9
 * @defaultValue level `5`
 * @returns the compressed bytes (a new buffer; `body` is untouched)
 * @example
 * ```ts
 * const bytes = compressBody(body); // bytes[0] === 0x78, bytes[1] === 0x5e
 * ```
 */
export function compressBody(body: Uint8Array, level: number = DEFAULT_COMPRESS_LEVEL): Buffer {
  return deflateSync(body, { level });
}

const deflateAsync = promisify(deflate);

/**
 * {@link compressBody} on the libuv thread pool, for large bodies that should not block the event loop.
 * @param body - the original body
 * @param level - zlib level 0–9
 * @returns the compressed bytes
 */
export function compressBodyAsync(body: Uint8Array, level: number = DEFAULT_COMPRESS_LEVEL): Promise<Buffer> {
  return deflateAsync(body, { level });
}

/**
 * Inflates a compressed body according to the compression type in `sysFlag` (0 or 0x300 → zlib).
 *
 * @param body - the stored/sent bytes
 * @param sysFlag - the message's sysFlag; if the COMPRESSED bit is clear the body is returned unchanged
 * @defaultValue sysFlag `COMPRESSED | COMPRESSION_ZLIB` of {@link SysFlag} (a zlib body)
 * @returns the original body
 * @throws MQClientError `RMQ_ERR_UNSUPPORTED_COMPRESSION` for LZ4/ZSTD, `RMQ_ERR_DECOMPRESS_FAILED` for corrupt data
 */
export function decompressBody(body: Uint8Array, sysFlag: number = COMPRESSED_ZLIB_SYSFLAG): Buffer {
  if ((sysFlag & SysFlag.COMPRESSED) === 0) {
    return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  const type = sysFlag & SysFlag.COMPRESSION_TYPE_MASK;
  if (type !== 0 && type !== SysFlag.COMPRESSION_ZLIB) {
    throw new MQClientError(
      `The body is compressed with ${type === SysFlag.COMPRESSION_LZ4 ? 'LZ4' : type === SysFlag.COMPRESSION_ZSTD ? 'ZSTD' : `type 0x${type.toString(16)}`}, ` +
        'which rocketmq-rx does not decode; send with the ZLIB compress type.',
      -1,
      { code: MessageErrorCode.UNSUPPORTED_COMPRESSION },
    );
  }
  try {
    return inflateSync(body);
  } catch (cause) {
    throw new MQClientError('The compressed body is not valid zlib data.', -1, {
      code: MessageErrorCode.DECOMPRESS_FAILED,
      cause,
    });
  }
}
