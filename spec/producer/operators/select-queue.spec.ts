import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, of } from 'rxjs';
import { MQClientError } from '../../../src/errors.js';
import type { MessageQueue } from '../../../src/message/message.js';
import { selectQueue } from '../../../src/producer/operators/select-queue.js';
import type { TopicPublishInfo } from '../../../src/route/topic-publish-info.js';
import { routed } from '../context-fixture.js';

function strategy(pick: (info: TopicPublishInfo, last: string | null) => MessageQueue) {
  const seen: (string | null)[] = [];
  return {
    seen,
    selectOneMessageQueue: (info: TopicPublishInfo, last: string | null) => {
      seen.push(last);
      return pick(info, last);
    },
  };
}

describe('selectQueue', () => {
  it('takes the strategy queue, its master address, and passes the previous broker on a retry', async () => {
    const s = strategy((info, last) => info.messageQueues.find((q) => q.brokerName !== last)!);
    const c = routed();
    const deps = { faultStrategy: s, sendLatencyFaultEnable: false, sendMessageWithVIPChannel: false };
    const first = await firstValueFrom(of(c).pipe(selectQueue(deps)));
    assert.equal(first.queue.brokerName, 'broker-a');
    assert.equal(first.brokerAddr, '127.0.0.1:10911');
    const second = await firstValueFrom(of(c).pipe(selectQueue(deps)));
    assert.equal(second.queue.brokerName, 'broker-b');
    assert.equal(second.brokerAddr, '127.0.0.1:10921');
    assert.deepEqual(s.seen, [null, 'broker-a']);
    assert.deepEqual(c.brokersSent, ['broker-a', 'broker-b']);
  });

  it('rewrites to the VIP port when enabled', async () => {
    const s = strategy((info) => info.messageQueues[0]!);
    const out = await firstValueFrom(
      of(routed()).pipe(selectQueue({ faultStrategy: s, sendLatencyFaultEnable: false, sendMessageWithVIPChannel: true })),
    );
    assert.equal(out.brokerAddr, '127.0.0.1:10909');
  });

  it('fails retriably with RMQ_ERR_BROKER_NOT_FOUND when the broker has no master address', async () => {
    const s = strategy(() => ({ topic: 'TopicTest', brokerName: 'broker-x', queueId: 0 }));
    await assert.rejects(
      firstValueFrom(of(routed()).pipe(selectQueue({ faultStrategy: s, sendLatencyFaultEnable: false, sendMessageWithVIPChannel: false }))),
      (e: unknown) => e instanceof MQClientError && e.code === 'RMQ_ERR_BROKER_NOT_FOUND' && e.retriable && e.responseCode === 10003,
    );
  });
});
