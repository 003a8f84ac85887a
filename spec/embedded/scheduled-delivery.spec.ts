/**
 * Scheduled delivery end to end: 4.x delay levels and 5.x timers through the producer and the embedded broker.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import { parseDelayLevels } from '../../src/embedded/scheduled-delivery.js';
import { startCluster, startProducer, stopAll, unique } from '../producer/cluster-fixture.js';

async function eventually(check: () => boolean, timeoutMillis = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('scheduled delivery: 4.x delay levels (embedded 4.9 broker)', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 1, messageDelayLevel: '200ms 500ms 1s' });
  });
  after(stopAll);

  it('a delay level waits under SCHEDULE_TOPIC_XXXX (queue level − 1) and shows on its topic only once due', async () => {
    const topic = unique('Delayed');
    const producer = await startProducer(cluster);
    const sentAt = Date.now();
    const result = await producer.send({ topic, keys: 'dk-2', tags: 'delay', body: 'level 2', delayTimeLevel: 2 });
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.equal(cluster.messages({ topic }).length, 0, 'not on its topic yet');
    const parked = cluster.messages({ topic: 'SCHEDULE_TOPIC_XXXX' }).find((m) => m.uniqueId === result.msgId)!;
    assert.equal(parked.queueId, 1);
    assert.equal(parked.msgId, result.offsetMsgId, 'the answer names the parked record');
    assert.equal(parked.properties.REAL_TOPIC, topic);
    assert.equal(parked.properties.REAL_QID, String(result.messageQueue.queueId));
    assert.equal(parked.properties.DELAY, '2');
    assert.ok(parked.deliverableAt >= sentAt + 500 && parked.deliverableAt <= Date.now() + 500);
    await eventually(() => cluster.messages({ topic }).length === 1);
    const delivered = cluster.messages({ topic })[0]!;
    assert.ok(Date.now() - sentAt >= 480, 'not before its level');
    assert.equal(delivered.deliverableAt, parked.deliverableAt);
    assert.equal(delivered.queueId, result.messageQueue.queueId);
    assert.equal(delivered.body.toString(), 'level 2');
    assert.equal(delivered.uniqueId, result.msgId);
    // As the 4.9.8 capture shows: DELAY, REAL_TOPIC, REAL_QID and WAIT stay in the delivered copy.
    assert.equal(delivered.properties.DELAY, '2');
    assert.equal(delivered.properties.REAL_TOPIC, topic);
    assert.equal(delivered.properties.WAIT, 'true');
  });

  it('a level above the table is capped at its last level; 0 sends at once', async () => {
    const topic = unique('Capped');
    const producer = await startProducer(cluster);
    const result = await producer.send({ topic, body: 'x', delayTimeLevel: 18 });
    const parked = cluster.messages({ topic: 'SCHEDULE_TOPIC_XXXX' }).find((m) => m.uniqueId === result.msgId)!;
    assert.equal(parked.queueId, 2);
    await producer.send({ topic, body: 'now', delayTimeLevel: 0 });
    assert.equal(cluster.messages({ topic }).length, 1);
    await eventually(() => cluster.messages({ topic }).length === 2);
  });

  it('a 4.9 broker ignores 5.x timers: once its version is known, deliverTimeMs / delayMs fail instead of arriving early', async () => {
    const topic = unique('TimerOn49');
    const producer = await startProducer(cluster, { retryTimesWhenSendFailed: 0 });
    // Before any response the version is unknown: the 4.9 broker stores it at once (documented caveat).
    const first = await producer.send({ topic, body: 'unknown version', delayMs: 60_000 });
    assert.equal(cluster.messages({ topic }).find((m) => m.uniqueId === first.msgId)!.properties.TIMER_DELAY_MS, '60000');
    await assert.rejects(producer.send({ topic, body: 'x', delayMs: 1000 }), { code: 'RMQ_ERR_TIMER_NOT_SUPPORTED' });
    await assert.rejects(producer.send({ topic, body: 'x', deliverTimeMs: Date.now() + 1000 }), { code: 'RMQ_ERR_TIMER_NOT_SUPPORTED' });
    // Delay levels still work there.
    await producer.send({ topic, body: 'level', delayTimeLevel: 1 });
  });
});

describe('scheduled delivery: 5.x timers (embedded 5.x broker)', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 1, version: '5.x', messageDelayLevel: '200ms 500ms' });
  });
  after(stopAll);

  it('delayMs → TIMER_DELAY_MS, deliverTimeMs → TIMER_DELIVER_MS; each shows on its topic once due', async () => {
    const topic = unique('Timers');
    const producer = await startProducer(cluster);
    await producer.send({ topic, body: 'warm up' });
    const sentAt = Date.now();
    const byDelay = await producer.send({ topic, body: 'in 300 ms', delayMs: 300 });
    const deliverAt = Date.now() + 500;
    const byTime = await producer.send({ topic, body: 'at a time', deliverTimeMs: deliverAt });
    const parked = cluster.messages({ topic: 'rmq_sys_wheel_timer' });
    const parkedDelay = parked.find((m) => m.uniqueId === byDelay.msgId)!;
    const parkedTime = parked.find((m) => m.uniqueId === byTime.msgId)!;
    assert.equal(parkedDelay.properties.TIMER_DELAY_MS, '300');
    assert.equal(parkedTime.properties.TIMER_DELIVER_MS, String(deliverAt));
    assert.equal(parkedTime.deliverableAt, deliverAt);
    assert.equal(parkedTime.properties.REAL_TOPIC, topic);
    assert.equal(cluster.messages({ topic }).length, 1, 'only the warm-up message so far');
    await eventually(() => cluster.messages({ topic }).some((m) => m.uniqueId === byDelay.msgId));
    assert.ok(Date.now() - sentAt >= 290);
    if (Date.now() < deliverAt) assert.equal(cluster.messages({ topic }).some((m) => m.uniqueId === byTime.msgId), false, 'not before its time');
    await eventually(() => cluster.messages({ topic }).some((m) => m.uniqueId === byTime.msgId));
    assert.ok(Date.now() >= deliverAt - 5);
    const delivered = cluster.messages({ topic }).find((m) => m.uniqueId === byTime.msgId)!;
    assert.equal(delivered.deliverableAt, deliverAt);
    assert.equal(delivered.body.toString(), 'at a time');
    // Delay levels work on 5.x too.
    const level = await producer.send({ topic, body: 'level 1', delayTimeLevel: 1 });
    assert.equal(cluster.messages({ topic }).some((m) => m.uniqueId === level.msgId), false);
    await eventually(() => cluster.messages({ topic }).some((m) => m.uniqueId === level.msgId));
  });

  it('a timer beyond the broker maximum (3 days) is refused by the broker', async () => {
    const producer = await startProducer(cluster, { retryTimesWhenSendFailed: 0 });
    await assert.rejects(producer.send({ topic: unique('TooFar'), body: 'x', delayMs: 4 * 24 * 3600 * 1000 }), (error: { code?: string; responseCode?: number }) => {
      assert.equal(error.code, 'RMQ_ERR_BROKER');
      assert.equal(error.responseCode, 13);
      return true;
    });
  });
});

describe('scheduled delivery: validation', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 1 });
  });
  after(stopAll);

  it('at most one of delayTimeLevel, deliverTimeMs and delayMs; each a positive integer', async () => {
    const producer = await startProducer(cluster);
    const topic = unique('Invalid');
    const cases: [object, string][] = [
      [{ delayTimeLevel: 2, delayMs: 1000 }, 'RMQ_ERR_CONFLICTING_DELAY'],
      [{ deliverTimeMs: Date.now() + 1000, delayMs: 1000 }, 'RMQ_ERR_CONFLICTING_DELAY'],
      [{ delayTimeLevel: 1, deliverTimeMs: Date.now() + 1000 }, 'RMQ_ERR_CONFLICTING_DELAY'],
      [{ delayMs: 0 }, 'RMQ_ERR_INVALID_DELAY_MS'],
      [{ delayMs: -5 }, 'RMQ_ERR_INVALID_DELAY_MS'],
      [{ delayMs: 1.5 }, 'RMQ_ERR_INVALID_DELAY_MS'],
      [{ delayMs: '100' }, 'RMQ_ERR_INVALID_DELAY_MS'],
      [{ deliverTimeMs: 0 }, 'RMQ_ERR_INVALID_DELIVER_TIME'],
      [{ deliverTimeMs: Number.NaN }, 'RMQ_ERR_INVALID_DELIVER_TIME'],
      [{ delayTimeLevel: -1 }, 'RMQ_ERR_INVALID_DELAY_LEVEL'],
      [{ delayTimeLevel: 1.5 }, 'RMQ_ERR_INVALID_DELAY_LEVEL'],
    ];
    for (const [fields, code] of cases) {
      await assert.rejects(producer.send({ topic, body: 'x', ...fields } as never), { code }, JSON.stringify(fields));
    }
    assert.equal(cluster.messages({ topic }).length, 0, 'nothing was sent');
    // Batches cannot be delayed, by level or by timer.
    await assert.rejects(producer.sendBatch([{ topic, body: 'a' }, { topic, body: 'b', delayMs: 5 }]), { code: 'RMQ_ERR_BATCH_DELAY_NOT_SUPPORTED' });
    // The 5.x properties are reserved: they are set through the fields only.
    await assert.rejects(producer.send({ topic, body: 'x', properties: { TIMER_DELAY_MS: '5' } }), { code: 'RMQ_ERR_RESERVED_PROPERTY' });
  });

  it('parseDelayLevels reads the Java messageDelayLevel format', () => {
    assert.deepEqual(parseDelayLevels('1s 5s 10s 30s 1m 2m'), [1000, 5000, 10000, 30000, 60000, 120000]);
    assert.deepEqual(parseDelayLevels(' 100ms  1h 1d '), [100, 3_600_000, 86_400_000]);
    assert.throws(() => parseDelayLevels('5x'));
    assert.throws(() => parseDelayLevels(''));
  });
});
