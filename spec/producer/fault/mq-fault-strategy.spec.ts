import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { FaultTolerancePresets, MQFaultStrategy } from '../../../src/producer/fault/mq-fault-strategy.js';
import { topicRouteToPublishInfo, type TopicPublishInfo } from '../../../src/route/topic-publish-info.js';
import { RouteErrorCode } from '../../../src/route/route-errors.js';
import type { TopicRouteData } from '../../../src/route/topic-route.js';
import { MQClientError } from '../../../src/errors.js';

/** Brokers a, b, c with `queues` write queues each; counter at 0 so the first pick is queue index 1. */
function publishInfo(brokers = ['a', 'b', 'c'], queues = 2): TopicPublishInfo {
  const route: TopicRouteData = {
    queueDatas: brokers.map((brokerName) => ({ brokerName, readQueueNums: queues, writeQueueNums: queues, perm: 6, topicSysFlag: 0 })),
    brokerDatas: brokers.map((brokerName) => ({ cluster: 'C', brokerName, brokerAddrs: { '0': `${brokerName}:1` } })),
    filterServerTable: {},
  };
  const info = topicRouteToPublishInfo('T', route);
  info.sendWhichQueue.value = 0;
  return info;
}

const name = (q: { brokerName: string; queueId: number }) => `${q.brokerName}/${q.queueId}`;

function setup(options: ConstructorParameters<typeof MQFaultStrategy>[0] = {}) {
  const c = { t: 5_000_000 };
  const strategy = new MQFaultStrategy({ now: () => c.t, random: () => 0, ...options });
  return { c, strategy };
}

describe('MQFaultStrategy tables', () => {
  it('defaults to the 5.1.4+ tables and a 10 s isolation latency', () => {
    const { strategy } = setup();
    assert.deepEqual(strategy.latencyMax, [50, 100, 550, 1800, 3000, 5000, 15000]);
    assert.deepEqual(strategy.notAvailableDuration, [0, 0, 2000, 5000, 6000, 10000, 30000]);
    const cases: [number, number][] = [
      [0, 0], [49, 0], [50, 0], [549, 0], [550, 2000], [1799, 2000], [1800, 5000], [3000, 6000], [4999, 6000],
      [5000, 10000], [14999, 10000], [15000, 30000], [60000, 30000],
    ];
    for (const [latency, penalty] of cases) assert.equal(strategy.computeNotAvailableDuration(latency), penalty, `latency ${latency}`);
  });

  it('offers the 4.9 tables (isolation counted as 30 s → 600 s)', () => {
    const { c, strategy } = setup({ ...FaultTolerancePresets.V4_9 });
    assert.equal(strategy.computeNotAvailableDuration(1000), 60000);
    assert.equal(strategy.computeNotAvailableDuration(2999), 120000);
    strategy.updateFaultItem('a', 5, true);
    c.t += 599_999;
    assert.equal(strategy.isAvailable('a'), false);
    c.t += 1;
    assert.equal(strategy.isAvailable('a'), true);
  });

  it('rejects inconsistent tables with a typed error', () => {
    for (const bad of [
      { latencyMax: [1, 2], notAvailableDuration: [0] },
      { latencyMax: [5, 1], notAvailableDuration: [0, 0] },
      { latencyMax: [1], notAvailableDuration: [-1] },
    ]) {
      assert.throws(() => new MQFaultStrategy(bad), (err: unknown) => err instanceof MQClientError && err.code === RouteErrorCode.INVALID_ARGUMENT);
    }
  });

  it('penalises by the latency windows, and isolates a failed broker for 10 s', () => {
    const { c, strategy } = setup();
    strategy.updateFaultItem('a', 40, false);
    assert.equal(strategy.isAvailable('a'), true);
    strategy.updateFaultItem('b', 600, false);
    assert.equal(strategy.isAvailable('b'), false);
    c.t += 2000;
    assert.equal(strategy.isAvailable('b'), true);
    strategy.updateFaultItem('c', 1, true);
    c.t += 9999;
    assert.equal(strategy.isAvailable('c'), false);
    c.t += 1;
    assert.equal(strategy.isAvailable('c'), true);
  });
});

