import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { AsyncTraceDispatcher, TraceDispatcherDefaults } from '../../src/trace/async-trace-dispatcher.js';
import type { PubTraceRecord } from '../../src/trace/trace-data-encoder.js';
import { decodeTraceData, encodePubRecord } from '../../src/trace/trace-data-encoder.js';

function record(i: number, extra: Partial<PubTraceRecord> = {}): PubTraceRecord {
  return {
    timestamp: 1_700_000_000_000 + i,
    regionId: 'DefaultRegion',
    groupName: 'PG',
    topic: 'T',
    msgId: `ID${i}`,
    tags: null,
    keys: `key${i}`,
    storeHost: '127.0.0.1:10911',
    bodyLength: 3,
    costTime: 2,
    msgType: 0,
    offsetMsgId: `OFF${i}`,
    success: true,
    ...extra,
  };
}

describe('trace data encoding (Java TraceDataEncoder)', () => {
  it('a Pub record is the 14 fields in Java order, null tags/keys written as "null"', () => {
    const { data, keys } = encodePubRecord(record(1, { keys: 'a b' }));
    assert.equal(
      data,
      'Pub\u00011700000000001\u0001DefaultRegion\u0001PG\u0001T\u0001ID1\u0001null\u0001a b\u0001127.0.0.1:10911\u00013\u00012\u00010\u0001OFF1\u0001true\u0002',
    );
    assert.deepEqual(keys, ['ID1', 'a', 'b']);
    assert.equal(encodePubRecord(record(2, { keys: null, success: false })).data.split('\u0001')[7], 'null');
  });

  it('decodes what it encodes, field by field', () => {
    const r = record(3, { tags: 'TagA', msgType: 3 });
    const [decoded] = decodeTraceData(encodePubRecord(r).data + encodePubRecord(record(4)).data);
    assert.deepEqual(decoded?.pub, r);
  });
});

describe('AsyncTraceDispatcher batching', () => {
  it('has the Java constants', () => {
    assert.deepEqual({ ...TraceDispatcherDefaults }, {
      queueSize: 1024,
      maxPendingSends: 2048,
      maxMessageSize: 128_000,
      pollingMillis: 100,
      waitTimeThresholdMillis: 500,
    });
  });

  it('a full queue drops records and counts them; flush sends what was accepted, in one message with all keys', async () => {
    const sent: { topic: string; keys: readonly string[]; body: string }[] = [];
    const d = new AsyncTraceDispatcher({ traceTopic: 'TT', queueSize: 2, send: async (topic, keys, body) => void sent.push({ topic, keys, body }) });
    assert.equal(d.append(record(1)), true);
    assert.equal(d.append(record(2)), true);
    assert.equal(d.append(record(3)), false);
    assert.equal(d.stats().discarded, 1);
    await d.flush();
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.topic, 'TT');
    assert.deepEqual(sent[0]!.keys, ['ID1', 'key1', 'ID2', 'key2']);
    assert.equal(sent[0]!.body, encodePubRecord(record(1)).data + encodePubRecord(record(2)).data);
    assert.equal(d.stats().messagesSent, 1);
  });

  it('a segment is sent once its text reaches maxMessageSize - 10 000 characters', async () => {
    const sent: string[] = [];
    const one = encodePubRecord(record(1)).data.length;
    // Room for exactly three records before the threshold.
    const d = new AsyncTraceDispatcher({ traceTopic: 'TT', maxMessageSize: 10_000 + 3 * one, send: async (_t, _k, body) => void sent.push(body) });
    for (let i = 1; i <= 7; i++) d.append(record(i));
    await d.flush();
    assert.deepEqual(sent.map((b) => decodeTraceData(b).length), [3, 3, 1]);
  });

  it('the timer sends a segment once its first record is waitTimeThresholdMillis old', async () => {
    const sent: string[] = [];
    const d = new AsyncTraceDispatcher({ traceTopic: 'TT', pollingMillis: 10, waitTimeThresholdMillis: 80, send: async (_t, _k, body) => void sent.push(body) });
    d.start();
    d.append(record(1));
    await new Promise((r) => setTimeout(r, 40));
    assert.equal(sent.length, 0, 'not yet');
    await new Promise((r) => setTimeout(r, 120));
    assert.equal(sent.length, 1);
    await d.shutdown();
  });

  it('a failing or throwing trace send is counted, never thrown', async () => {
    let calls = 0;
    const d = new AsyncTraceDispatcher({
      traceTopic: 'TT',
      send: () => {
        calls++;
        if (calls === 1) throw new Error('sync throw');
        return Promise.reject(new Error('async reject'));
      },
    });
    d.append(record(1));
    await d.flush();
    d.append(record(2));
    await d.flush();
    assert.equal(d.stats().sendFailures, 2);
  });
});
