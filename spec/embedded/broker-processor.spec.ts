import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { BrokerProcessor, type BrokerVersion, type RequestOrigin } from '../../src/embedded/broker-processor.js';
import { MessageStore } from '../../src/embedded/message-store.js';
import { decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { createRequest, SerializeType, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { goldenFile } from '../helpers/golden.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { ResponseCode } from '../../src/remoting/response-code.js';

const ORIGIN = { remoteAddress: '127.0.0.1:54321' };

/** Every request but the reply codes is answered synchronously. */
function run(processor: BrokerProcessor, request: RemotingCommand, origin: RequestOrigin = ORIGIN): RemotingCommand | null {
  const response = processor.process(request, origin);
  assert.ok(!(response instanceof Promise));
  return response;
}
const P = (entries: Record<string, string>): string =>
  Object.entries(entries)
    .map(([k, v]) => `${k}\x01${v}`)
    .join('\x02');

function broker(options: { version?: BrokerVersion; autoCreateTopic?: boolean; maxStoredMessages?: number; maxMessageSize?: number } = {}) {
  const store = new MessageStore('127.0.0.1:10911', options.maxStoredMessages ?? 1000);
  const created: string[] = [];
  const processor = new BrokerProcessor({
    brokerName: 'broker-a',
    clusterName: 'DefaultCluster',
    address: '127.0.0.1:10911',
    version: options.version ?? '4.9',
    autoCreateTopic: options.autoCreateTopic ?? true,
    queuesPerTopic: 4,
    maxMessageSize: options.maxMessageSize ?? 4 * 1024 * 1024,
    regionId: 'DefaultRegion',
    traceOn: true,
    rejectTransactionMessage: false,
    store,
    onTopicCreated: (config) => created.push(config.topicName),
  });
  return { processor, store, created };
}

function v2(ext: Record<string, string>, body: Buffer | null = Buffer.from('Hello'), code: number = RequestCode.SEND_MESSAGE_V2, oneway = false): RemotingCommand {
  const base: Record<string, string> = {
    a: 'PG',
    b: 'TopicTest',
    c: 'TBW102',
    d: '4',
    e: '2',
    f: '0',
    g: '1700000000000',
    h: '0',
    i: P({ KEYS: 'OrderID188', UNIQ_KEY: 'C0A8000230391B6D358647B760000000', WAIT: 'true', TAGS: 'TagA' }),
    j: '0',
    k: 'false',
    m: 'false',
    n: 'broker-a',
  };
  const merged: Record<string, string> = { ...base, ...ext };
  for (const key of Object.keys(merged)) if (merged[key] === '<absent>') delete merged[key];
  return createRequest(code, merged, { body, opaque: 2, oneway });
}

function batchBody(records: { body: string; props: string; flag?: number }[]): Buffer {
  return Buffer.concat(
    records.map(({ body, props, flag }) => {
      const b = Buffer.from(body);
      const p = Buffer.from(props);
      const buf = Buffer.alloc(22 + b.length + p.length);
      buf.writeInt32BE(buf.length, 0);
      buf.writeInt32BE(flag ?? 0, 12);
      buf.writeInt32BE(b.length, 16);
      b.copy(buf, 20);
      buf.writeInt16BE(p.length, 20 + b.length);
      p.copy(buf, 22 + b.length);
      return buf;
    }),
  );
}

describe('BrokerProcessor: SEND_MESSAGE_V2', () => {
  it('auto-creates the topic, stores the message and answers like a 4.9 broker', () => {
    const { processor, store, created } = broker();
    const response = run(processor, v2({}), ORIGIN)!;
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(response.opaque, 2);
    assert.equal(response.flag, 1);
    assert.equal(response.remark, null);
    assert.equal(response.version, 409);
    assert.deepEqual(Object.keys(response.extFields!), ['queueId', 'TRACE_ON', 'MSG_REGION', 'msgId', 'queueOffset']);
    assert.deepEqual(response.extFields, {
      queueId: '2',
      TRACE_ON: 'true',
      MSG_REGION: 'DefaultRegion',
      msgId: '7F00000100002A9F0000000000000000',
      queueOffset: '0',
    });
    assert.deepEqual(created, ['TopicTest']);
    const [message] = store.messages({ topic: 'TopicTest' });
    assert.ok(message);
    assert.equal(message.body.toString(), 'Hello');
    assert.equal(message.tags, 'TagA');
    assert.deepEqual(message.keys, ['OrderID188']);
    assert.equal(message.uniqueId, 'C0A8000230391B6D358647B760000000');
    assert.equal(message.properties.CLUSTER, 'DefaultCluster');
    assert.equal(message.properties.WAIT, undefined, '4.9 drops WAIT from the stored properties');
    assert.equal(message.bornHost, '127.0.0.1:54321');
    assert.equal(message.storeHost, '127.0.0.1:10911');
    assert.equal(message.bornTimestamp, 1700000000000);
    assert.equal(message.queueId, 2);
  });

  it('assigns per-queue offsets from 0 and grows the commit-log offset by the record size', () => {
    const { processor, store } = broker();
    const first = run(processor, v2({}), ORIGIN)!;
    const second = run(processor, v2({}), ORIGIN)!;
    const other = run(processor, v2({ e: '1' }), ORIGIN)!;
    assert.equal(first.extFields!.queueOffset, '0');
    assert.equal(second.extFields!.queueOffset, '1');
    assert.equal(other.extFields!.queueOffset, '0');
    const [m1, m2, m3] = store.messages();
    assert.equal(m1!.commitLogOffset, 0);
    assert.ok(m2!.commitLogOffset > 0);
    assert.equal(m3!.commitLogOffset - m2!.commitLogOffset, m2!.commitLogOffset);
    assert.equal(second.extFields!.msgId, `7F00000100002A9F${m2!.commitLogOffset.toString(16).toUpperCase().padStart(16, '0')}`);
    assert.equal(store.maxCommitLogOffset, 3 * m2!.commitLogOffset);
  });

  it('answers in the request serialization (4.9) with the fast-header field order', () => {
    const { processor } = broker();
    const request = { ...v2({}), serializeType: SerializeType.ROCKETMQ };
    const response = run(processor, request, ORIGIN)!;
    assert.equal(response.serializeType, SerializeType.ROCKETMQ);
    assert.deepEqual(Object.keys(response.extFields!), ['msgId', 'queueId', 'queueOffset', 'TRACE_ON', 'MSG_REGION']);
  });

  it('5.x: transactionId, JSON answers, WAIT kept, UNIQ_KEY generated when missing', () => {
    const { processor, store } = broker({ version: '5.x' });
    const response = run(processor, { ...v2({}), serializeType: SerializeType.ROCKETMQ }, ORIGIN)!;
    assert.equal(response.serializeType, SerializeType.JSON);
    assert.equal(response.version, 479);
    assert.deepEqual(Object.keys(response.extFields!), ['queueId', 'transactionId', 'msgId', 'TRACE_ON', 'MSG_REGION', 'queueOffset']);
    assert.equal(response.extFields!.transactionId, 'C0A8000230391B6D358647B760000000');
    const noKey = run(processor, v2({ i: P({ TAGS: 'x' }) }), ORIGIN)!;
    assert.match(noKey.extFields!.transactionId!, /^[0-9A-F]{32}$/);
    const stored = store.messages();
    assert.equal(stored[0]!.properties.WAIT, 'true');
    assert.equal(stored[1]!.uniqueId, noKey.extFields!.transactionId);
  });

  it('SEND_MESSAGE (10) with long header names is processed identically', () => {
    const { processor, store } = broker();
    const request = createRequest(
      RequestCode.SEND_MESSAGE,
      {
        producerGroup: 'PG',
        topic: 'TopicTest',
        defaultTopic: 'TBW102',
        defaultTopicQueueNums: '4',
        queueId: '3',
        sysFlag: '0',
        bornTimestamp: '1700000000000',
        flag: '7',
        properties: P({ TAGS: 'v1' }),
        reconsumeTimes: '0',
        unitMode: 'false',
        batch: 'false',
      },
      { body: Buffer.from('V1') },
    );
    const response = run(processor, request, ORIGIN)!;
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(response.extFields!.queueId, '3');
    const [message] = store.messages();
    assert.equal(message!.flag, 7);
    assert.equal(message!.tags, 'v1');
  });

  it('a negative queueId picks a random writable queue', () => {
    const { processor } = broker();
    const response = run(processor, v2({ e: '-1' }), ORIGIN)!;
    assert.equal(response.code, ResponseCode.SUCCESS);
    const queueId = Number(response.extFields!.queueId);
    assert.ok(queueId >= 0 && queueId < 4);
  });

  it('inflates compressed bodies for messages() and keeps the raw body', () => {
    const { processor, store } = broker();
    const raw = deflateSync(Buffer.from('x'.repeat(5000)), { level: 5 });
    run(processor, v2({ f: '769' }, raw), ORIGIN);
    const [message] = store.messages();
    assert.equal(message!.sysFlag, 769);
    assert.equal(message!.body.toString(), 'x'.repeat(5000));
    assert.deepEqual(message!.rawBody, raw);
  });
});

describe('BrokerProcessor: golden 4.9.8 sends', () => {
  it('answers the captured SEND_MESSAGE_V2 with the captured frame, and stores a record of the real size', () => {
    const { processor, store } = broker();
    processor.createTopic('BenchTopic', 4);
    const request = decodeFrame(goldenFile('send_v2_BenchTopic.request.frame.bin'));
    const response = run(processor, request)!;
    const golden = decodeFrame(goldenFile('send_v2_BenchTopic.response.frame.bin'));
    // Same frame apart from the store position, which depends on what the real broker had stored before.
    const expected = { ...golden, extFields: { ...golden.extFields!, msgId: '7F00000100002A9F0000000000000000', queueOffset: '0' } };
    assert.deepEqual(encodeFrame(response), encodeFrame(expected));
    // The real broker's commit log grew by 0x11A2656D − 0x11A264A0 = 205 bytes between this send and the next one:
    // the §11 record with WAIT dropped and CLUSTER added.
    assert.equal(store.maxCommitLogOffset, 0x11a2656d - 0x11a264a0);
    const next = run(processor, decodeFrame(goldenFile('send_v2_autocreate.request.frame.bin')))!;
    const goldenNext = decodeFrame(goldenFile('send_v2_autocreate.response.frame.bin'));
    assert.deepEqual(encodeFrame(next), encodeFrame({ ...goldenNext, extFields: { ...goldenNext.extFields!, msgId: '7F00000100002A9F00000000000000CD' } }));
  });
});

describe('BrokerProcessor: validation (§8.4)', () => {
  it('invalid topic names → SYSTEM_ERROR (4.9) / INVALID_PARAMETER (5.x) with TRACE_ON and MSG_REGION', () => {
    const { processor } = broker();
    const illegal = run(processor, v2({ b: 'bad topic!' }), ORIGIN)!;
    assert.equal(illegal.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(illegal.remark, 'The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$');
    assert.deepEqual(illegal.extFields, { TRACE_ON: 'true', MSG_REGION: 'DefaultRegion' });
    const long = run(processor, v2({ b: 'T'.repeat(128) }), ORIGIN)!;
    assert.equal(long.remark, 'The specified topic is longer than topic max length.');
    const blank = run(processor, v2({ b: '<absent>' }), ORIGIN)!;
    assert.equal(blank.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(blank.remark, 'The specified topic is blank.');
    const five = run(broker({ version: '5.x' }).processor, v2({ b: 'bad topic!' }), ORIGIN)!;
    assert.equal(five.code, ResponseCode.INVALID_PARAMETER);
  });

  it('system topics a client may not send to → NO_PERMISSION', () => {
    const { processor } = broker();
    for (const topic of ['SCHEDULE_TOPIC_XXXX', 'RMQ_SYS_TRANS_HALF_TOPIC', 'SELF_TEST_TOPIC', 'OFFSET_MOVED_EVENT']) {
      const response = run(processor, v2({ b: topic }), ORIGIN)!;
      assert.equal(response.code, ResponseCode.NO_PERMISSION);
      assert.equal(response.remark, `Sending message to topic[${topic}] is forbidden.`);
    }
  });

  it('unknown topic without auto-creation → TOPIC_NOT_EXIST with the Java remark', () => {
    const { processor, created } = broker({ autoCreateTopic: false });
    const response = run(processor, v2({}), ORIGIN)!;
    assert.equal(response.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(response.remark, 'topic[TopicTest] not exist, apply first please!\nSee http://rocketmq.apache.org/docs/faq/ for further details.');
    assert.deepEqual(created, []);
  });

  it('auto-creation takes min(d, template queues) queues and drops PERM_INHERIT', () => {
    const { processor } = broker();
    run(processor, v2({ d: '2', e: '0' }), ORIGIN);
    const config = processor.topicConfigs.get('TopicTest')!;
    assert.equal(config.writeQueueNums, 2);
    assert.equal(config.perm, 6);
  });

  it('queueId out of range → SYSTEM_ERROR with the Java remark', () => {
    const { processor } = broker();
    processor.createTopic('Fixed', 4);
    const response = run(processor, v2({ b: 'Fixed', e: '4' }), ORIGIN)!;
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(
      response.remark,
      'request queueId[4] is illegal, TopicConfig [topicName=Fixed, readQueueNums=4, writeQueueNums=4, perm=RW-, topicFilterType=SINGLE_TAG, topicSysFlag=0, order=false] Producer: 127.0.0.1:54321',
    );
  });

  it('properties longer than 32767 or a body over maxMessageSize → MESSAGE_ILLEGAL', () => {
    const { processor, store } = broker({ maxMessageSize: 1024 });
    const big = run(processor, v2({}, Buffer.alloc(1025, 1)), ORIGIN)!;
    assert.equal(big.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.equal(
      big.remark,
      'the message is illegal, maybe msg body or properties length not matched. msg body length limit 1024B, msg properties length limit 32KB.',
    );
    const props = run(processor, v2({ i: P({ TAGS: 'x'.repeat(32768) }) }), ORIGIN)!;
    assert.equal(props.code, ResponseCode.MESSAGE_ILLEGAL);
    assert.equal(run(processor, v2({}, Buffer.alloc(1024, 1)), ORIGIN)!.code, ResponseCode.SUCCESS);
    assert.equal(store.size, 1);
  });

  it('missing or malformed required header fields → SYSTEM_ERROR (JSON, like a Java exception), never a throw', () => {
    const { processor } = broker();
    const cases: Record<string, string>[] = [{ e: '<absent>' }, { g: '<absent>' }, { h: '<absent>' }, { c: '<absent>', b: 'NewTopic' }];
    for (const ext of cases) {
      const response = run(processor, v2(ext), ORIGIN)!;
      assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
      assert.equal(response.remark, 'java.lang.NullPointerException');
      assert.equal(response.extFields, null);
    }
    const nan = run(processor, { ...v2({ e: 'abc' }), serializeType: SerializeType.ROCKETMQ }, ORIGIN)!;
    assert.equal(nan.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(nan.remark, 'java.lang.NumberFormatException: For input string: "abc"');
    assert.equal(nan.serializeType, SerializeType.JSON);
    const none = run(processor, createRequest(RequestCode.SEND_MESSAGE_V2, null, { body: Buffer.from('x') }), ORIGIN)!;
    assert.equal(none.code, ResponseCode.SYSTEM_ERROR);
  });
});

describe('BrokerProcessor: SEND_BATCH_MESSAGE', () => {
  it('stores every record with record + batch properties + CLUSTER; msgIds comma-joined, first offset', () => {
    const { processor, store } = broker();
    run(processor, v2({}), ORIGIN); // queue 2 now at offset 1
    const body = batchBody([
      { body: 'Hello', props: P({ UNIQ_KEY: 'C0A8000230391B6D358647B760000000', TAGS: 'TagA' }) },
      { body: 'World', props: P({ UNIQ_KEY: 'C0A8000230391B6D358647B760000001', TAGS: 'TagA' }) + '\x02', flag: 3 },
    ]);
    const response = run(processor, v2({ i: P({ WAIT: 'true' }), m: 'true' }, body, RequestCode.SEND_BATCH_MESSAGE), ORIGIN)!;
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(response.extFields!.queueOffset, '1');
    const ids = response.extFields!.msgId!.split(',');
    assert.equal(ids.length, 2);
    const stored = store.messages({ topic: 'TopicTest', queueId: 2 });
    assert.deepEqual(stored.map((m) => m.body.toString()), ['Hello', 'Hello', 'World']);
    assert.deepEqual(stored.slice(1).map((m) => m.msgId), ids);
    assert.deepEqual(stored.slice(1).map((m) => m.queueOffset), [1, 2]);
    assert.deepEqual(stored[1]!.properties, {
      UNIQ_KEY: 'C0A8000230391B6D358647B760000000',
      TAGS: 'TagA',
      WAIT: 'true',
      CLUSTER: 'DefaultCluster',
    });
    assert.equal(stored[2]!.flag, 3);
    assert.equal(stored[2]!.properties.CLUSTER, 'DefaultCluster');
  });

  it('a batch body that does not decode → SYSTEM_ERROR, nothing stored', () => {
    const { processor, store } = broker();
    const response = run(processor, v2({ m: 'true' }, Buffer.from([0, 0, 0, 99, 1, 2]), RequestCode.SEND_BATCH_MESSAGE), ORIGIN)!;
    assert.equal(response.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(store.size, 0);
  });

  it('a batch body over maxMessageSize → MESSAGE_ILLEGAL', () => {
    const { processor } = broker({ maxMessageSize: 64 });
    const body = batchBody([{ body: 'x'.repeat(60), props: '' }]);
    const response = run(processor, v2({ m: 'true' }, body, RequestCode.SEND_BATCH_MESSAGE), ORIGIN)!;
    assert.equal(response.code, ResponseCode.MESSAGE_ILLEGAL);
  });
});

describe('BrokerProcessor: other requests', () => {
  it('HEART_BEAT records the client and its groups; UNREGISTER_CLIENT removes them', () => {
    const { processor } = broker();
    const body = Buffer.from(
      JSON.stringify({ clientID: '192.168.0.2@1#2', consumerDataSet: [], producerDataSet: [{ groupName: 'CLIENT_INNER_PRODUCER' }, { groupName: 'PG' }] }),
    );
    const heartbeat = run(processor, createRequest(RequestCode.HEART_BEAT, null, { body }), ORIGIN)!;
    assert.equal(heartbeat.code, ResponseCode.SUCCESS);
    assert.equal(heartbeat.extFields, null);
    assert.deepEqual(processor.clients.get('192.168.0.2@1#2')!.producerGroups, ['CLIENT_INNER_PRODUCER', 'PG']);
    const unregister = run(processor, 
      createRequest(RequestCode.UNREGISTER_CLIENT, { producerGroup: 'PG', clientID: '192.168.0.2@1#2' }),
      ORIGIN,
    )!;
    assert.equal(unregister.code, ResponseCode.SUCCESS);
    assert.deepEqual(unregister.extFields, {});
    assert.deepEqual(processor.clients.get('192.168.0.2@1#2')!.producerGroups, ['CLIENT_INNER_PRODUCER']);
    const bad = run(processor, createRequest(RequestCode.HEART_BEAT, null, { body: Buffer.from('{nope') }), ORIGIN)!;
    assert.equal(bad.code, ResponseCode.SYSTEM_ERROR);
  });

  it('unknown request codes → REQUEST_CODE_NOT_SUPPORTED with the Java remark; oneway requests are never answered', () => {
    const { processor } = broker();
    const response = run(processor, createRequest(999, null, { opaque: 8 }), ORIGIN)!;
    assert.equal(response.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
    assert.equal(response.remark, ' request type 999 not supported');
    assert.equal(response.opaque, 8);
    assert.equal(run(processor, createRequest(999, null, { oneway: true }), ORIGIN), null);
    assert.equal(run(processor, v2({}, Buffer.from('x'), RequestCode.SEND_MESSAGE_V2, true), ORIGIN), null);
  });

  it('transactional half messages are parked in the half topic; END_TRANSACTION commit moves them to the real topic', () => {
    const { processor, store } = broker({ version: '5.x' });
    const half = run(processor, 
      v2({ f: '4', i: P({ TRAN_MSG: 'true', PGROUP: 'PG', UNIQ_KEY: 'C0A8000230391B6D358647B760000009', TAGS: 't' }) }),
      ORIGIN,
    )!;
    assert.equal(half.code, ResponseCode.SUCCESS);
    assert.equal(half.extFields!.queueId, '2');
    const [parked] = store.messages();
    assert.equal(parked!.topic, 'RMQ_SYS_TRANS_HALF_TOPIC');
    assert.equal(parked!.properties.REAL_TOPIC, 'TopicTest');
    assert.equal(parked!.properties.REAL_QID, '2');
    const end = createRequest(
      RequestCode.END_TRANSACTION,
      {
        producerGroup: 'PG',
        tranStateTableOffset: half.extFields!.queueOffset!,
        commitLogOffset: String(parked!.commitLogOffset),
        commitOrRollback: '8',
        fromTransactionCheck: 'false',
        msgId: 'C0A8000230391B6D358647B760000009',
        transactionId: half.extFields!.transactionId!,
      },
      { oneway: true },
    );
    assert.equal(run(processor, end, ORIGIN), null);
    assert.equal(processor.endTransactions.length, 1);
    assert.equal(processor.endTransactions[0]!.commitOrRollback, 8);
    const committed = store.messages({ topic: 'TopicTest' });
    assert.equal(committed.length, 1);
    assert.equal(committed[0]!.queueId, 2);
    assert.equal(committed[0]!.body.toString(), 'Hello');
    // EndTransactionProcessor.endMessageTransaction keeps the half's properties string (REAL_TOPIC … stay in it).
    assert.equal(committed[0]!.properties.REAL_TOPIC, 'TopicTest');
    assert.equal(committed[0]!.sysFlag & 0xc, 8);
    assert.equal(committed[0]!.preparedTransactionOffset, parked!.commitLogOffset);
  });
});
