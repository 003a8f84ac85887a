import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { goldenFile } from '../helpers/golden.js';
import { parseTopicRouteData, ROUTE_PARSE_ERROR_CODE, type TopicRouteData, type QueueData } from '../../src/route/topic-route.js';
import {
  deriveFromDefaultTopicRoute,
  hasSendQueues,
  masterAddress,
  topicRouteToPublishInfo,
  writeQueueNumsOf,
} from '../../src/route/topic-publish-info.js';
import { MQClientError } from '../../src/errors.js';

function queue(brokerName: string, writeQueueNums: number, perm = 6, readQueueNums = writeQueueNums): QueueData {
  return { brokerName, readQueueNums, writeQueueNums, perm, topicSysFlag: 0 };
}

function route(queueDatas: QueueData[], brokers: Record<string, Record<string, string>>, orderTopicConf?: string): TopicRouteData {
  return {
    ...(orderTopicConf === undefined ? {} : { orderTopicConf }),
    queueDatas,
    brokerDatas: Object.entries(brokers).map(([brokerName, brokerAddrs]) => ({ cluster: 'C', brokerName, brokerAddrs })),
    filterServerTable: {},
  };
}

const ids = (info: ReturnType<typeof topicRouteToPublishInfo>) => info.messageQueues.map((q) => `${q.brokerName}/${q.queueId}`);

describe('topicRouteToPublishInfo', () => {
  it('builds the golden BenchTopic route: 4 queues on broker-a and its master address', () => {
    const info = topicRouteToPublishInfo('BenchTopic', parseTopicRouteData(goldenFile('route_BenchTopic.response.body.json')));
    assert.deepEqual(info.messageQueues, [0, 1, 2, 3].map((queueId) => ({ topic: 'BenchTopic', brokerName: 'broker-a', queueId })));
    assert.equal(info.orderTopic, false);
    assert.equal(info.haveTopicRouterInfo, true);
    assert.equal(hasSendQueues(info), true);
    assert.equal(masterAddress(info, 'broker-a'), '127.0.0.1:10911');
    assert.equal(masterAddress(info, 'broker-x'), null);
  });

  it('uses orderTopicConf in its order, without permission or master checks', () => {
    const r = route([queue('a', 8, 4)], { a: { '1': 'h:2' } }, 'b:2;a:1;');
    const info = topicRouteToPublishInfo('T', r);
    assert.equal(info.orderTopic, true);
    assert.deepEqual(ids(info), ['b/0', 'b/1', 'a/0']);
    assert.ok(info.messageQueues.every((q) => q.topic === 'T'));
  });

  it('rejects a malformed orderTopicConf with a typed error', () => {
    for (const conf of ['a', 'a:x', 'a:', 'a:1;b']) {
      assert.throws(
        () => topicRouteToPublishInfo('T', route([], {}, conf)),
        (err: unknown) => err instanceof MQClientError && err.code === ROUTE_PARSE_ERROR_CODE,
      );
    }
  });

  it('sorts queueDatas by broker name in Java String.compareTo (UTF-16) order', () => {
    // 'B' < 'a' (upper case first), and U+FF21 (BMP) sorts after U+1F600 (a surrogate pair starting 0xD83D) in UTF-16.
    const names = ['b', 'a', 'B', '\uFF21', '\u{1F600}'];
    const r = route(
      names.map((n) => queue(n, 1)),
      Object.fromEntries(names.map((n) => [n, { '0': `${n}:1` }])),
    );
    assert.deepEqual(
      topicRouteToPublishInfo('T', r).messageQueues.map((q) => q.brokerName),
      ['B', 'a', 'b', '\u{1F600}', '\uFF21'],
    );
  });

  it('keeps only writable queues of brokers that have a master', () => {
    const r = route(
      [queue('ro', 4, 4), queue('wo', 2, 2), queue('slaveOnly', 4), queue('unknown', 4), queue('rw', 3, 6), queue('zero', 0)],
      { ro: { '0': 'h:1' }, wo: { '0': 'h:2' }, slaveOnly: { '1': 'h:3' }, rw: { '0': 'h:4', '1': 'h:5' }, zero: { '0': 'h:6' } },
    );
    const info = topicRouteToPublishInfo('T', r);
    assert.deepEqual(ids(info), ['rw/0', 'rw/1', 'rw/2', 'wo/0', 'wo/1']);
    assert.equal(masterAddress(info, 'slaveOnly'), null);
    assert.equal(info.brokerAddrs.get('slaveOnly')?.get(1), 'h:3');
    assert.equal(info.brokerAddrs.get('rw')?.get(1), 'h:5');
    assert.equal(writeQueueNumsOf(info, 'rw'), 3);
    assert.equal(writeQueueNumsOf(info, 'ro'), -1);
  });

  it('has no send queues when nothing is writable', () => {
    const info = topicRouteToPublishInfo('T', route([queue('a', 4, 4)], { a: { '0': 'h:1' } }));
    assert.equal(hasSendQueues(info), false);
    assert.equal(info.haveTopicRouterInfo, true);
  });

  it('starts the round-robin counter at a random value', () => {
    const r = route([queue('a', 4)], { a: { '0': 'h:1' } });
    assert.equal(topicRouteToPublishInfo('T', r, { random: () => 0.5 }).sendWhichQueue.value, 0);
    assert.equal(topicRouteToPublishInfo('T', r, { random: () => 0 }).sendWhichQueue.value, -0x80000000);
  });
});

describe('deriveFromDefaultTopicRoute', () => {
  it('caps queue counts at min(defaultTopicQueueNums, readQueueNums) and builds queues for the real topic', () => {
    const tbw = parseTopicRouteData(goldenFile('route_TBW102.response.body.json'));
    const before = structuredClone(tbw);
    const derived = deriveFromDefaultTopicRoute(tbw, 2);
    assert.deepEqual(tbw, before, 'the input is not modified');
    assert.deepEqual(derived.queueDatas, [{ brokerName: 'broker-a', perm: 7, readQueueNums: 2, topicSysFlag: 0, writeQueueNums: 2 }]);
    const info = topicRouteToPublishInfo('NewTopic', derived);
    assert.deepEqual(ids(info), ['broker-a/0', 'broker-a/1']);
    assert.ok(info.messageQueues.every((q) => q.topic === 'NewTopic'));
  });

  it('uses readQueueNums (not writeQueueNums) when it is the smaller, as Java does', () => {
    const r = route([queue('a', 8, 7, 3), queue('b', 2, 7, 16)], { a: { '0': 'h:1' }, b: { '0': 'h:2' } });
    const derived = deriveFromDefaultTopicRoute(r, 4);
    assert.deepEqual(
      derived.queueDatas.map((q) => [q.brokerName, q.readQueueNums, q.writeQueueNums]),
      [
        ['a', 3, 3],
        ['b', 4, 4],
      ],
    );
  });
});
