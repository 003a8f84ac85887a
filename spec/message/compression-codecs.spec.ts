/**
 * LZ4 and ZSTD bodies against the Java client's codecs: the frames in spec/fixtures/compression-java/ were written by
 * lz4-java 1.8.0 (`LZ4FrameOutputStream`) and zstd-jni 1.5.2 (`ZstdOutputStream`, level 5) exactly as RocketMQ's
 * `Lz4Compressor` / `ZstdCompressor` call them (write, flush, close), plus frames from the lz4 1.9.4 and zstd 1.5.4
 * command-line tools for the optional features (checksums, content size, dependent blocks).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import * as fzstd from 'fzstd';
import { RocketMQError } from '../../src/errors.js';
import {
  compressBody,
  compressBodyAsync,
  compressionSysFlag,
  decompressBody,
  SysFlag,
} from '../../src/message/compression.js';
import { decodeLz4Frames, LZ4_FRAME_BLOCK_SIZE, xxh32 } from '../../src/message/lz4-frame.js';
import { loadOptionalPackage, MissingCompressionPackageError } from '../../src/message/optional-package.js';
import { checkZstdFrames } from '../../src/message/zstd-frame.js';
import { ZstdWorkerPool } from '../../src/message/zstd-workers.js';
import { compressZstdHere } from '../../src/message/compression.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../fixtures/compression-java/${name}`, import.meta.url));
const codeIs = (code: string) => (err: unknown): boolean => err instanceof RocketMQError && err.code === code;
const LZ4 = compressionSysFlag('LZ4');
const ZSTD = compressionSysFlag('ZSTD');

const text16k = fixture('text16k.input.bin');
const random5k = fixture('random5k.input.bin');
/** The input of big4m.*: text16k repeated to 4 MiB + 100 bytes (two LZ4 blocks). */
const big4m = Buffer.alloc(4 * 1024 * 1024 + 100);
for (let i = 0; i < big4m.length; i++) big4m[i] = text16k[i % text16k.length]!;

/** Splits an LZ4 frame of lz4-java's default shape into its header, its block words and its end mark. */
function lz4Blocks(frame: Buffer): { header: Buffer; blocks: { word: number; data: Buffer }[]; end: Buffer } {
  const blocks: { word: number; data: Buffer }[] = [];
  let ip = 7;
  for (;;) {
    const word = frame.readUInt32LE(ip);
    if (word === 0) break;
    const size = word & 0x7fffffff;
    blocks.push({ word, data: frame.subarray(ip + 4, ip + 4 + size) });
    ip += 4 + size;
  }
  return { header: frame.subarray(0, 7), blocks, end: frame.subarray(ip) };
}

describe('compression types (sysFlag bits as the 4.9.4+ / 5.x Java client sets them)', () => {
  it('LZ4 0x101, ZSTD 0x201, ZLIB 0x301; an unknown type is refused', () => {
    assert.equal(compressionSysFlag('LZ4'), 0x101);
    assert.equal(compressionSysFlag('ZSTD'), 0x201);
    assert.equal(compressionSysFlag('ZLIB'), 0x301);
    assert.equal(compressionSysFlag('ZLIB') & SysFlag.COMPRESSION_TYPE_MASK, SysFlag.COMPRESSION_ZLIB);
    assert.throws(() => decompressBody(compressBody(text16k), 0x401), codeIs('RMQ_ERR_UNSUPPORTED_COMPRESSION'));
  });
});

describe('xxh32 (the LZ4 frame checksum)', () => {
  it('matches the reference vectors and the descriptor checksum lz4-java writes', () => {
    assert.equal(xxh32(Buffer.from('')), 0x02cc5d05);
    assert.equal(xxh32(Buffer.from('a')), 0x550d7456);
    assert.equal(xxh32(Buffer.from('abc')), 0x32d153ff);
    // HC of FLG 0x60, BD 0x70 is the 7th byte of every frame lz4-java writes with its defaults.
    assert.equal((xxh32(Buffer.from([0x60, 0x70])) >>> 8) & 0xff, fixture('text16k.lz4')[6]);
    // Block and content checksums of a real lz4 CLI frame verify (the decoder checks them).
    assert.deepEqual(decodeLz4Frames(fixture('text16k.checksums.lz4'), 1 << 20), text16k);
  });
});

