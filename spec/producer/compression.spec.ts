import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { inflateSync } from 'node:zlib';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import type { Producer } from '../../src/producer/producer.js';
import { SEND_V2, startCluster, startProducer, stopAll, unique } from './cluster-fixture.js';

describe('compression', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  const wireBodies: Buffer[] = [];
  before(async () => {
    cluster = await startCluster();
    producer = await startProducer(cluster, {
      sendMessageHooks: [{ name: 'wire', sendMessageBefore: (c) => void wireBodies.push(c.message.body) }],
    });
  });
  afterEach(() => {
    for (const broker of cluster.brokers) broker.faults.clear();
    wireBodies.length = 0;
  });
  after(stopAll);

  it('a 4096-byte body is stored compressed (sysFlag 0x301) and decodes to the original', async () => {
    const topic = unique('Zip');
    const body = Buffer.alloc(4096, 'abc');
    const result = await producer.send({ topic, body });
    const stored = cluster.messages({ topic }).find((m) => m.uniqueId === result.msgId)!;
    assert.equal(stored.sysFlag & 0x1, 0x1);
    assert.equal(stored.sysFlag & 0x700, 0x300);
    assert.ok(stored.rawBody.length < body.length);
    assert.deepEqual(inflateSync(stored.rawBody), body);
    assert.deepEqual(stored.body, body);
  });

  it('a 4095-byte body is stored as is', async () => {
    const topic = unique('NoZip');
    const body = Buffer.alloc(4095, 'abc');
    const result = await producer.send({ topic, body });
    const stored = cluster.messages({ topic }).find((m) => m.uniqueId === result.msgId)!;
    assert.equal(stored.sysFlag & 0x1, 0);
    assert.deepEqual(stored.rawBody, body);
  });

  it('a retried send is compressed once: every attempt carries the same bytes', async () => {
    const topic = unique('ZipRetry');
    for (const broker of cluster.brokers) await broker.createTopic(topic);
    await producer.send({ topic, body: 'warm-up' });
    wireBodies.length = 0;
    for (const broker of cluster.brokers) broker.faults.respondWith(1, { requestCode: SEND_V2, times: 1 });
    const body = Buffer.alloc(10_000, 'xyz');
    const result = await producer.send({ topic, body });
    assert.equal(wireBodies.length, 3);
    assert.ok(wireBodies.every((b) => b === wireBodies[0]), 'the same compressed buffer on every attempt');
    const stored = cluster.messages({ topic }).find((m) => m.uniqueId === result.msgId)!;
    assert.deepEqual(inflateSync(stored.rawBody), body, 'inflates once to the original');
    assert.deepEqual(body, Buffer.alloc(10_000, 'xyz'), 'the caller body is untouched');
  });
});
