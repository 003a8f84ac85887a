import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import type { SendMessageHook } from '../../src/producer/hooks.js';
import { startCluster, startProducer, stopAll, unique } from './cluster-fixture.js';

function tracer(log: string[]): SendMessageHook {
  return { name: 'tracer', sendMessageBefore: (c) => void log.push(c.mq.brokerName) };
}

describe('failover with a killed broker', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(stopAll);

  it('sync sends keep succeeding on the other broker; with sendLatencyFaultEnable the dead one is avoided', async () => {
    const plainLog: string[] = [];
    const faultLog: string[] = [];
    const plain = await startProducer(cluster, { sendMessageHooks: [tracer(plainLog)] });
    const avoiding = await startProducer(cluster, { sendMessageHooks: [tracer(faultLog)], sendLatencyFaultEnable: true });
    const topic = unique('FailoverTopic');
    for (const broker of cluster.brokers) await broker.createTopic(topic);
    for (let i = 0; i < 6; i++) {
      await plain.send({ topic, body: `before ${i}` });
      await avoiding.send({ topic, body: `before ${i}` });
    }
    const dead = cluster.broker('broker-a')!;
    await dead.kill();
    plainLog.length = 0;
    faultLog.length = 0;

    for (let i = 0; i < 20; i++) {
      const a = await plain.send({ topic, body: `after ${i}` });
      const b = await avoiding.send({ topic, body: `after ${i}` });
      assert.equal(a.messageQueue.brokerName, 'broker-b');
      assert.equal(b.messageQueue.brokerName, 'broker-b');
    }
    const plainToDead = plainLog.filter((b) => b === 'broker-a').length;
    const faultToDead = faultLog.filter((b) => b === 'broker-a').length;
    // Round robin without fault avoidance keeps trying the dead broker (then retries on the live one). With 4 queues
    // on each broker, a failed pick moves the counter to the live broker's first queue, so every 4th send starts on the
    // dead broker: 20 sends try it 4 or 5 times, depending on where the random round-robin start fell.
    assert.ok(plainToDead >= 4, `plain producer tried the dead broker ${plainToDead} times`);
    // …while the latency fault tolerance isolates it after the first failure for its penalty window (10 s).
    assert.ok(faultToDead <= 1, `fault-avoiding producer tried the dead broker ${faultToDead} times`);
  });
});
