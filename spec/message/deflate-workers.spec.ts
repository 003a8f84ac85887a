import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { DeflateWorkerPool, deflateOffLoop } from '../../src/message/deflate-workers.js';

const text = (bytes: number): Buffer =>
  Buffer.from(Array.from({ length: Math.ceil(bytes / 12) }, (_, i) => `"k${i % 211}":${i % 997},`).join('').slice(0, bytes));

/** Indexes of the outputs that differ from `deflateSync` (compared without printing megabytes when a case fails). */
const differing = (bodies: readonly Uint8Array[], outputs: readonly Buffer[], level: number): number[] =>
  outputs.flatMap((out, i) => (out.equals(deflateSync(bodies[i]!, { level })) ? [] : [i]));

describe('deflate workers (batched deflateSync on worker threads)', () => {
  it('gives the bytes of deflateSync at every level, body after body on one worker', async () => {
    const pool = new DeflateWorkerPool(1);
    for (let level = -1; level <= 9; level++) {
      for (const body of [text(16384), Buffer.alloc(0), text(5000), randomBytes(3000), text(1)]) {
        assert.deepEqual(await pool.deflate(body, level), deflateSync(body, { level }), `level ${level}, ${body.length} B`);
      }
    }
    assert.equal(pool.started, 1);
  });

  it('growing, shrinking and alternating body sizes, one at a time and all in one batch: each its own deflateSync', async () => {
    const sizes = [
      ...Array.from({ length: 40 }, (_, i) => 1 + i * 1700), // growing to ~66 KiB
      ...Array.from({ length: 40 }, (_, i) => 68000 - i * 1700), // shrinking
      ...Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? 16384 + i : 300 + i)), // alternating
      4095, 4096, 4097, 16383, 16384, 16385, 65535, 65536, 65537, 70000, 16384, 1,
    ];
    const bodies = sizes.map((size, i) => (i % 5 === 4 ? randomBytes(size) : text(size)));
    for (const level of [5, 1, 9]) {
      const oneByOne = new DeflateWorkerPool(1);
      const outputs: Buffer[] = [];
      for (const body of bodies) outputs.push(await oneByOne.deflate(body, level));
      assert.deepEqual(differing(bodies, outputs, level), [], `level ${level}, one at a time`);
      const together = new DeflateWorkerPool(2);
      assert.deepEqual(differing(bodies, await Promise.all(bodies.map((body) => together.deflate(body, level))), level), [], `level ${level}, at once`);
    }
  });

  it('any bodies, any level, many at once on fewer workers: each result is its own body’s deflateSync', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 40000 }).map(text), fc.integer({ min: 60000, max: 140000 }).map(text)), { minLength: 1, maxLength: 40 }),
        fc.integer({ min: -1, max: 9 }),
        fc.integer({ min: 1, max: 3 }),
        async (bodies, level, size) => {
          const pool = new DeflateWorkerPool(size);
          const outputs = await Promise.all(bodies.map((body) => pool.deflate(body, level)));
          assert.deepEqual(differing(bodies, outputs, level), [], `level ${level}, ${size} workers, body lengths ${bodies.map((b) => b.length).join(', ')}`);
        },
      ),
      { numRuns: 30 },
    );
  });

  it('bodies requested in one turn go out in few batches; different levels may share a batch', async () => {
    const pool = new DeflateWorkerPool(2);
    const bodies = Array.from({ length: 64 }, (_, i) => text(2000 + i * 97));
    const outputs = await Promise.all(bodies.map((body, i) => pool.deflate(body, i % 2 === 0 ? 5 : 9)));
    outputs.forEach((out, i) => assert.ok(out.equals(deflateSync(bodies[i]!, { level: i % 2 === 0 ? 5 : 9 })), `body ${i}`));
    assert.ok(pool.batches <= 4, `${pool.batches} batches for 64 bodies on 2 workers`);
    assert.equal(pool.started, 2);
  });

  it('level 0, incompressible bodies and a body larger than a batch: exact, whole, and in order', async () => {
    const pool = new DeflateWorkerPool(2);
    const bodies = [text(140000), randomBytes(300 * 1024), text(16384), randomBytes(3 * 1024 * 1024), text(30000), randomBytes(70000)];
    for (const level of [0, 5]) {
      const outputs = await Promise.all(bodies.map((body) => pool.deflate(body, level)));
      assert.deepEqual(differing(bodies, outputs, level), [], `level ${level}`);
    }
  });

  it('reads the body only: the caller’s bytes are unchanged, and a result is not a view of them', async () => {
    const body = text(20000);
    const copy = Buffer.from(body);
    const out = await deflateOffLoop(body, 5);
    assert.deepEqual(body, copy);
    assert.notEqual(out.buffer, body.buffer);
    assert.deepEqual([...out.subarray(0, 2)], [0x78, 0x5e]);
  });

  it('results are independent: later batches (through the same shared buffers) do not overwrite earlier results', async () => {
    const pool = new DeflateWorkerPool(1);
    const first = await Promise.all([pool.deflate(text(16384), 5), pool.deflate(text(9000), 5)]);
    const snapshots = first.map((out) => Buffer.from(out));
    for (let i = 0; i < 40; i++) await Promise.all([pool.deflate(randomBytes(4000 + i), 5), pool.deflate(text(50000), 5)]);
    first.forEach((out, i) => assert.deepEqual(out, snapshots[i]));
  });

  it('a backlog that never empties (thousands of bodies queued in turn): every body gets its own bytes', async () => {
    const pool = new DeflateWorkerPool(2);
    const total = 3000;
    const bodyOf = (i: number): Buffer => Buffer.from(`body ${i} `.padEnd(300 + (i % 50), String.fromCharCode(97 + (i % 26))));
    let started = 0;
    const mismatches: number[] = [];
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      const start = (): void => {
        const i = started++;
        pool.deflate(bodyOf(i), 5).then((out) => {
          if (!out.equals(deflateSync(bodyOf(i), { level: 5 }))) mismatches.push(i);
          if (++done === total) resolve();
          else if (started < total) start();
        }, reject);
      };
      for (let i = 0; i < 200; i++) start();
    });
    assert.deepEqual(mismatches, []);
    assert.equal(pool.started, 2);
  });

  it('a level outside −1…9 rejects with RMQ_ERR_COMPRESS_FAILED and starts no worker', async () => {
    const pool = new DeflateWorkerPool(1);
    const results = await Promise.allSettled([pool.deflate(text(100), 42), pool.deflate(text(100), 1.5)]);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.equal((result.reason as { code?: string }).code, 'RMQ_ERR_COMPRESS_FAILED');
    }
    assert.equal(pool.started, 0);
  });

  it('a body the worker fails fails alone (RMQ_ERR_COMPRESS_FAILED); the rest of its batch is delivered', async () => {
    // A worker that fails every body of 13 bytes and answers the others with their length as one byte.
    const source = `
      const { parentPort } = require('node:worker_threads');
      let output = null;
      parentPort.on('message', (batch) => {
        if (batch.output !== undefined) output = new Uint8Array(batch.output);
        const sizes = [], errors = [];
        let at = 0;
        for (const length of batch.lengths) {
          if (length === 13) { sizes.push(-1); errors.push('no'); continue; }
          output[at++] = length; sizes.push(1);
        }
        parentPort.postMessage({ id: batch.id, sizes, errors });
      });`;
    const pool = new DeflateWorkerPool(1, source);
    const results = await Promise.allSettled([7, 13, 9].map((n) => pool.deflate(Buffer.alloc(n), 5)));
    assert.deepEqual(results[0], { status: 'fulfilled', value: Buffer.from([7]) });
    assert.equal(results[1]!.status, 'rejected');
    assert.equal(((results[1] as PromiseRejectedResult).reason as { code?: string }).code, 'RMQ_ERR_COMPRESS_FAILED');
    assert.deepEqual(results[2], { status: 'fulfilled', value: Buffer.from([9]) });
  });

  it('a worker that dies fails its batch with RMQ_ERR_COMPRESS_FAILED, and later bodies get a new worker', async () => {
    // A worker that exits on a batch holding a 13-byte body and otherwise deflates as the real one does.
    const source = `
      const { parentPort } = require('node:worker_threads');
      const { deflateSync } = require('node:zlib');
      let input = null, output = null;
      parentPort.on('message', (batch) => {
        if (batch.input !== undefined) input = batch.input;
        if (batch.output !== undefined) output = new Uint8Array(batch.output);
        if (batch.lengths.includes(13)) process.exit(3);
        const sizes = [];
        let offset = 0, at = 0;
        for (let i = 0; i < batch.lengths.length; i++) {
          const out = deflateSync(new Uint8Array(input, offset, batch.lengths[i]), { level: batch.levels[i] });
          output.set(out, at); at += out.length; offset += batch.lengths[i]; sizes.push(out.length);
        }
        parentPort.postMessage({ id: batch.id, sizes, errors: [] });
      });`;
    const pool = new DeflateWorkerPool(1, source);
    const doomed = await Promise.allSettled([pool.deflate(text(100), 5), pool.deflate(text(13), 5)]);
    for (const result of doomed) {
      assert.equal(result.status, 'rejected');
      assert.equal((result.reason as { code?: string }).code, 'RMQ_ERR_COMPRESS_FAILED');
    }
    const body = text(5000);
    assert.deepEqual(await pool.deflate(body, 5), deflateSync(body, { level: 5 }));
    assert.equal(pool.started, 2);
  });
});
