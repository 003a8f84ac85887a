import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MessageStore } from '../../src/embedded/message-store.js';

function put(store: MessageStore, topic: string, queueId: number, body: string) {
  return store.put({
    topic,
    queueId,
    flag: 0,
    sysFlag: 0,
    bornTimestamp: 1700000000000,
    bornHost: '192.168.0.2:54321',
    reconsumeTimes: 0,
    body: Buffer.from(body),
    properties: 'KEYS\x01a b\x02UNIQ_KEY\x01C0A8000230391B6D358647B760000000\x02TAGS\x01TagA',
  }, 1700000000005);
}

describe('MessageStore', () => {
  it('keeps per-queue offsets and a commit-log offset growing by the record size', () => {
    const store = new MessageStore('127.0.0.1:10911', 10);
    const a = put(store, 'T', 0, 'Hello');
    const b = put(store, 'T', 0, 'Hello');
    const c = put(store, 'U', 0, 'Hello');
    assert.deepEqual([a.queueOffset, b.queueOffset, c.queueOffset], [0, 1, 0]);
    // §16(e): the same message is 195 bytes with topic "TopicTest" and a CLUSTER property; here topic "T" and no CLUSTER.
    assert.equal(b.commitLogOffset, a.recordSize);
    assert.equal(c.commitLogOffset, a.recordSize * 2);
    assert.equal(a.msgId, '7F00000100002A9F0000000000000000');
    const [message] = store.messages({ topic: 'U' });
    assert.equal(message!.keys.join(','), 'a,b');
    assert.equal(message!.storeTimestamp, 1700000000005);
    assert.equal(message!.msgId, c.msgId);
  });

  it('is bounded: beyond maxStoredMessages the oldest are dropped, offsets keep growing', () => {
    const store = new MessageStore('127.0.0.1:10911', 3);
    for (let i = 0; i < 5; i++) put(store, 'T', 1, `m${i}`);
    assert.equal(store.size, 3);
    assert.equal(store.droppedCount, 2);
    assert.deepEqual(store.messages({ queueId: 1 }).map((m) => [m.body.toString(), m.queueOffset]), [['m2', 2], ['m3', 3], ['m4', 4]]);
    assert.equal(store.nextQueueOffset('T', 1), 5);
    store.clear();
    assert.equal(store.messages().length, 0);
    assert.equal(put(store, 'T', 1, 'x').queueOffset, 5);
  });

  it('is bounded in bytes too: the oldest records go first, the newest always stays', () => {
    const probe = new MessageStore('127.0.0.1:10911', 10);
    const size = put(probe, 'T', 0, 'aaaa').recordSize;
    const store = new MessageStore('127.0.0.1:10911', 100, size * 2);
    for (let i = 0; i < 4; i++) put(store, 'T', 0, `m${i}xx`);
    assert.deepEqual(store.messages().map((m) => m.body.toString()), ['m2xx', 'm3xx']);
    assert.equal(store.storedBytes, size * 2);
    const tiny = new MessageStore('127.0.0.1:10911', 100, 1);
    put(tiny, 'T', 0, 'big');
    assert.equal(tiny.size, 1);
  });

  it('sets the IPv6 address bits itself (mapped IPv4 clients are stored as IPv4)', () => {
    const store = new MessageStore('127.0.0.1:10911', 10);
    const input = { topic: 'T', queueId: 0, flag: 0, sysFlag: 0x10, bornTimestamp: 1, reconsumeTimes: 0, body: Buffer.from('x'), properties: '' };
    store.put({ ...input, bornHost: '::ffff:127.0.0.1:4000' });
    store.put({ ...input, bornHost: '::1:4001' });
    const [mapped, v6] = store.messages();
    assert.equal(mapped!.bornHost, '127.0.0.1:4000');
    assert.equal(mapped!.sysFlag, 0);
    assert.equal(v6!.sysFlag, 0x10);
  });

  it('keeps its records in order across growing and wrapping around (lookups by offset, filters, the newest)', () => {
    const store = new MessageStore('127.0.0.1:10911', 100);
    const results = [];
    for (let i = 0; i < 250; i++) {
      results.push(put(store, i % 2 === 0 ? 'T' : 'U', i % 3, `m${i}`));
      if (i === 30) assert.equal(store.messages().length, 31);
    }
    const kept = results.slice(150);
    assert.deepEqual(store.messages().map((m) => m.body.toString()), kept.map((_, i) => `m${150 + i}`));
    assert.deepEqual(store.messages().map((m) => m.msgId), kept.map((r) => r.msgId));
    assert.deepEqual(store.messages({ topic: 'U', queueId: 1 }).map((m) => m.body.toString()), ['m151', 'm157', 'm163'].concat(
      Array.from({ length: 250 }, (_, i) => i).filter((i) => i > 163 && i % 2 === 1 && i % 3 === 1).map((i) => `m${i}`),
    ));
    for (const result of kept) assert.equal(store.messageAt(result.commitLogOffset)!.queueOffset, result.queueOffset);
    assert.equal(store.recordAt(results[149]!.commitLogOffset), undefined);
    assert.equal(store.recordAt(results[150]!.commitLogOffset)!.length, results[150]!.recordSize);
    assert.equal(store.newest()!.body.toString(), 'm249');
    assert.equal(store.storedBytes, kept.reduce((sum, r) => sum + r.recordSize, 0));
    store.clear();
    assert.equal(store.newest(), undefined);
    assert.equal(put(store, 'T', 0, 'again').queueOffset, 42);
    assert.deepEqual(store.messages().map((m) => m.body.toString()), ['again']);
  });
  it('reuses the slabs of dropped records without changing a kept record or a record handed out', () => {
    // 8 KiB bodies: a 256 KiB slab holds ~31 records, so 2,000 puts with 50 kept go through many slabs and reuse them.
    const store = new MessageStore('127.0.0.1:10911', 50);
    const bodyOf = (i: number): string => `${i}:`.padEnd(8192, String.fromCharCode(97 + (i % 26)));
    const results: ReturnType<typeof put>[] = [];
    let early: { offset: number; bytes: Buffer; copy: Buffer } | null = null;
    for (let i = 0; i < 2000; i++) {
      results.push(put(store, 'T', 0, bodyOf(i)));
      if (i === 40) {
        const offset = results[10]!.commitLogOffset;
        const bytes = store.recordAt(offset)!;
        early = { offset, bytes, copy: Buffer.from(bytes) };
      }
    }
    // The record handed out before its slab was reused is unchanged (it is a copy), and gone from the store.
    assert.deepEqual(early!.bytes, early!.copy);
    assert.equal(store.recordAt(early!.offset), undefined);
    // Every kept record is the one put, byte for byte (body, offsets, ids).
    const kept = store.messages();
    assert.equal(kept.length, 50);
    kept.forEach((message, k) => {
      const i = 1950 + k;
      assert.equal(message.body.toString(), bodyOf(i));
      assert.equal(message.msgId, results[i]!.msgId);
      assert.equal(message.commitLogOffset, results[i]!.commitLogOffset);
      assert.equal(store.recordAt(message.commitLogOffset)!.length, results[i]!.recordSize);
    });
  });
});
