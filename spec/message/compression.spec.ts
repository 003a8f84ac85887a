import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import fc from 'fast-check';
import { RocketMQError } from '../../src/errors.js';
import {
  COMPRESSED_ZLIB_SYSFLAG,
  compressBody,
  compressBodyAsync,
  decompressBody,
  DEFAULT_COMPRESS_LEVEL,
  SysFlag,
} from '../../src/message/compression.js';

const codeIs = (code: string) => (err: unknown): boolean => err instanceof RocketMQError && err.code === code;

describe('compression', () => {
  const sample = Buffer.from(Array.from({ length: 5000 }, (_, i) => `line ${i % 97}\n`).join('').slice(0, 5000));

  it('deflates in zlib format at level 5 (header 78 5E), like java.util.zip.Deflater(5)', () => {
    const compressed = compressBody(sample);
    assert.equal(DEFAULT_COMPRESS_LEVEL, 5);
    assert.deepEqual([...compressed.subarray(0, 2)], [0x78, 0x5e]);
    assert.deepEqual(inflateSync(compressed), sample);
    assert.deepEqual([...compressBody(sample, 9).subarray(0, 2)], [0x78, 0xda]);
    assert.deepEqual([...compressBody(sample, 1).subarray(0, 2)], [0x78, 0x01]);
  });

  it('async variant gives the same bytes', async () => {
    assert.deepEqual(await compressBodyAsync(sample), compressBody(sample));
  });

  it('sysFlag of a compressed message from a 4.9.4+/5.x client is 0x301; with a half message 773', () => {
    assert.equal(COMPRESSED_ZLIB_SYSFLAG, 0x301);
    assert.equal(COMPRESSED_ZLIB_SYSFLAG | SysFlag.TRANSACTION_PREPARED, 773);
    assert.equal(SysFlag.COMPRESSED | SysFlag.TRANSACTION_PREPARED, 5);
  });

  it('decompresses by sysFlag: zlib type 0x300 or 0 (older clients); uncompressed passes through', () => {
    const compressed = compressBody(sample);
    assert.deepEqual(decompressBody(compressed), sample);
    assert.deepEqual(decompressBody(compressed, 0x301), sample);
    assert.deepEqual(decompressBody(compressed, 0x1), sample);
    assert.equal(decompressBody(sample, 0), sample);
  });

  it('refuses unknown types, and zlib bytes flagged LZ4/ZSTD, and corrupt data with stable codes', () => {
    const compressed = compressBody(sample);
    assert.throws(() => decompressBody(compressed, 0x401), codeIs('RMQ_ERR_UNSUPPORTED_COMPRESSION'));
    assert.throws(() => decompressBody(compressed, 0x701), codeIs('RMQ_ERR_UNSUPPORTED_COMPRESSION'));
    assert.throws(() => decompressBody(compressed, 0x101), codeIs('RMQ_ERR_DECOMPRESS_FAILED'));
    assert.throws(() => decompressBody(compressed, 0x201), codeIs('RMQ_ERR_DECOMPRESS_FAILED'));
    assert.throws(() => decompressBody(Buffer.from('not zlib')), codeIs('RMQ_ERR_DECOMPRESS_FAILED'));
    assert.throws(() => decompressBody(compressed.subarray(0, 10)), codeIs('RMQ_ERR_DECOMPRESS_FAILED'));
  });

  it('round-trips any body at any level', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.integer({ min: 0, max: 9 }), (body, level) => {
        assert.deepEqual(decompressBody(compressBody(body, level), COMPRESSED_ZLIB_SYSFLAG), Buffer.from(body));
      }),
      { numRuns: 100 },
    );
  });
});
