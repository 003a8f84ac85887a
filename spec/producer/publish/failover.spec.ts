import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { lastValueFrom, tap, toArray } from 'rxjs';
import type { Message } from '../../../src/message/message.js';
import type { PublishOutcome } from '../../../src/producer/publish/publish.js';
import { pullFrom } from '../../../src/producer/publish/pull-source.js';
import { startCluster, startProducer, stopAll, unique } from '../cluster-fixture.js';

const TOTAL = 4000;
const KILL_AFTER = 1000;

function* source(topic: string): Generator<Message> {
  for (let i = 0; i < TOTAL; i++) yield { topic, body: `f${i}` };
}

async function publishAndKill(retryTimesWhenSendAsyncFailed: number) {
  const storedIds = new Map<string, number>();
  const cluster = await startCluster({
    onMessageStored: (event) => storedIds.set(event.uniqueId ?? '', (storedIds.get(event.uniqueId ?? '') ?? 0) + 1),
  });
  const producer = await startProducer(cluster, { retryTimesWhenSendAsyncFailed, sendMsgTimeout: 3000 });
  const topic = unique('Failover');
  await producer.send({ topic, body: 'route warm-up' });
  await producer.send({ topic, body: 'route warm-up' });
  let seen = 0;
  let killedAt = -1;
  const outcomes: PublishOutcome[] = await lastValueFrom(
    pullFrom(source(topic)).pipe(
      producer.publish({ maxInFlight: 64 }),
      tap(() => {
        seen += 1;
        if (seen === KILL_AFTER) {
          killedAt = seen;
          void cluster.broker('broker-a')!.kill();
        }
      }),
      toArray(),
    ),
  );
  return { cluster, outcomes, storedIds, killedAt };
}

describe('publish while a broker fails mid-stream', () => {
  after(stopAll);

  it('without retries: error outcomes for what went to the dead broker, the rest delivered on the other, none twice', async () => {
    const { outcomes, storedIds, killedAt } = await publishAndKill(0);
    assert.equal(killedAt, KILL_AFTER);
    assert.equal(outcomes.length, TOTAL);
    assert.equal(new Set(outcomes.map((o) => o.index)).size, TOTAL, 'no outcome emitted twice');
    const failed = outcomes.filter((o) => !o.ok);
    const delivered = outcomes.filter((o) => o.ok);
    assert.ok(failed.length > 0, 'sends to the dead broker fail');
    for (const o of failed) assert.match((o.error as { code?: string }).code ?? '', /^RMQ_ERR_REMOTING_/);
    const afterKill = outcomes.slice(KILL_AFTER + 64).filter((o) => o.ok);
    assert.ok(afterKill.length > 0);
    assert.ok(afterKill.every((o) => o.ok && o.result.messageQueue.brokerName === 'broker-b'), 'delivery continues on broker-b');
    for (const o of delivered) assert.equal(storedIds.get(o.ok ? o.result.msgId : ''), 1, 'stored exactly once');
  });

  it('with async retries: every message is delivered, the failed attempts moved to the other broker', async () => {
    const { outcomes, storedIds } = await publishAndKill(2);
    assert.equal(outcomes.length, TOTAL);
    assert.equal(new Set(outcomes.map((o) => o.index)).size, TOTAL);
    const failed = outcomes.filter((o) => !o.ok);
    assert.deepEqual(
      failed.map((o) => (o.ok ? '' : (o.error as { code?: string }).code)),
      [],
    );
    for (const o of outcomes) assert.ok(o.ok && (storedIds.get(o.result.msgId) ?? 0) >= 1);
    const brokers = new Set(outcomes.slice(KILL_AFTER + 64).map((o) => (o.ok ? o.result.messageQueue.brokerName : '')));
    assert.deepEqual([...brokers], ['broker-b']);
  });
});
