import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { firstValueFrom, map, of } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { MQClientError } from '../../../src/errors.js';
import type { SendResult } from '../../../src/message/message.js';
import type { SendMessageContext, SendMessageHook } from '../../../src/producer/hooks.js';
import { runHooks } from '../../../src/producer/operators/run-hooks.js';
import type { RunHooksDeps } from '../../../src/producer/operators/run-hooks.js';
import type { CompressedContext } from '../../../src/producer/send-context.js';
import { UNIQ, compressed } from '../context-fixture.js';

const RESULT: SendResult = {
  sendStatus: 'SEND_OK',
  msgId: UNIQ,
  offsetMsgId: 'X',
  messageQueue: { topic: 'TopicTest', brokerName: 'broker-a', queueId: 2 },
  queueOffset: 0,
  regionId: 'DefaultRegion',
  traceOn: true,
};

function deps(extra: Partial<RunHooksDeps>): RunHooksDeps {
  return {
    checkForbiddenHooks: [],
    sendMessageHooks: [],
    producerGroup: 'PG',
    producerId: 1,
    nameSrvAddr: '127.0.0.1:9876',
    bornHost: '10.0.0.1',
    namespace: null,
    unitMode: false,
    ...extra,
  };
}

function recordingHook(log: string[], seen: SendMessageContext[] = []): SendMessageHook {
  return {
    name: 'rec',
    sendMessageBefore: (c) => void (log.push('before'), seen.push(c)),
    sendMessageAfter: (c) => void log.push(c.exception ? `after:${(c.exception as { code?: string }).code}` : `after:${c.sendResult?.sendStatus}`),
  };
}

describe('runHooks', () => {
  it('runs before, the inner pipe, then after with the result and the Java context fields', async () => {
    const log: string[] = [];
    const seen: SendMessageContext[] = [];
    const inner = map((_: CompressedContext) => (log.push('inner'), RESULT));
    const r = await firstValueFrom(of(compressed()).pipe(runHooks(deps({ sendMessageHooks: [recordingHook(log, seen)] }), inner)));
    assert.equal(r, RESULT);
    assert.deepEqual(log, ['before', 'inner', 'after:SEND_OK']);
    const c = seen[0]!;
    assert.equal(c.producerGroup, 'PG');
    assert.equal(c.communicationMode, 'sync');
    assert.equal(c.brokerAddr, '127.0.0.1:10911');
    assert.equal(c.bornHost, '10.0.0.1');
    assert.deepEqual(c.mq, { topic: 'TopicTest', brokerName: 'broker-a', queueId: 2 });
    assert.equal(c.msgType, 'Normal_Msg');
    assert.equal(c.message.properties['UNIQ_KEY'], UNIQ);
    assert.equal(c.sendResult, RESULT);
  });

  it('runs after hooks with the error when the attempt fails', async () => {
    const log: string[] = [];
    const inner = map((_: CompressedContext): SendResult => {
      throw new MQClientError('x', -1, { code: 'RMQ_ERR_X' });
    });
    await assert.rejects(firstValueFrom(of(compressed()).pipe(runHooks(deps({ sendMessageHooks: [recordingHook(log)] }), inner))));
    assert.deepEqual(log, ['before', 'after:RMQ_ERR_X']);
  });

  it('isolates throwing hooks and publishes them on rocketmq:producer:hookError', async () => {
    const published: unknown[] = [];
    const listener = (m: unknown): void => void published.push(m);
    diagnosticsChannel.subscribe('rocketmq:producer:hookError', listener);
    try {
      const bad: SendMessageHook = {
        name: 'bad',
        sendMessageBefore: () => {
          throw new Error('before');
        },
        sendMessageAfter: () => {
          throw new Error('after');
        },
      };
      const log: string[] = [];
      const r = await firstValueFrom(
        of(compressed()).pipe(runHooks(deps({ sendMessageHooks: [bad, recordingHook(log)] }), map(() => RESULT))),
      );
      assert.equal(r, RESULT);
      assert.deepEqual(log, ['before', 'after:SEND_OK']);
      assert.deepEqual(
        published.map((p) => (p as { hook: string; phase: string }).phase),
        ['sendMessageBefore', 'sendMessageAfter'],
      );
    } finally {
      diagnosticsChannel.unsubscribe('rocketmq:producer:hookError', listener);
    }
  });

  it('a throwing checkForbidden refuses the send before the inner pipe runs', async () => {
    let ran = false;
    const hook = {
      name: 'deny',
      checkForbidden: () => {
        throw new Error('no');
      },
    };
    await assert.rejects(
      firstValueFrom(of(compressed()).pipe(runHooks(deps({ checkForbiddenHooks: [hook] }), map(() => ((ran = true), RESULT))))),
      (e: unknown) => e instanceof MQClientError && e.code === 'RMQ_ERR_SEND_FORBIDDEN' && !e.retriable,
    );
    assert.equal(ran, false);
  });

  it('marbles: value, error, and unsubscribe each settle after exactly once', () => {
    const log: string[] = [];
    const hooks = deps({ sendMessageHooks: [recordingHook(log)] });
    new TestScheduler((a, b) => assert.deepStrictEqual(a, b)).run(({ cold, expectObservable }) => {
      const ok = cold('--r|', { r: RESULT });
      expectObservable(of(compressed()).pipe(runHooks(hooks, () => ok))).toBe('--r|', { r: RESULT });
      const bad = cold<SendResult>('-#', {}, new MQClientError('e', -1, { code: 'RMQ_ERR_E' }));
      expectObservable(of(compressed()).pipe(runHooks(hooks, () => bad))).toBe('-#', {}, new MQClientError('e', -1, { code: 'RMQ_ERR_E' }));
      const slow = cold('-----r|', { r: RESULT });
      expectObservable(of(compressed()).pipe(runHooks(hooks, () => slow)), '^--!').toBe('---');
    });
    assert.deepEqual(log.filter((l) => l.startsWith('after')).sort(), ['after:RMQ_ERR_E', 'after:RMQ_ERR_SEND_ABANDONED', 'after:SEND_OK']);
  });
});
