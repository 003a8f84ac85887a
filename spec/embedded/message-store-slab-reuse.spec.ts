import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MessageStore } from '../../src/embedded/message-store.js';

test('message store: kept records and handed-out records survive slab reuse', () => {
  let s = 12345;
  const r = (): number => ((s = (s * 1103515245 + 12345) >>> 0) / 0x100000000);
  for (const [maxMessages, maxBytes] of [[3, Infinity], [50, 600_000], [1, Infinity], [1000, 300_000]] as const) {
    const store = new MessageStore('127.0.0.1:10911', maxMessages, maxBytes);
    const handedOut: { record: Buffer; copy: Buffer }[] = [];
    const bodyOf = (n: number, size: number): Buffer => Buffer.alloc(size, n & 0xff);
    const sizes = new Map<number, number>();
    for (let n = 0; n < 3000; n++) {
      const size = r() < 0.02 ? 300_000 : r() < 0.2 ? 40_000 : 1 + Math.floor(r() * 2000);
      const put = store.put({ topic: 'T', queueId: 0, flag: 0, sysFlag: 0, bornTimestamp: n, bornHost: '127.0.0.1:5000', reconsumeTimes: 0, body: bodyOf(n, size), properties: 'K\u0001' + n });
      sizes.set(n, size);
      if (r() < 0.1) {
        const record = store.recordAt(put.commitLogOffset)!;
        handedOut.push({ record, copy: Buffer.from(record) });
      }
      if (r() < 0.05) {
        for (const m of store.messages()) {
          const k = m.bornTimestamp;
          assert.deepEqual(m.body, bodyOf(k, sizes.get(k)!), `message ${k} at step ${n}`);
          assert.equal(m.properties['K'], String(k));
        }
      }
      if (r() < 0.002) store.clear();
    }
    for (const { record, copy } of handedOut) assert.ok(record.equals(copy));
  }
});
