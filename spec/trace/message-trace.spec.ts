import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import type { SendResult } from '../../src/message/message.js';
import { CONTENT_SPLITOR, FIELD_SPLITOR, decodeTraceData } from '../../src/trace/trace-data-encoder.js';
import { sleep, startCluster, startProducer, stopAll, unique } from '../producer/cluster-fixture.js';

const SEND_V2 = 310;
const SYSTEM_BUSY = 2;

describe('message trace (enableMsgTrace) against the embedded cluster', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(stopAll);

  /** Every Pub record stored on `traceTopic`, with the trace message that carried it. */
  function traceRecords(traceTopic: string) {
    return cluster.messages({ topic: traceTopic }).flatMap((stored) =>
      decodeTraceData(stored.body.toString('utf8')).map((record) => ({ stored, record })),
    );
  }

  async function waitForRecords(traceTopic: string, count: number): Promise<ReturnType<typeof traceRecords>> {
    for (let i = 0; i < 60; i++) {
      const records = traceRecords(traceTopic);
      if (records.length >= count) return records;
      await sleep(50);
    }
    return traceRecords(traceTopic);
  }

  it('a Pub record per successful send, encoded field by field as Java TraceDataEncoder writes it', async () => {
    const traceTopic = unique('TraceTopic');
    const group = unique('TracePG');
    const producer = await startProducer(cluster, { producerGroup: group, enableMsgTrace: true, customizedTraceTopic: traceTopic });
    const topic = unique('Traced');
    const before = Date.now();
    const tagged = await producer.send({ topic, tags: 'TagA', keys: ['k1', 'k2'], body: 'hello trace' });
    const plain = await producer.send({ topic, body: Buffer.alloc(10, 1) });
    const delayed = await producer.send({ topic, body: 'later', delayTimeLevel: 1 });
    const afterSends = Date.now();

    const records = await waitForRecords(traceTopic, 3);
    assert.equal(records.length, 3);
    const byId = new Map(records.map((r) => [r.record.pub?.msgId, r]));
    const check = (result: SendResult, tags: string, keys: string, bodyLength: number, msgType: number): void => {
      const entry = byId.get(result.msgId);
      assert.ok(entry, `a record for ${result.msgId}`);
      const { record } = entry;
      assert.equal(record.type, 'Pub');
      const f = record.fields;
      assert.equal(f.length, 13, 'Pub + 13 fields: no client host (the Java encoder writes none)');
      const timestamp = Number(f[0]);
      assert.ok(timestamp >= before && timestamp <= afterSends, 'timestamp: when the attempt started');
      assert.equal(f[1], 'DefaultRegion', 'regionId from the broker answer');
      assert.equal(f[2], group);
      assert.equal(f[3], topic);
      assert.equal(f[4], result.msgId);
      assert.equal(f[5], tags);
      assert.equal(f[6], keys);
      assert.equal(f[7], cluster.broker(result.messageQueue.brokerName)!.address, 'storeHost: the broker written to');
      assert.equal(f[8], String(bodyLength));
      assert.ok(Number.isInteger(Number(f[9])) && Number(f[9]) >= 0 && Number(f[9]) <= afterSends - before, 'costTime');
      assert.equal(f[10], String(msgType));
      assert.equal(f[11], result.offsetMsgId);
      assert.equal(f[12], 'true');
    };
    check(tagged, 'TagA', 'k1 k2', Buffer.byteLength('hello trace'), 0);
    check(plain, 'null', 'null', 10, 0);
    check(delayed, 'null', 'null', 5, 3);

    // The raw text: \u0001 between fields, \u0002 after each record.
    const raw = records[0]!.stored.body.toString('utf8');
    assert.ok(raw.endsWith(FIELD_SPLITOR));
    assert.equal(raw.split(FIELD_SPLITOR)[0]!.split(CONTENT_SPLITOR).length, 14);
    // The trace message is keyed by every msgId and key it holds, and has no tags.
    const keys = new Set(cluster.messages({ topic: traceTopic }).flatMap((m) => m.keys));
    for (const id of [tagged.msgId, plain.msgId, delayed.msgId, 'k1', 'k2']) assert.ok(keys.has(id), `trace key ${id}`);
    for (const m of cluster.messages({ topic: traceTopic })) assert.equal(m.tags, null);
    // The trace sends themselves are not traced.
    assert.ok(records.every((r) => r.record.fields[3] !== traceTopic));
    assert.equal(producer.metrics().trace?.discarded, 0);
    assert.ok((producer.metrics().trace?.messagesSent ?? 0) >= 1);
  });

  it('records within one flush interval go in one trace message; shutdown flushes what is queued', async () => {
    const traceTopic = unique('TraceBatch');
    const producer = await startProducer(cluster, { enableMsgTrace: true, customizedTraceTopic: traceTopic });
    const topic = unique('TracedBatch');
    for (let i = 0; i < 5; i++) await producer.send({ topic, body: `m${i}` });
    await producer.shutdown();
    const messages = cluster.messages({ topic: traceTopic });
    assert.equal(messages.length, 1, 'one trace message for five quick sends');
    assert.equal(decodeTraceData(messages[0]!.body.toString('utf8')).length, 5);
  });

  it('failed sends leave no record; a namespace is stripped from topic and group', async () => {
    const traceTopic = unique('TraceNs');
    const group = unique('NsPG');
    const producer = await startProducer(cluster, {
      producerGroup: group,
      namespace: 'ns1',
      enableMsgTrace: true,
      customizedTraceTopic: traceTopic,
      retryTimesWhenSendFailed: 0,
    });
    const topic = unique('NsTopic');
    const ok = await producer.send({ topic, body: 'ok' });
    for (const broker of cluster.brokers) broker.faults.respondWith(SYSTEM_BUSY, { requestCode: SEND_V2, remark: 'injected', times: 1 });
    await assert.rejects(producer.send({ topic, body: 'fails' }), { code: 'RMQ_ERR_BROKER' });
    for (const broker of cluster.brokers) broker.faults.clear();
    await producer.shutdown();
    const records = traceRecords(traceTopic);
    assert.equal(records.length, 1);
    assert.equal(records[0]!.record.fields[2], group);
    assert.equal(records[0]!.record.fields[3], topic);
    assert.equal(records[0]!.record.fields[4], ok.msgId);
  });

  it('without enableMsgTrace nothing goes to the trace topic', async () => {
    const producer = await startProducer(cluster);
    await producer.send({ topic: unique('Untraced'), body: 'x' });
    await producer.shutdown();
    assert.equal(producer.metrics().trace, null);
    assert.equal(cluster.messages({ topic: 'RMQ_SYS_TRACE_TOPIC' }).length, 0);
  });
});
