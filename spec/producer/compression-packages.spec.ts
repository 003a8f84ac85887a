/**
 * The optional codec packages missing: a child process where they do not resolve (spec/helpers/hide-codec-packages.cjs)
 * creates producers and decodes bodies through the real loading path.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

const root = fileURLToPath(new URL('../..', import.meta.url));

const script = `
import { Producer, MissingCompressionPackageError, decompressBody } from './src/index.ts';
const attempt = (run) => { try { run(); return 'ok'; } catch (e) { return [e.code, e instanceof MissingCompressionPackageError ? e.packageName : null]; } };
const options = (compressType) => ({ namesrvAddr: '127.0.0.1:9876', compressType });
console.log(JSON.stringify({
  ZLIB: attempt(() => new Producer(options('ZLIB'))),
  LZ4: attempt(() => new Producer(options('LZ4'))),
  ZSTD: attempt(() => new Producer(options('ZSTD'))),
  readZstd: attempt(() => decompressBody(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0x20, 0x00, 0x01, 0x00, 0x00]), 0x201)),
}));
`;

describe('optional codec packages not installed', () => {
  it('new Producer({ compressType }) fails with RMQ_ERR_UNSUPPORTED_COMPRESSION naming the package; ZLIB needs none', () => {
    const out = execFileSync(
      process.execPath,
      ['--require', './spec/helpers/hide-codec-packages.cjs', '--import', 'tsx', '--input-type=module', '-e', script],
      { cwd: root, encoding: 'utf8' },
    );
    assert.deepEqual(JSON.parse(out), {
      ZLIB: 'ok',
      LZ4: ['RMQ_ERR_UNSUPPORTED_COMPRESSION', 'lz4-wasm-nodejs'],
      ZSTD: ['RMQ_ERR_UNSUPPORTED_COMPRESSION', '@foxglove/wasm-zstd'],
      readZstd: ['RMQ_ERR_UNSUPPORTED_COMPRESSION', 'fzstd'],
    });
  });
});
