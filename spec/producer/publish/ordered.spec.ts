import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { from, lastValueFrom, toArray } from 'rxjs';
import type { EmbeddedCluster } from '../../../src/embedded/index.js';
import type { Message, MessageQueue } from '../../../src/message/message.js';
import type { Producer } from '../../../src/producer/producer.js';
import { javaHashCode, javaStringHashCode, selectByHash, selectByRandom } from '../../../src/producer/queue-selector.js';
import { SEND_V2, countRequests, startCluster, startProducer, stopAll, unique } from '../cluster-fixture.js';

const KEYS = ['order-1', 'order-2', 'order-3', 'order-4', 'order-5', 'order-6', 'order-7', 'order-8'];

/** Stored messages of a topic grouped by their `key` property, each list in store order. */
function storedByKey(cluster: EmbeddedCluster, topic: string): Map<string, { queue: string; seq: number }[]> {
  const byKey = new Map<string, { queue: string; seq: number }[]>();
  for (const broker of cluster.brokers) {
    const stored = broker.messages({ topic }).sort((a, b) => a.queueId - b.queueId || a.queueOffset - b.queueOffset);
    for (const m of stored) {
      const key = m.properties['key']!;
      const list = byKey.get(key) ?? [];
      list.push({ queue: `${broker.name}/${m.queueId}`, seq: Number(m.body.toString()) });
      byKey.set(key, list);
    }
  }
  return byKey;
}

describe('ordered sends', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  before(async () => {
    cluster = await startCluster({ maxStoredMessages: 100_000 });
    producer = await startProducer(cluster);
  });
  after(stopAll);

  it('javaStringHashCode matches Java String.hashCode', () => {
    assert.equal(javaStringHashCode(''), 0);
    assert.equal(javaStringHashCode('a'), 97);
    assert.equal(javaStringHashCode('hello'), 99162322);
    assert.equal(javaStringHashCode('OrderID188'), -1566895736);
    assert.equal(javaStringHashCode('polygenelubricants'), -2147483648);
    assert.equal(javaHashCode(42), 42);
    assert.equal(javaHashCode(-7), -7);
    assert.equal(javaHashCode(2 ** 32 + 5), 4); // Long.hashCode: (int)(v ^ v >>> 32)
    assert.equal(javaHashCode(true), 1231);
  });

  it('selectByHash is |hash % size| and never out of range; selectByRandom picks one of the queues', () => {
    const queues: MessageQueue[] = Array.from({ length: 8 }, (_, queueId) => ({ topic: 'T', brokerName: 'b', queueId }));
    const message = { topic: 'T', body: 'x' };
    assert.equal(selectByHash(queues, message, 'OrderID188').queueId, Math.abs(-1566895736 % 8));
    assert.equal(selectByHash(queues, message, 'polygenelubricants').queueId, 0);
    assert.equal(selectByHash(queues, message, -9).queueId, 1);
    for (let i = 0; i < 50; i++) assert.ok(queues.includes(selectByRandom(queues)));
  });

  it('selectByHash with 8 keys × 1,000 messages: every key on one queue, in send order', async () => {
    const topic = unique('OrderedHash');
    const sends: Promise<unknown>[] = [];
    // Each key's messages are sent one after another (as an ordered producer must); the keys interleave.
    for (const key of KEYS) {
      sends.push(
        (async () => {
          for (let seq = 0; seq < 1000; seq++) {
            await producer.send({ topic, body: String(seq), properties: { key } }, { selector: selectByHash, arg: key });
          }
        })(),
      );
    }
    await Promise.all(sends);
    const byKey = storedByKey(cluster, topic);
    assert.equal(byKey.size, 8);
    for (const [key, list] of byKey) {
      assert.equal(list.length, 1000, key);
      assert.equal(new Set(list.map((m) => m.queue)).size, 1, `${key} on one queue`);
      assert.deepEqual(
        list.map((m) => m.seq),
        list.map((_, i) => i),
        `${key} in send order`,
      );
    }
  });

  it('publish({ orderBy }) keeps per-key order (one queue per key) while keys run in parallel', async () => {
    const topic = unique('OrderedPublish');
    const input: Message[] = [];
    for (let seq = 0; seq < 500; seq++) for (const key of KEYS) input.push({ topic, body: String(seq), properties: { key } });
    let maxInflight = 0;
    const outcomes = await lastValueFrom(
      from(input).pipe(
        producer.publish({ orderBy: (m) => m.properties!['key']!, maxInFlight: 64 }),
        toArray(),
      ),
    );
    maxInflight = producer.inflightCount;
    assert.equal(outcomes.length, 4000);
    assert.ok(outcomes.every((o) => o.ok));
    assert.equal(maxInflight, 0);
    const byKey = storedByKey(cluster, topic);
    for (const [key, list] of byKey) {
      assert.equal(list.length, 500);
      assert.equal(new Set(list.map((m) => m.queue)).size, 1, `${key} on one queue`);
      assert.deepEqual(
        list.map((m) => m.seq),
        list.map((_, i) => i),
      );
    }
    // Keys in parallel: more than one send at a time (outcomes of different keys interleave).
    const firstEight = new Set(outcomes.slice(0, 16).map((o) => o.message.properties!['key']));
    assert.ok(firstEight.size > 1);
  });

  it('shardingKey (option or message field) hashes to one queue; { queue } sends to that queue', async () => {
    const topic = unique('Sharding');
    const a = await producer.send({ topic, body: '1', shardingKey: 'user-7' });
    const b = await producer.send({ topic, body: '2' }, { shardingKey: 'user-7' });
    assert.deepEqual(a.messageQueue, b.messageQueue);
    const target = { topic, brokerName: 'broker-b', queueId: 3 };
    for (let i = 0; i < 5; i++) {
      const result = await producer.send({ topic, body: `q${i}` }, { queue: target });
      assert.deepEqual(result.messageQueue, target);
    }
  });

  it('a selector send is not retried on another queue (one attempt, as Java)', async () => {
    const topic = unique('NoRetry');
    await producer.send({ topic, body: 'warm' });
    const broker = cluster.broker('broker-a')!;
    broker.faults.respondWith(14 /* SERVICE_NOT_AVAILABLE */, { requestCode: SEND_V2 });
    const before = countRequests(cluster.brokers, SEND_V2);
    await assert.rejects(producer.send({ topic, body: 'x' }, { queue: { topic, brokerName: 'broker-a', queueId: 0 } }), {
      code: 'RMQ_ERR_BROKER',
    });
    assert.equal(countRequests(cluster.brokers, SEND_V2) - before, 1);
    broker.faults.clear();
  });

  it('a selector that returns no queue fails the send with RMQ_ERR_INVALID_QUEUE', async () => {
    const topic = unique('BadSelector');
    await assert.rejects(
      producer.send({ topic, body: 'x' }, { selector: (() => undefined) as never }),
      { code: 'RMQ_ERR_INVALID_QUEUE' },
    );
  });
});
