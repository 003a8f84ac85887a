import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import { decodeBody } from '../../src/message/body-codec.js';
import type { SendResult } from '../../src/message/message.js';
import type { Producer } from '../../src/producer/producer.js';
import { startCluster, startProducer, stopAll, unique } from './cluster-fixture.js';

describe('producer send modes against the embedded cluster', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  before(async () => {
    cluster = await startCluster();
    producer = await startProducer(cluster);
  });
  after(stopAll);

  function storedFor(result: SendResult) {
    const broker = cluster.broker(result.messageQueue.brokerName)!;
    const found = broker.messages({ topic: result.messageQueue.topic }).filter((m) => m.uniqueId === result.msgId);
    assert.equal(found.length, 1, 'stored exactly once');
    return found[0]!;
  }

  it('sync: stored body, tags, keys, properties and unique id match; SendResult matches the store', async () => {
    const topic = unique('SyncTopic');
    const result = await producer.send({
      topic,
      tags: 'TagA',
      keys: ['OrderID188', 'k2'],
      body: 'Hello',
      properties: { color: 'red' },
      flag: 7,
    });
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.match(result.msgId, /^[0-9A-F]{32}$/);
    const stored = storedFor(result);
    assert.deepEqual(stored.body, Buffer.from('Hello'));
    assert.equal(stored.tags, 'TagA');
    assert.deepEqual(stored.keys, ['OrderID188', 'k2']);
    assert.equal(stored.properties['color'], 'red');
    assert.equal(stored.properties['UNIQ_KEY'], result.msgId);
    assert.equal(stored.flag, 7);
    assert.equal(stored.sysFlag, 0);
    assert.equal(stored.topic, topic);
    assert.equal(result.messageQueue.topic, topic);
    assert.equal(result.messageQueue.queueId, stored.queueId);
    assert.equal(result.queueOffset, stored.queueOffset);
    assert.equal(result.offsetMsgId, stored.msgId);
    assert.equal(result.regionId, 'DefaultRegion');
    assert.equal(result.traceOn, true);
  });

  it('async: onSuccess fires once with a result matching the store; object bodies travel as msgpack', async () => {
    const topic = unique('AsyncTopic');
    const calls: (SendResult | Error)[] = [];
    const body = { order: 188, items: ['a', 'b'] };
    await new Promise<void>((resolve) => {
      producer.sendAsync(
        { topic, tags: 'TagB', keys: 'single', body },
        {
          onSuccess: (r) => {
            calls.push(r);
            resolve();
          },
          onException: (e) => {
            calls.push(e);
            resolve();
          },
        },
      );
    });
    assert.equal(calls.length, 1);
    const result = calls[0] as SendResult;
    assert.equal(result.sendStatus, 'SEND_OK');
    const stored = storedFor(result);
    assert.equal(stored.properties['CONTENT_TYPE'], 'application/x-msgpack');
    assert.deepEqual(decodeBody(stored.body, stored.properties), body);
    assert.deepEqual(stored.keys, ['single']);
    assert.equal(stored.tags, 'TagB');
    assert.equal(result.queueOffset, stored.queueOffset);
  });

  it('oneway: settles once written and the message is stored', async () => {
    const topic = unique('OnewayTopic');
    const before = cluster.messages({ topic }).length;
    assert.equal(await producer.sendOneway({ topic, tags: 'TagC', body: Buffer.from([1, 2, 3]) }), undefined);
    const deadline = Date.now() + 2000;
    while (cluster.messages({ topic }).length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 5));
    const stored = cluster.messages({ topic });
    assert.equal(stored.length, before + 1);
    assert.deepEqual(stored[0]!.body, Buffer.from([1, 2, 3]));
    assert.match(stored[0]!.uniqueId!, /^[0-9A-F]{32}$/);
  });

  it('send$ is cold: nothing is sent until subscription', async () => {
    const topic = unique('ColdTopic');
    const send$ = producer.send$({ topic, body: 'x' });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(cluster.messages({ topic }).length, 0);
    const result = await new Promise<SendResult>((resolve, reject) => send$.subscribe({ next: resolve, error: reject }));
    assert.equal(cluster.messages({ topic }).length, 1);
    assert.equal(result.sendStatus, 'SEND_OK');
  });

  it('sends alternate over the queues of both brokers', async () => {
    const topic = unique('SpreadTopic');
    const results = [];
    for (let i = 0; i < 8; i++) results.push(await producer.send({ topic, body: `m${i}` }));
    const brokers = new Set(results.map((r) => r.messageQueue.brokerName));
    assert.deepEqual([...brokers].sort(), ['broker-a', 'broker-b']);
  });
});
