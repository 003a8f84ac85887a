import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import { firstValueFrom, of } from 'rxjs';
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

  it('deflates large bodies off the event loop with the same result', async () => {
    const body = Buffer.alloc(300 * 1024, 'c');
    const out = await firstValueFrom(of(queued({ body })).pipe(compress({ ...OPTS, asyncOverBytes: 1024 })));
    assert.deepEqual(inflateSync(out.wireBody), body);
  });
});