describe('MQFaultStrategy.selectOneMessageQueue', () => {
  it('round-robins from the counter, wrapping past int32', () => {
    const { strategy } = setup();
    const info = publishInfo(['a', 'b'], 2);
    const picks = Array.from({ length: 5 }, () => name(strategy.selectOneMessageQueue(info, null)));
    assert.deepEqual(picks, ['a/1', 'b/0', 'b/1', 'a/0', 'a/1']);
    info.sendWhichQueue.value = 0x7fffffff;
    // ++ wraps to -2^31; masked to 0 → first queue
    assert.equal(name(strategy.selectOneMessageQueue(info, null)), 'a/0');
  });

  it('on a retry takes the next queue of another broker', () => {
    const { strategy } = setup();
    const info = publishInfo(['a', 'b', 'c'], 2);
    // counter 0: next indexes 1 (a/1), 2 (b/0)
    assert.equal(name(strategy.selectOneMessageQueue(info, 'a')), 'b/0');
    assert.equal(name(strategy.selectOneMessageQueue(info, 'b')), 'c/0');
    assert.equal(name(strategy.selectOneMessageQueue(info, 'c')), 'a/0');
  });

  it('on a retry with a single broker falls back to plain round robin', () => {
    const { strategy } = setup();
    const info = publishInfo(['a'], 3);
    assert.equal(name(strategy.selectOneMessageQueue(info, 'a')), 'a/1');
  });

  it('with fault avoidance skips brokers in their penalty window, until it ends', () => {
    const { c, strategy } = setup();
    const info = publishInfo(['a', 'b', 'c'], 1);
    strategy.updateFaultItem('b', 3200, false); // 6 s
    strategy.updateFaultItem('c', 20, true); // 10 s
    for (let i = 0; i < 6; i++) assert.equal(strategy.selectOneMessageQueue(info, null, true).brokerName, 'a');
    c.t += 6000;
    const seen = new Set(Array.from({ length: 6 }, () => strategy.selectOneMessageQueue(info, null, true).brokerName));
    assert.deepEqual([...seen].sort(), ['a', 'b']);
    c.t += 4000;
    const all = new Set(Array.from({ length: 6 }, () => strategy.selectOneMessageQueue(info, null, true).brokerName));
    assert.deepEqual([...all].sort(), ['a', 'b', 'c']);
  });

  it('ignores penalties when fault avoidance is off (the default)', () => {
    const { strategy } = setup();
    const info = publishInfo(['a', 'b'], 1);
    strategy.updateFaultItem('b', 1, true);
    const seen = new Set(Array.from({ length: 4 }, () => strategy.selectOneMessageQueue(info, null).brokerName));
    assert.deepEqual([...seen].sort(), ['a', 'b']);
  });

  it('on a retry with fault avoidance resets the counter and avoids the last broker', () => {
    const { strategy } = setup({ random: () => 0.5 });
    const info = publishInfo(['a', 'b', 'c'], 1);
    strategy.updateFaultItem('c', 1, true);
    for (let i = 0; i < 5; i++) {
      assert.equal(strategy.selectOneMessageQueue(info, 'a', true).brokerName, 'b');
    }
  });

  it('falls back to reachable brokers when all are unavailable, then to plain round robin', () => {
    const { strategy } = setup();
    const info = publishInfo(['a', 'b', 'c'], 1);
    strategy.updateFaultItem('a', 1, true, false);
    strategy.updateFaultItem('b', 1, true, true);
    strategy.updateFaultItem('c', 1, true, false);
    for (let i = 0; i < 4; i++) assert.equal(strategy.selectOneMessageQueue(info, null, true).brokerName, 'b');
    strategy.updateFaultItem('b', 1, true, false);
    const seen = new Set(Array.from({ length: 6 }, () => strategy.selectOneMessageQueue(info, null, true).brokerName));
    assert.deepEqual([...seen].sort(), ['a', 'b', 'c']);
    // On a retry with only the last broker reachable, Java's final fallback ignores the last broker too.
    strategy.updateFaultItem('b', 1, true, true);
    const retry = strategy.selectOneMessageQueue(info, 'b', true, false);
    assert.ok(['a', 'b', 'c'].includes(retry.brokerName));
  });

  it('a broker recovers once a send to it succeeds fast and its window has passed', () => {
    const { c, strategy } = setup();
    const info = publishInfo(['a', 'b'], 1);
    strategy.updateFaultItem('a', 1, true);
    assert.equal(strategy.selectOneMessageQueue(info, null, true).brokerName, 'b');
    c.t += 10_000;
    strategy.updateFaultItem('a', 5, false);
    const seen = new Set(Array.from({ length: 4 }, () => strategy.selectOneMessageQueue(info, null, true).brokerName));
    assert.deepEqual([...seen].sort(), ['a', 'b']);
  });

  it('fails with 10005 when the topic has no send queue', () => {
    const { strategy } = setup();
    const info = publishInfo([], 1);
    assert.throws(
      () => strategy.selectOneMessageQueue(info, null),
      (err: unknown) => err instanceof MQClientError && err.code === RouteErrorCode.NOT_FOUND && err.responseCode === 10005,
    );
  });

  it('properties: a retry never repeats the broker when another exists; a full round visits every queue once', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 0, max: 0x7fffffff - 64 }), // away from the int32 wrap, where Java's order jumps too
        fc.boolean(),
        (brokerCount, queues, start, faultEnabled) => {
          const { strategy } = setup({ random: Math.random });
          const brokers = ['a', 'b', 'c', 'd'].slice(0, brokerCount);
          const info = publishInfo(brokers, queues);
          info.sendWhichQueue.value = start;
          const seen = new Set<string>();
          for (let i = 0; i < info.messageQueues.length; i++) seen.add(name(strategy.selectOneMessageQueue(info, null, false)));
          assert.equal(seen.size, info.messageQueues.length);
          for (const last of brokers) {
            const picked = strategy.selectOneMessageQueue(info, last, faultEnabled).brokerName;
            if (brokerCount > 1) assert.notEqual(picked, last);
          }
        },
      ),
    );
  });
});