describe('LZ4 frames as lz4-java writes them', () => {
  it('our frame has lz4-java\'s header, block words and end mark byte for byte', () => {
    for (const [input, name] of [
      [text16k, 'text16k'],
      [random5k, 'random5k'],
      [big4m, 'big4m'],
    ] as const) {
      const ours = lz4Blocks(compressBody(input, 5, 'LZ4'));
      const java = lz4Blocks(fixture(`${name}.lz4`));
      assert.deepEqual(ours.header, java.header, `${name}: 04 22 4D 18 60 70 73`);
      assert.deepEqual([...ours.header], [0x04, 0x22, 0x4d, 0x18, 0x60, 0x70, 0x73]);
      assert.equal(ours.blocks.length, java.blocks.length, `${name}: one block per 4 MiB`);
      ours.blocks.forEach((block, i) => {
        assert.equal(block.word >>> 31, java.blocks[i]!.word >>> 31, `${name}: same stored/compressed choice`);
      });
      assert.deepEqual(ours.end, Buffer.alloc(4), `${name}: end mark only, no content checksum`);
    }
  });

  it('an incompressible body gives lz4-java\'s exact frame (a stored block, size | 0x80000000)', () => {
    assert.deepEqual(compressBody(random5k, 5, 'LZ4'), fixture('random5k.lz4'));
  });

  it('decodes lz4-java\'s frames, and ours decode to the original', () => {
    assert.deepEqual(decompressBody(fixture('text16k.lz4'), LZ4), text16k);
    assert.deepEqual(decompressBody(fixture('random5k.lz4'), LZ4), random5k);
    assert.deepEqual(decompressBody(fixture('big4m.lz4'), LZ4), big4m);
    assert.deepEqual(decompressBody(compressBody(big4m, 5, 'LZ4'), LZ4), big4m);
    const blocks = lz4Blocks(compressBody(big4m, 5, 'LZ4')).blocks;
    assert.equal(blocks.length, Math.ceil(big4m.length / LZ4_FRAME_BLOCK_SIZE));
  });

  it('decodes dependent blocks, content size, checksums, concatenated and skippable frames (lz4 CLI)', () => {
    assert.deepEqual(decodeLz4Frames(fixture('mixed300k.dependent.lz4'), 1 << 20), fixture('mixed300k.input.bin'));
    const skippable = Buffer.from([0x50, 0x2a, 0x4d, 0x18, 3, 0, 0, 0, 1, 2, 3]);
    const joined = Buffer.concat([fixture('text16k.lz4'), skippable, fixture('random5k.lz4')]);
    assert.deepEqual(decodeLz4Frames(joined, 1 << 20), Buffer.concat([text16k, random5k]));
  });

  it('round-trips any body', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 64 }), (bytes, repeat) => {
        const body = Buffer.concat(Array.from({ length: repeat }, () => Buffer.from(bytes)));
        assert.deepEqual(decompressBody(compressBody(body, 5, 'LZ4'), LZ4), body);
      }),
      { numRuns: 100 },
    );
  });
});

describe('ZSTD frames as zstd-jni writes them', () => {
  it('decodes zstd-jni\'s streaming frames (no content size, window descriptor, empty last block)', () => {
    const java = fixture('text16k.zst');
    assert.equal(java[4], 0x00, 'FHD: no content size, not single-segment, no checksum');
    assert.deepEqual([...java.subarray(-3)], [0x01, 0x00, 0x00], 'flush() then close(): an empty last raw block');
    assert.deepEqual(decompressBody(java, ZSTD), text16k);
    assert.deepEqual(decompressBody(fixture('random5k.zst'), ZSTD), random5k);
    assert.deepEqual(decompressBody(fixture('big4m.zst'), ZSTD), big4m);
    assert.deepEqual(decompressBody(fixture('text16k.checksum.zst'), ZSTD), text16k);
  });

  it('our frames are standard zstd frames at the configured level that another decoder reads', async () => {
    for (const body of [text16k, random5k, big4m]) {
      const ours = await compressBodyAsync(body, 5, 'ZSTD');
      assert.deepEqual([...ours.subarray(0, 4)], [0x28, 0xb5, 0x2f, 0xfd]);
      assert.equal(ours[4]! & 0x0b, 0, 'no dictionary id, reserved bit clear');
      assert.deepEqual(Buffer.from(fzstd.decompress(ours)), body);
      assert.deepEqual(decompressBody(ours, ZSTD), body);
    }
    const fast = await compressBodyAsync(text16k, 1, 'ZSTD');
    const strong = await compressBodyAsync(text16k, 19, 'ZSTD');
    assert.ok(strong.length < fast.length, 'the level reaches the codec');
  });

  it('async ZSTD runs on worker threads with the same bytes as on the calling thread; a dead worker is a typed error', async () => {
    for (const level of [1, 5, 19]) {
      const [off, here] = await Promise.all([compressBodyAsync(big4m, level, 'ZSTD'), compressZstdHere(big4m, level)]);
      assert.deepEqual(off, here, `level ${level}`);
    }
    const crashing = new ZstdWorkerPool(fileURLToPath(new URL('../helpers/crashing-zstd-codec.cjs', import.meta.url)), 1);
    for (let i = 0; i < 2; i++) {
      await assert.rejects(crashing.compress(text16k, 5), codeIs('RMQ_ERR_COMPRESS_FAILED'));
    }
  });

  it('round-trips any body', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 1, max: 22 }), async (bytes, level) => {
        const body = Buffer.from(bytes);
        assert.deepEqual(decompressBody(await compressBodyAsync(body, level, 'ZSTD'), ZSTD), body);
      }),
      { numRuns: 60 },
    );
  });
});

