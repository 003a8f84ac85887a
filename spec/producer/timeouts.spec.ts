import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import { RocketMQError } from '../../src/errors.js';
import type { SendResult } from '../../src/message/message.js';
import { SEND_V2, sleep, startCluster, startProducer, stopAll, unique } from './cluster-fixture.js';

describe('timeouts', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 2 });
  });
  afterEach(() => {
    for (const broker of cluster.brokers) broker.faults.clear();
  });
  after(stopAll);

  async function warmTopic(producerSend: (t: string) => Promise<unknown>): Promise<string> {
    const topic = unique('Slow');
    for (const broker of cluster.brokers) await broker.createTopic(topic);
    await producerSend(topic);
    return topic;
  }

  it('a broker that swallows responses makes sync send reject within sendMsgTimeout + 100 ms', async () => {
    const producer = await startProducer(cluster, { sendMsgTimeout: 500 });
    const topic = await warmTopic((t) => producer.send({ topic: t, body: 'warm' }));
    for (const broker of cluster.brokers) broker.faults.swallow({ requestCode: SEND_V2 });
    const started = performance.now();
    await assert.rejects(producer.send({ topic, body: 'x' }), (e: unknown) => e instanceof RocketMQError && e.code === 'RMQ_ERR_REMOTING_TIMEOUT');
    const elapsed = performance.now() - started;
    assert.ok(elapsed < 600, `rejected after ${elapsed} ms`);
    assert.ok(elapsed >= 450, `rejected after ${elapsed} ms, before the deadline`);
  });

  it('every async callback fires exactly once when the broker swallows', async () => {
    const producer = await startProducer(cluster, { sendMsgTimeout: 300 });
    const topic = await warmTopic((t) => producer.send({ topic: t, body: 'warm' }));
    for (const broker of cluster.brokers) broker.faults.swallow({ requestCode: SEND_V2 });
    const calls = new Map<number, string[]>();
    for (let i = 0; i < 20; i++) {
      calls.set(i, []);
      producer.sendAsync(
        { topic, body: `m${i}` },
        { onSuccess: () => calls.get(i)!.push('success'), onException: (e) => calls.get(i)!.push((e as RocketMQError).code) },
      );
    }
    await sleep(700);
    for (const [, seen] of calls) assert.deepEqual(seen, ['RMQ_ERR_REMOTING_TIMEOUT']);
  });

  it('sendMsgMaxTimeoutPerRequest leaves time for a retry on the other broker', async () => {
    const producer = await startProducer(cluster, { sendMsgTimeout: 2000, sendMsgMaxTimeoutPerRequest: 150 });
    const topic = await warmTopic((t) => producer.send({ topic: t, body: 'warm' }));
    cluster.broker('broker-a')!.faults.swallow({ requestCode: SEND_V2 });
    for (let i = 0; i < 4; i++) {
      const result = await producer.send({ topic, body: `m${i}` });
      assert.equal(result.messageQueue.brokerName, 'broker-b');
    }
  });

  it('shutdown lets sends in flight finish (bounded wait) before closing connections', async () => {
    const producer = await startProducer(cluster, { shutdownTimeoutMillis: 2000 });
    const topic = await warmTopic((t) => producer.send({ topic: t, body: 'warm' }));
    for (const broker of cluster.brokers) broker.faults.delay(150, { requestCode: SEND_V2 });
    const pending = producer.send({ topic, body: 'in flight' });
    await sleep(20);
    await producer.shutdown();
    const result = await pending;
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.equal(cluster.messages({ topic }).filter((m) => m.uniqueId === result.msgId).length, 1);
  });

  it('nothing hangs after shutdown: sends in flight settle, callbacks fire once', async () => {
    const producer = await startProducer(cluster, { sendMsgTimeout: 10_000, shutdownTimeoutMillis: 100 });
    const topic = await warmTopic((t) => producer.send({ topic: t, body: 'warm' }));
    for (const broker of cluster.brokers) broker.faults.swallow({ requestCode: SEND_V2 });
    const outcomes: (SendResult | Error)[] = [];
    for (let i = 0; i < 5; i++) {
      producer.sendAsync({ topic, body: `m${i}` }, { onSuccess: (r) => outcomes.push(r), onException: (e) => outcomes.push(e) });
    }
    const sync = producer.send({ topic, body: 'sync' }).then(
      () => 'resolved',
      (e: RocketMQError) => e.code,
    );
    await sleep(50);
    assert.equal(producer.inflightCount, 6);
    const started = performance.now();
    await producer.shutdown();
    assert.ok(performance.now() - started < 2000);
    assert.equal(await sync, 'RMQ_ERR_PRODUCER_SHUT_DOWN', 'the send still pending after shutdownTimeoutMillis failed as shut down');
    await sleep(20);
    assert.equal(outcomes.length, 5);
    assert.ok(outcomes.every((o) => o instanceof RocketMQError && o.code === 'RMQ_ERR_PRODUCER_SHUT_DOWN'));
    assert.equal(producer.inflightCount, 0);
    await assert.rejects(producer.send({ topic, body: 'late' }), (e: unknown) => (e as RocketMQError).code === 'RMQ_ERR_PRODUCER_SHUT_DOWN');
  });
});
