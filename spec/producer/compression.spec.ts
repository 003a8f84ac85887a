import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { deflateSync, inflateSync } from 'node:zlib';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import type { Producer } from '../../src/producer/producer.js';
import { firstValueFrom, from, toArray } from 'rxjs';
import { RocketMQError } from '../../src/errors.js';
import type { SendResult } from '../../src/message/message.js';
import { countRequests, SEND_V2, sleep, startCluster, startProducer, stopAll, unique } from './cluster-fixture.js';

/** A body that compresses about as text does. */
const textBody = (bytes: number): Buffer =>
  Buffer.from(Array.from({ length: Math.ceil(bytes / 8) }, (_, i) => `${(i * 7919) % 10007},`).join('')).subarray(0, bytes);

/** Random bytes (deflate works hardest on them), from a fixed seed. */
function randomBody(bytes: number): Buffer {
  const out = Buffer.alloc(bytes);
  let x = 0x2545f491;
  for (let i = 0; i < bytes; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 0xff;
  }
  return out;
}

function sendAsync(producer: Producer, message: { topic: string; body: Buffer }, timeout?: number): Promise<SendResult> {
  return new Promise((resolve, reject) => {
    producer.sendAsync(message, { onSuccess: resolve, onException: reject }, timeout === undefined ? {} : { timeout });
  });
}

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

  it('sendAsync: the body is deflated off the event loop and stored as the sync deflate gives it (0x301)', async () => {
    const topic = unique('ZipAsync');
    const body = textBody(16 * 1024);
    const result = await sendAsync(producer, { topic, body });
    const stored = cluster.messages({ topic }).find((m) => m.uniqueId === result.msgId)!;
    assert.equal(stored.sysFlag & 0x701, 0x301);
    assert.deepEqual(stored.rawBody, deflateSync(body, { level: 5 }));
    assert.deepEqual(stored.body, body);
  });

  it('sendAsync with retries compresses once: every attempt carries the same buffer', async () => {
    const topic = unique('ZipAsyncRetry');
    for (const broker of cluster.brokers) await broker.createTopic(topic);
    await producer.send({ topic, body: 'warm-up' });
    wireBodies.length = 0;
    for (const broker of cluster.brokers) broker.faults.respondWith(1, { requestCode: SEND_V2, times: 1 });
    const body = textBody(20_000);
    const result = await sendAsync(producer, { topic, body });
    assert.equal(wireBodies.length, 3);
    assert.ok(wireBodies.every((b) => b === wireBodies[0]), 'the same compressed buffer on every attempt');
    const stored = cluster.messages({ topic }).find((m) => m.uniqueId === result.msgId)!;
    assert.deepEqual(stored.body, body);
  });

  it('sendAsync unsubscribed while its body is being compressed writes nothing', async () => {
    const topic = unique('ZipCancel');
    await producer.send({ topic, body: 'warm-up' });
    const before = countRequests(cluster.brokers, SEND_V2);
    const outcomes: unknown[] = [];
    const subscription = producer.sendAsync(
      { topic, body: randomBody(1024 * 1024) },
      { onSuccess: (r) => outcomes.push(r), onException: (e) => outcomes.push(e) },
    );
    subscription.unsubscribe();
    await sleep(300);
    assert.equal(countRequests(cluster.brokers, SEND_V2), before, 'no request written');
    assert.deepEqual(outcomes, []);
  });

  it('sendAsync whose deadline passes during compression fails once with RMQ_ERR_REMOTING_TIMEOUT and writes nothing', async () => {
    const topic = unique('ZipDeadline');
    const slow = await startProducer(cluster, { compressLevel: 9, maxMessageSize: 8 * 1024 * 1024 });
    await slow.send({ topic, body: 'warm-up' });
    const before = countRequests(cluster.brokers, SEND_V2);
    const errors: unknown[] = [];
    const started = Date.now();
    await new Promise<void>((resolve) => {
      slow.sendAsync(
        { topic, body: randomBody(6 * 1024 * 1024) },
        {
          onSuccess: () => resolve(),
          onException: (error) => {
            errors.push(error);
            resolve();
          },
        },
        { timeout: 5 },
      );
    });
    await sleep(600);
    assert.equal(errors.length, 1, 'settled exactly once');
    assert.ok(errors[0] instanceof RocketMQError && errors[0].code === 'RMQ_ERR_REMOTING_TIMEOUT');
    assert.ok(Date.now() - started < 3000);
    assert.equal(countRequests(cluster.brokers, SEND_V2), before, 'nothing written after the deadline');
  });

  it('publish: a stream of large bodies is compressed off the loop, each stored 0x301 and intact', async () => {
    const topic = unique('ZipPublish');
    const bodies = Array.from({ length: 24 }, (_, i) => textBody(8 * 1024 + i * 100));
    const outcomes = await firstValueFrom(
      from(bodies.map((body) => ({ topic, body }))).pipe(producer.publish({ maxInFlight: 8 }), toArray()),
    );
    assert.equal(outcomes.length, bodies.length);
    for (const outcome of outcomes) {
      assert.ok(outcome.ok, 'every message stored');
      const stored = cluster.messages({ topic }).find((m) => m.uniqueId === outcome.result.msgId)!;
      assert.equal(stored.sysFlag & 0x701, 0x301);
      assert.deepEqual(stored.body, outcome.message.body);
    }
  });

  for (const [compressType, typeBits] of [
    ['LZ4', 0x100],
    ['ZSTD', 0x200],
  ] as const) {
    it(`compressType ${compressType}: stored with sysFlag type bits 0x${typeBits.toString(16)}, read back by the broker`, async () => {
      const typed = await startProducer(cluster, { compressType });
      const topic = unique(`Zip${compressType}`);
      const body = textBody(16 * 1024);
      const results = [await typed.send({ topic, body }), await sendAsync(typed, { topic, body })];
      for (const result of results) {
        const stored = cluster.messages({ topic }).find((m) => m.uniqueId === result.msgId)!;
        assert.equal(stored.sysFlag & 0x1, 0x1);
        assert.equal(stored.sysFlag & 0x700, typeBits);
        assert.ok(stored.rawBody.length < body.length);
        assert.deepEqual(stored.body, body, 'the embedded broker decodes it by its sysFlag');
      }
      const small = await typed.send({ topic, body: textBody(4095) });
      assert.equal(cluster.messages({ topic }).find((m) => m.uniqueId === small.msgId)!.sysFlag & 0x701, 0);
    });
  }
});
