import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import fc from 'fast-check';
import { DeflatePool, deflateOffLoop } from '../../src/message/deflate-pool.js';

const text = (bytes: number): Buffer =>
  Buffer.from(Array.from({ length: Math.ceil(bytes / 12) }, (_, i) => `"k${i % 211}":${i % 997},`).join('').slice(0, bytes));

describe('deflate pool (long-lived zlib contexts)', () => {
  it('gives the bytes of deflateSync at every level, body after body on one reused context', async () => {
    for (let level = -1; level <= 9; level++) {
      const pool = new DeflatePool(level, 1);
      for (const body of [text(16384), Buffer.alloc(0), text(5000), randomBytes(3000), text(1)]) {
        assert.deepEqual(await pool.deflate(body), deflateSync(body, { level }), `level ${level}, ${body.length} B`);
      }
    }
  });

  it('any body, any level, many at once on fewer contexts: each result is its own body’s deflateSync', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.oneof(fc.uint8Array({ maxLength: 3000 }), fc.integer({ min: 0, max: 40000 }).map(text), fc.integer({ min: 60000, max: 140000 }).map(text)), { minLength: 1, maxLength: 24 }),
        fc.integer({ min: -1, max: 9 }),
        fc.integer({ min: 1, max: 3 }),
        async (bodies, level, size) => {
          const pool = new DeflatePool(level, size);
          const outputs = await Promise.all(bodies.map((body) => pool.deflate(body)));
          // Compared without printing megabytes of bodies when a case fails.
          const differing = outputs.flatMap((out, i) => (out.equals(deflateSync(bodies[i]!, { level })) ? [] : [i]));
          assert.deepEqual(differing, [], `level ${level}, pool of ${size}, body lengths ${bodies.map((b) => b.length).join(', ')}`);
        },
      ),
      { numRuns: 40 },
    );
  });

  it('reuses contexts for bodies of equal or growing length, and takes a fresh one for a shorter body', async () => {
    const pool = new DeflatePool(5, 2);
    const body = text(16384);
    const expected = deflateSync(body, { level: 5 });
    for (let round = 0; round < 10; round++) {
      const outputs = await Promise.all(Array.from({ length: 8 }, () => pool.deflate(body)));
      for (const out of outputs) assert.deepEqual(out, expected);
    }
    assert.equal(pool.created, 2);
    const longer = text(20000);
    assert.deepEqual(await pool.deflate(longer), deflateSync(longer, { level: 5 }));
    assert.equal(pool.created, 2);
    // Shorter than what both contexts have seen: a fresh context (a reused one could end differently), same bytes.
    const shorter = text(16000);
    assert.deepEqual(await pool.deflate(shorter), deflateSync(shorter, { level: 5 }));
    assert.equal(pool.created, 3);
    // A body that fills the whole window first may reuse any context.
    const whole = text(70000);
    assert.deepEqual(await pool.deflate(whole), deflateSync(whole, { level: 5 }));
    assert.equal(pool.created, 3);
  });

  it('level 0 (stored blocks, cut by the output space): a fresh context per body, the bytes of deflateSync', async () => {
    const pool = new DeflatePool(0, 2);
    const bodies = [text(140000), text(30000), text(140000), randomBytes(70000), text(16384)];
    const outputs = await Promise.all(bodies.map((body) => pool.deflate(body)));
    outputs.forEach((out, i) => assert.ok(out.equals(deflateSync(bodies[i]!, { level: 0 })), `body ${i}`));
    assert.equal(pool.created, bodies.length);
  });

  it('a body whose output spans several output buffers (incompressible 300 KiB) is whole and exact', async () => {
    const pool = new DeflatePool(5, 2);
    const big = randomBytes(300 * 1024);
    const small = text(16384);
    const [a, b, c] = await Promise.all([pool.deflate(small), pool.deflate(big), pool.deflate(small)]);
    assert.deepEqual(b, deflateSync(big, { level: 5 }));
    assert.deepEqual(a, deflateSync(small, { level: 5 }));
    assert.deepEqual(c, a);
  });

  it('reads the body only: the caller’s bytes are unchanged, and a result is not a view of them', async () => {
    const body = text(20000);
    const copy = Buffer.from(body);
    const out = await deflateOffLoop(body, 5);
    assert.deepEqual(body, copy);
    assert.notEqual(out.buffer, body.buffer);
    assert.deepEqual([...out.subarray(0, 2)], [0x78, 0x5e]);
  });

  it('results are independent: a later body does not overwrite an earlier result', async () => {
    const pool = new DeflatePool(5, 1);
    const first = await pool.deflate(text(16384));
    const snapshot = Buffer.from(first);
    for (let i = 0; i < 40; i++) await pool.deflate(randomBytes(4000));
    assert.deepEqual(first, snapshot);
  });

  it('a backlog that never empties (more than a thousand bodies queued in turn): every body gets its own bytes', async () => {
    const pool = new DeflatePool(5, 1);
    const total = 3000;
    const bodyOf = (i: number): Buffer => Buffer.from(`body ${i} `.padEnd(300, String.fromCharCode(97 + (i % 26))));
    let started = 0;
    const mismatches: number[] = [];
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      const start = (): void => {
        const i = started++;
        pool.deflate(bodyOf(i)).then((out) => {
          if (!out.equals(deflateSync(bodyOf(i), { level: 5 }))) mismatches.push(i);
          if (++done === total) resolve();
          else if (started < total) start();
        }, reject);
      };
      for (let i = 0; i < 64; i++) start();
    });
    assert.deepEqual(mismatches, []);
    assert.equal(pool.created, 1);
  });

  it('a context that cannot be created rejects each waiting body instead of hanging', async () => {
    const pool = new DeflatePool(42, 1);
    const results = await Promise.allSettled([pool.deflate(text(100)), pool.deflate(text(100))]);
    for (const result of results) {
      assert.equal(result.status, 'rejected');
      assert.equal((result.reason as { code?: string }).code, 'ERR_OUT_OF_RANGE');
    }
  });
});