describe('corrupt and hostile bodies: typed errors, bounded memory', () => {
  const failed = codeIs('RMQ_ERR_DECOMPRESS_FAILED');
  const tooLarge = codeIs('RMQ_ERR_DECOMPRESSED_TOO_LARGE');

  it('a declared size is checked, never allocated', () => {
    // LZ4 frame with FLG content-size and a declared size of 2^40.
    const header = Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x68, 0x70, 0, 0, 0, 0, 0, 1, 0, 0, 0]);
    header[14] = (xxh32(header, 4, 14) >>> 8) & 0xff;
    assert.throws(() => decompressBody(Buffer.concat([header, Buffer.alloc(4)]), LZ4), tooLarge);
    // ZSTD frame, single segment, 8-byte content size 2^40.
    const zstd = Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0xe0, 0, 0, 0, 0, 0, 1, 0, 0, 0x01, 0, 0]);
    assert.throws(() => decompressBody(zstd, ZSTD), tooLarge);
    // ZSTD window of 2^41 (descriptor 0xf8).
    assert.throws(() => checkZstdFrames(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x00, 0xf8, 0x01, 0, 0]), 1 << 20), failed);
  });

  it('a body that inflates past maxBodySize stops there, for every codec', async () => {
    const zeros = Buffer.alloc(1 << 20);
    const limit = { maxBodySize: 100_000 };
    assert.throws(() => decompressBody(deflateSync(zeros), 0x301, limit), tooLarge);
    assert.throws(() => decompressBody(compressBody(zeros, 5, 'LZ4'), LZ4, limit), tooLarge);
    const zstdZeros = await compressBodyAsync(zeros, 5, 'ZSTD');
    assert.throws(() => decompressBody(zstdZeros, ZSTD, limit), tooLarge);
    assert.equal(decompressBody(deflateSync(zeros), 0x301, { maxBodySize: zeros.length }).length, zeros.length);
  });

  it('any mutation of a valid body decodes or fails with a typed error', async () => {
    const frames = [
      [compressBody(text16k, 5, 'LZ4'), LZ4],
      [fixture('text16k.checksums.lz4'), LZ4],
      [fixture('text16k.zst'), ZSTD],
      [await compressBodyAsync(text16k, 5, 'ZSTD'), ZSTD],
      [deflateSync(text16k), 0x301],
    ] as const;
    const typed = (error: unknown): boolean => failed(error) || tooLarge(error);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: frames.length - 1 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        fc.nat(),
        (which, edits, cut) => {
          const [frame, flag] = frames[which]!;
          const bytes = Buffer.from(frame);
          for (const [at, value] of edits) bytes[at % bytes.length] = value;
          const input = cut % 3 === 0 ? bytes.subarray(0, cut % bytes.length) : bytes;
          try {
            decompressBody(input, flag, { maxBodySize: 1 << 20 });
          } catch (error) {
            assert.ok(typed(error), `typed error expected, got ${String(error)}`);
          }
        },
      ),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400) },
    );
    for (const flag of [LZ4, ZSTD, 0x301]) {
      assert.throws(() => decompressBody(Buffer.alloc(0), flag), failed);
      assert.throws(() => decompressBody(Buffer.from('not compressed at all'), flag), failed);
    }
  });
});

describe('optional packages', () => {
  it('a missing package is RMQ_ERR_UNSUPPORTED_COMPRESSION naming the package', () => {
    assert.throws(() => loadOptionalPackage('rocketmq-rx-no-such-codec', 'LZ4 compression'), (error: unknown) => {
      return (
        codeIs('RMQ_ERR_UNSUPPORTED_COMPRESSION')(error) &&
        error instanceof MissingCompressionPackageError &&
        error.packageName === 'rocketmq-rx-no-such-codec'
      );
    });
    const broken = (): never => {
      throw new Error('wasm failed to instantiate');
    };
    assert.throws(() => loadOptionalPackage('lz4-wasm-nodejs', 'LZ4 compression', broken), codeIs('RMQ_ERR_UNSUPPORTED_COMPRESSION'));
  });
});
