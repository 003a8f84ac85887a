import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { firstValueFrom, of } from 'rxjs';
import { compressBody, decompressBody } from '../../../src/message/compression.js';
import { compress } from '../../../src/producer/operators/compress.js';
import { queued } from '../context-fixture.js';

const OPTS = { compressMsgBodyOverHowmuch: 4096, compressLevel: 5 };

describe('compress', () => {
  it('compresses a body of exactly compressMsgBodyOverHowmuch bytes and sets sysFlag 0x301', async () => {
    const body = Buffer.alloc(4096, 'a');
    const c = queued({ body });
    const out = await firstValueFrom(of(c).pipe(compress(OPTS)));
    assert.equal(out.sysFlag, 0x301);
    assert.equal(out.wireBody[0], 0x78);
    assert.deepEqual(inflateSync(out.wireBody), body);
    assert.equal(c.message.body, body, 'the caller message keeps its body');
    assert.deepEqual(body, Buffer.alloc(4096, 'a'));
  });

  it('leaves a body one byte shorter alone', async () => {
    const body = Buffer.alloc(4095, 'a');
    const out = await firstValueFrom(of(queued({ body })).pipe(compress(OPTS)));
    assert.equal(out.sysFlag, 0);
    assert.equal(out.wireBody, out.body);
  });

  it('compresses once: a retry reuses the wire body', async () => {
    const c = queued({ body: Buffer.alloc(5000, 'b') });
    const first = await firstValueFrom(of(c).pipe(compress(OPTS)));
    const bytes = first.wireBody;
    const again = await firstValueFrom(of(c).pipe(compress(OPTS)));
    assert.equal(again.wireBody, bytes);
    assert.equal(again.sysFlag, 0x301);
  });

  it('a sync send deflates a body of 256 KiB or more on the thread pool, with the same bytes', async () => {
    const body = Buffer.alloc(300 * 1024, 'c');
    const out = await firstValueFrom(of(queued({ body })).pipe(compress(OPTS)));
    assert.deepEqual(out.wireBody, compressBody(body, 5));
  });

  for (const mode of ['async', 'oneway'] as const) {
    it(`${mode}: deflates on the thread pool, byte-identical to the synchronous (Java-checked) deflate`, async () => {
      const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => `row ${i % 101};`).join(''));
      const c = queued({ body }, mode);
      let emitted = false;
      const done = firstValueFrom(of(c).pipe(compress(OPTS))).then((out) => {
        emitted = true;
        return out;
      });
      assert.equal(emitted, false, 'not compressed on the calling thread');
      const out = await done;
      assert.equal(out.sysFlag, 0x301);
      assert.deepEqual(out.wireBody, compressBody(body, 5));
    });
  }

  it('async: an attempt unsubscribed during compression emits nothing; the next attempt reuses the same bytes', async () => {
    const body = Buffer.alloc(64 * 1024, 'd');
    const c = queued({ body }, 'async');
    const step = compress(OPTS);
    const seen: unknown[] = [];
    const first = of(c).pipe(step).subscribe({ next: (v) => seen.push(v), error: (e) => seen.push(e), complete: () => seen.push('done') });
    first.unsubscribe();
    // A retry that starts while the first compression is still under way waits for it instead of compressing again.
    const retry = await firstValueFrom(of(c).pipe(step));
    const third = await firstValueFrom(of(c).pipe(step));
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.deepEqual(seen, [], 'the cancelled attempt saw nothing');
    assert.equal(retry.wireBody, third.wireBody, 'one buffer: compressed once');
    assert.equal(retry.sysFlag, 0x301, 'the flag is set once');
    assert.deepEqual(inflateSync(retry.wireBody), body);
  });

  it('LZ4 and ZSTD set their sysFlag type bits (0x101, 0x201) and decode back', async () => {
    const body = Buffer.from(Array.from({ length: 3000 }, (_, i) => `row ${i % 101};`).join(''));
    for (const [compressType, flag] of [
      ['LZ4', 0x101],
      ['ZSTD', 0x201],
    ] as const) {
      for (const mode of ['sync', 'async'] as const) {
        const out = await firstValueFrom(of(queued({ body }, mode)).pipe(compress({ ...OPTS, compressType })));
        assert.equal(out.sysFlag, flag, `${compressType} ${mode}`);
        assert.deepEqual(decompressBody(out.wireBody, out.sysFlag), body);
      }
    }
  });

  it('the event loop stays responsive while async sends compress (timer lag vs sync compression, same run)', async () => {
    const bodies = Array.from({ length: 128 }, (_, n) =>
      Buffer.from(Array.from({ length: 12_000 }, (_, i) => `${(i * 7919 + n) % 10007},`).join('')).subarray(0, 200 * 1024),
    );
    const maxTimerLag = async (mode: 'sync' | 'async'): Promise<number> => {
      let worst = 0;
      let last = performance.now();
      const timer = setInterval(() => {
        const now = performance.now();
        worst = Math.max(worst, now - last - 1);
        last = now;
      }, 1);
      await new Promise((resolve) => setTimeout(resolve, 5));
      last = performance.now();
      await Promise.all(bodies.map((body) => firstValueFrom(of(queued({ body }, mode)).pipe(compress({ ...OPTS, compressLevel: 9 })))));
      await new Promise((resolve) => setTimeout(resolve, 5));
      clearInterval(timer);
      return worst;
    };
    const syncLag = await maxTimerLag('sync');
    const asyncLag = await maxTimerLag('async');
    assert.ok(asyncLag < syncLag / 2, `timer lag: async ${asyncLag.toFixed(1)} ms vs sync ${syncLag.toFixed(1)} ms`);
  });
});
