import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BrokerProcessor, type BrokerVersion } from '../../src/embedded/broker-processor.js';
import { MessageStore } from '../../src/embedded/message-store.js';
import { decodeFrame } from '../../src/remoting/frame-codec.js';
import { createRequest } from '../../src/remoting/remoting-command.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { goldenFile } from '../helpers/golden.js';

function broker(version: BrokerVersion): { processor: BrokerProcessor; store: MessageStore } {
  const store = new MessageStore('127.0.0.1:10911', 1000);
  const processor = new BrokerProcessor({
    brokerName: 'broker-a',
    clusterName: 'DefaultCluster',
    address: '127.0.0.1:10911',
    version,
    autoCreateTopic: true,
    queuesPerTopic: 4,
    maxMessageSize: 4 * 1024 * 1024,
    regionId: 'DefaultRegion',
    traceOn: true,
    rejectTransactionMessage: false,
    store,
  });
  return { processor, store };
}

/** The one record the store holds. */
function onlyRecord(store: MessageStore): Buffer {
  const messages = store.messages();
  assert.equal(messages.length, 1);
  return store.recordAt(messages[0]!.commitLogOffset)!;
}

/** The captured request send (310) from the Java 4.9.8 client, and the record the 4.9.8 broker stored for it. */
const REQUEST = 'tx-reply/reply_request_send.request.frame.bin';
const STORED = 'tx-reply/reply_responder_pull.response.body.bin';
/** Where the captured send came from (the record's born host). */
const ORIGIN = { remoteAddress: '127.0.0.1:40694' };

describe('stored properties of an ordinary send: Java HashMap order', () => {
  it('4.9: the captured send is stored byte for byte as the real 4.9.8 broker stored it', () => {
    const { processor, store } = broker('4.9');
    processor.createTopic('GoldReply', 4);
    const answer = processor.process(decodeFrame(goldenFile(REQUEST)), ORIGIN);
    assert.equal((answer as { code: number }).code, 0);
    const record = Buffer.from(onlyRecord(store));
    const golden = goldenFile(STORED);
    assert.equal(record.length, golden.length);
    // Only the store position and the store clock differ (physical offset at 28, store timestamp at 56).
    golden.copy(record, 28, 28, 36);
    golden.copy(record, 56, 56, 64);
    assert.deepEqual(record, golden);
    // REPLY_TO_CLIENT, KEYS, UNIQ_KEY, CLUSTER, TTL, TAGS, CORRELATION_ID: CLUSTER in its bucket, WAIT not stored.
    const propertiesLength = golden.readInt16BE(golden.length - 0xbc - 2);
    assert.equal(propertiesLength, 0xbc);
  });

  it('4.9: a Java client\'s KEYS, UNIQ_KEY, WAIT, TAGS is stored as KEYS, UNIQ_KEY, CLUSTER, TAGS (captured send)', () => {
    const { processor, store } = broker('4.9');
    processor.createTopic('BenchTopic', 4);
    processor.process(decodeFrame(goldenFile('send_v2_BenchTopic.request.frame.bin')), ORIGIN);
    const record = onlyRecord(store);
    // The order of the stored record of the wire notes' worked example (§11): CLUSTER shares bucket 12 with
    // UNIQ_KEY and comes after it; TAGS is in bucket 14.
    const expected = 'KEYS\x01golden-key-1\x02UNIQ_KEY\x01C00002023A875FFD2B2768CA713B0000\x02CLUSTER\x01DefaultCluster\x02TAGS\x01TagA';
    assert.equal(record.readInt16BE(record.length - expected.length - 2), expected.length);
    assert.equal(record.subarray(record.length - expected.length).toString('latin1'), expected);
  });

  it('5.x: the same send is stored in HashMap order with WAIT kept in place (5.3.3 SendMessageProcessor#sendMessage)', () => {
    const { processor, store } = broker('5.x');
    processor.createTopic('GoldReply', 4);
    processor.process(decodeFrame(goldenFile(REQUEST)), ORIGIN);
    const record = onlyRecord(store);
    const length = record.readInt16BE(record.length - 0xc6 - 2);
    // 5.3.3 decodes the sent string into a HashMap, keeps UNIQ_KEY (present), puts CLUSTER and stores
    // messageProperties2String(map): buckets of 16 ascending, insertion order inside one (UNIQ_KEY, CLUSTER: 12;
    // WAIT, TTL: 13 as sent), WAIT not removed.
    const expected =
      'REPLY_TO_CLIENT\x01192.0.2.2@requestcheck-16079\x02KEYS\x01rk0\x02UNIQ_KEY\x01C00002023ECF5FFD2B27026885490000' +
      '\x02CLUSTER\x01DefaultCluster\x02WAIT\x01true\x02TTL\x013000\x02TAGS\x01req' +
      '\x02CORRELATION_ID\x01677eac06-3b39-45da-9a04-8048b5869022';
    assert.equal(length, Buffer.byteLength(expected));
    assert.equal(record.subarray(record.length - length).toString('latin1'), expected);
  });

  for (const version of ['4.9', '5.x'] as const) {
    it(`${version}: a batch's records end with the batch properties in HashMap order (CommitLog batch encoder)`, () => {
      const { processor, store } = broker(version);
      processor.createTopic('BatchTopic', 4);
      const own = 'KEYS\x01k\x02UNIQ_KEY\x01C0A8000230391B6D358647B760000000';
      const body = Buffer.alloc(22 + 1 + own.length);
      body.writeInt32BE(body.length, 0);
      body.writeInt32BE(1, 16);
      body.write('x', 20);
      body.writeInt16BE(own.length, 21);
      body.write(own, 23, 'latin1');
      const request = createRequest(
        RequestCode.SEND_BATCH_MESSAGE,
        { a: 'G', b: 'BatchTopic', c: 'TBW102', d: '4', e: '1', f: '0', g: '1700000000000', h: '0', i: 'WAIT\x01true', j: '0', k: 'false', m: 'true' },
        { body },
      );
      processor.process(request, ORIGIN);
      const record = onlyRecord(store);
      // The record's own string as sent, a separator, then messageProperties2String of the batch's map with CLUSTER
      // put: CLUSTER (bucket 12) before WAIT (bucket 13); neither version removes WAIT there.
      const expected = own + '\x02CLUSTER\x01DefaultCluster\x02WAIT\x01true';
      const length = record.readInt16BE(record.length - expected.length - 2);
      assert.equal(length, expected.length);
      assert.equal(record.subarray(record.length - length).toString('latin1'), expected);
    });
  }
});
