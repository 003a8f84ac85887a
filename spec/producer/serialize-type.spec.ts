import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { from, lastValueFrom, toArray } from 'rxjs';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import { InvalidOptionError, RocketMQError } from '../../src/errors.js';
import { resolveOptions } from '../../src/producer/config.js';
import { Producer } from '../../src/producer/producer.js';
import { decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { createRequest, createResponse, SerializeType, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { serializeTopicRouteData } from '../../src/route/topic-route.js';
import { CAPTURE_ACL, USER } from '../helpers/acl.js';
import { startCluster, startProducer, stopAll, unique } from './cluster-fixture.js';

describe('serializeType option', () => {
  it("defaults to 'JSON' and takes 'ROCKETMQ'", () => {
    assert.equal(resolveOptions({ namesrvAddr: '127.0.0.1:9876' }).serializeType, 'JSON');
    assert.equal(resolveOptions({ namesrvAddr: '127.0.0.1:9876', serializeType: 'ROCKETMQ' }).serializeType, 'ROCKETMQ');
  });

  for (const bad of ['rocketmq', 'BINARY', 1, true, '']) {
    it(`refuses ${JSON.stringify(bad)} with an InvalidOptionError naming the field`, () => {
      assert.throws(
        () => resolveOptions({ namesrvAddr: '127.0.0.1:9876', serializeType: bad as never }),
        (error: unknown) => error instanceof InvalidOptionError && error.code === 'RMQ_ERR_INVALID_OPTION' && error.option === 'serializeType',
      );
    });
  }

  it('producers sharing a client instance must agree on it', async () => {
    const instanceName = unique('SerializeInstance');
    const first = new Producer({ producerGroup: unique('PG'), namesrvAddr: '127.0.0.1:1', instanceName, serializeType: 'ROCKETMQ' });
    await first.start();
    try {
      const second = new Producer({ producerGroup: unique('PG'), namesrvAddr: '127.0.0.1:1', instanceName });
      await assert.rejects(second.start(), (error: unknown) => error instanceof InvalidOptionError && error.option === 'serializeType');
    } finally {
      await first.shutdown();
    }
  });

  it('RemotingClient refuses a serializeType that is neither JSON, ROCKETMQ nor null', () => {
    assert.throws(() => new RemotingClient({ serializeType: 2 as never }), RangeError);
  });
});

// ---- the bytes on the wire ------------------------------------------------------------------------------------

const int16 = (value: number): Buffer => {
  const out = Buffer.alloc(2);
  out.writeInt16BE(value, 0);
  return out;
};
const int32 = (value: number): Buffer => {
  const out = Buffer.alloc(4);
  out.writeInt32BE(value, 0);
  return out;
};

/**
 * A ROCKETMQ request frame as the Java `RocketMQSerializable.rocketMQProtocolEncode(cmd, out)` lays it out, spelled
 * out field by field: int16 code, int8 language (JAVA 0), int16 version, int32 opaque, int32 flag, int32 remark
 * length (0: none), int32 extFields length, then per entry int16 key length, key, int32 value length, value.
 */
function javaRocketMQFrame(code: number, opaque: number, flag: number, entries: readonly (readonly [string, string])[], body: Buffer): Buffer {
  const ext = Buffer.concat(
    entries.flatMap(([key, value]) => [int16(Buffer.byteLength(key)), Buffer.from(key), int32(Buffer.byteLength(value)), Buffer.from(value)]),
  );
  const header = Buffer.concat([int16(code), Buffer.from([0]), int16(409), int32(opaque), int32(flag), int32(0), int32(ext.length), ext]);
  return Buffer.concat([int32(4 + header.length + body.length), int32((1 << 24) | header.length), header, body]);
}

/** A NameServer + broker stand-in on one port that keeps every inbound frame as its bytes. */
class RecordingServer {
  readonly frames: Buffer[] = [];
  /** Answers with a broken binary header to the next this-many sends. */
  breakNextSends = 0;
  private readonly server: Server = createServer((socket) => this.serve(socket));
  private readonly sockets = new Set<Socket>();
  address = '';

  async listen(): Promise<void> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    const bound = this.server.address() as { port: number };
    this.address = `127.0.0.1:${bound.port}`;
  }

  close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  requests(): RemotingCommand[] {
    return this.frames.map((frame) => decodeFrame(frame));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
        const size = 4 + pending.readInt32BE(0);
        const frame = Buffer.from(pending.subarray(0, size));
        pending = pending.subarray(size);
        this.frames.push(frame);
        const answer = this.answer(decodeFrame(frame));
        if (answer !== null) socket.write(answer);
      }
    });
  }

  private answer(request: RemotingCommand): Buffer | null {
    if ((request.flag & 2) !== 0) return null;
    if (request.code === RequestCode.GET_ROUTEINFO_BY_TOPIC) {
      const route = {
        brokerDatas: [{ cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: { '0': this.address } }],
        queueDatas: [{ brokerName: 'broker-a', perm: 6, readQueueNums: 1, writeQueueNums: 1, topicSysFlag: 0 }],
        filterServerTable: {},
      };
      return encodeFrame(createResponse(request, 0, { body: Buffer.from(serializeTopicRouteData(route)) }));
    }
    if (request.code === RequestCode.SEND_MESSAGE_V2 || request.code === RequestCode.SEND_BATCH_MESSAGE) {
      const extFields = { msgId: '7F00000100002A9F0000000011A264A0', queueId: '0', queueOffset: '7', TRACE_ON: 'true', MSG_REGION: 'DefaultRegion' };
      const frame = encodeFrame(createResponse(request, 0, { extFields }));
      if (this.breakNextSends > 0) {
        this.breakNextSends--;
        // The extFields length claims more bytes than the header has.
        frame.writeInt32BE(0x7fffffff, 8 + 17);
      }
      return frame;
    }
    return encodeFrame(createResponse(request, 0));
  }
}

describe("serializeType 'ROCKETMQ': the producer's frames", () => {
  const server = new RecordingServer();
  let producer: Producer;
  const group = 'BinaryProducerGroup';

  before(async () => {
    await server.listen();
    producer = new Producer({ producerGroup: group, namesrvAddr: server.address, serializeType: 'ROCKETMQ', heartbeatBrokerInterval: 20, sendMsgTimeout: 1000 });
    await producer.start();
  });
  after(async () => {
    await producer.shutdown();
    await server.close();
  });

  it('SEND_MESSAGE_V2 is byte for byte the Java layout (fields a…n in FastCodesHeader order, no l)', async () => {
    const result = await producer.send({ topic: 'BinaryTopic', tags: 'TagA', keys: 'k1', body: 'hello binary' });
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.equal(result.queueOffset, 7);
    const frame = server.frames.find((bytes) => bytes.readInt16BE(8) === RequestCode.SEND_MESSAGE_V2)!;
    assert.ok(frame, 'a SEND_MESSAGE_V2 was written');
    // What differs per run: the opaque, the born timestamp and the unique id.
    const opaque = frame.readInt32BE(8 + 5);
    const sent = decodeFrame(frame).extFields!;
    assert.match(sent['g']!, /^\d{13}$/);
    assert.equal(sent['i'], `KEYS\u0001k1\u0002UNIQ_KEY\u0001${result.msgId}\u0002WAIT\u0001true\u0002TAGS\u0001TagA`);
    const expected = javaRocketMQFrame(
      RequestCode.SEND_MESSAGE_V2,
      opaque,
      0,
      [
        ['a', group],
        ['b', 'BinaryTopic'],
        ['c', 'TBW102'],
        ['d', '4'],
        ['e', '0'],
        ['f', '0'],
        ['g', sent['g']!],
        ['h', '0'],
        ['i', sent['i']!],
        ['j', '0'],
        ['k', 'false'],
        ['m', 'false'],
        ['n', 'broker-a'],
      ],
      Buffer.from('hello binary'),
    );
    assert.equal(frame.toString('hex'), expected.toString('hex'));
  });

  it('oneway sends carry flag 2, batches are SEND_BATCH_MESSAGE with m=true, in the same layout', async () => {
    await producer.sendOneway({ topic: 'BinaryTopic', body: 'one way' });
    const results = await producer.sendBatch([
      { topic: 'BinaryTopic', body: 'b1' },
      { topic: 'BinaryTopic', body: 'b2' },
    ]);
    assert.equal(results.length, 2);
    const oneway = server.frames.find((bytes) => bytes.readInt16BE(8) === RequestCode.SEND_MESSAGE_V2 && bytes.readInt32BE(8 + 9) === 2)!;
    assert.ok(oneway, 'the oneway send was written');
    const onewayFields = decodeFrame(oneway).extFields!;
    const onewayExpected = javaRocketMQFrame(RequestCode.SEND_MESSAGE_V2, oneway.readInt32BE(13), 2, Object.entries(onewayFields), Buffer.from('one way'));
    assert.equal(oneway.toString('hex'), onewayExpected.toString('hex'));
    assert.deepEqual(Object.keys(onewayFields), ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'm', 'n']);
    const batch = server.frames.find((bytes) => bytes.readInt16BE(8) === RequestCode.SEND_BATCH_MESSAGE)!;
    assert.ok(batch, 'the batch was written');
    const batchCommand = decodeFrame(batch);
    assert.equal(batchCommand.extFields!['m'], 'true');
    const batchExpected = javaRocketMQFrame(RequestCode.SEND_BATCH_MESSAGE, batchCommand.opaque, 0, Object.entries(batchCommand.extFields!), batchCommand.body!);
    assert.equal(batch.toString('hex'), batchExpected.toString('hex'));
  });

  it('every request the producer wrote (route look-ups, heartbeats, sends) is ROCKETMQ', async () => {
    await new Promise((resolve) => setTimeout(resolve, 60));
    const codes = new Set(server.frames.map((frame) => frame.readInt16BE(8)));
    for (const code of [RequestCode.GET_ROUTEINFO_BY_TOPIC, RequestCode.HEART_BEAT, RequestCode.SEND_MESSAGE_V2]) assert.ok(codes.has(code), `saw ${code}`);
    for (const frame of server.frames) assert.equal(frame[4], SerializeType.ROCKETMQ, `request ${frame.readInt16BE(8)}`);
  });

  it('a send whose answer has a malformed binary header fails (typed, no crash); the next one succeeds', async () => {
    server.breakNextSends = 1;
    await assert.rejects(producer.send({ topic: 'BinaryTopic', body: 'x' }, { timeout: 300 }), (error: unknown) => error instanceof RocketMQError && typeof error.code === 'string');
    server.breakNextSends = 0;
    const result = await producer.send({ topic: 'BinaryTopic', body: 'y' });
    assert.equal(result.sendStatus, 'SEND_OK');
  });
});

for (const version of ['4.9', '5.x'] as const) {
  describe(`serializeType 'ROCKETMQ' against the embedded ${version} cluster`, () => {
    let cluster: EmbeddedCluster;
    let producer: Producer;
    before(async () => {
      cluster = await startCluster({ version, brokers: 1 });
      producer = await startProducer(cluster, { serializeType: 'ROCKETMQ', heartbeatBrokerInterval: 20 });
    });
    after(stopAll);

    it(`the broker answers in ${version === '4.9' ? 'ROCKETMQ (in kind)' : 'JSON (its default)'}`, async () => {
      const client = new RemotingClient({ serializeType: SerializeType.ROCKETMQ });
      try {
        const route = await client.invoke(cluster.namesrvAddr, createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TBW102' }), 2000);
        assert.equal(route.code, 0);
        assert.equal(route.serializeType, version === '4.9' ? SerializeType.ROCKETMQ : SerializeType.JSON);
      } finally {
        await client.close();
      }
    });

    it('send, sendAsync, sendOneway, sendBatch and publish (single and batched) all arrive and settle', async () => {
      const topic = unique('BinaryModes');
      const sync = await producer.send({ topic, tags: 'T', keys: 'k', body: 'sync', properties: { p: 'ü' } });
      assert.equal(sync.sendStatus, 'SEND_OK');
      const async = await new Promise<string>((resolve, reject) => {
        producer.sendAsync({ topic, body: 'async' }, { onSuccess: (result) => resolve(result.msgId), onException: reject });
      });
      await producer.sendOneway({ topic, body: 'oneway' });
      const batch = await producer.sendBatch([
        { topic, body: 'batch-1' },
        { topic, body: 'batch-2' },
      ]);
      assert.equal(batch.length, 2);
      const published = await lastValueFrom(from(['pub-1', 'pub-2', 'pub-3'].map((body) => ({ topic, body }))).pipe(producer.publish(), toArray()));
      assert.equal(published.length, 3);
      const batchedPublish = await lastValueFrom(
        from(['pb-1', 'pb-2', 'pb-3', 'pb-4'].map((body) => ({ topic, body }))).pipe(producer.publish({ batch: true }), toArray()),
      );
      assert.equal(batchedPublish.length, 4);
      const broker = cluster.brokers[0]!;
      // The oneway send has no answer to wait for: wait for the store.
      for (let i = 0; i < 100 && broker.messages({ topic }).length < 12; i++) await new Promise((resolve) => setTimeout(resolve, 20));
      const stored = broker.messages({ topic });
      assert.deepEqual(
        stored.map((m) => m.body.toString()).sort(),
        ['sync', 'async', 'oneway', 'batch-1', 'batch-2', 'pub-1', 'pub-2', 'pub-3', 'pb-1', 'pb-2', 'pb-3', 'pb-4'].sort(),
      );
      const first = stored.find((m) => m.body.toString() === 'sync')!;
      assert.equal(first.uniqueId, sync.msgId);
      assert.equal(first.properties['p'], 'ü');
      assert.equal(first.tags, 'T');
      assert.ok(stored.some((m) => m.uniqueId === async));
      assert.equal(sync.regionId, 'DefaultRegion');
      assert.equal(sync.traceOn, true);
      assert.equal(sync.queueOffset, first.queueOffset);
    });

    it('every request the broker and the NameServer received was ROCKETMQ', async () => {
      await new Promise((resolve) => setTimeout(resolve, 60));
      const received = [...cluster.brokers[0]!.stats.requests, ...cluster.nameServer.stats.requests].filter((entry) => entry.remoteAddress !== '');
      const fromProducer = received.filter((entry) => entry.code !== RequestCode.REGISTER_BROKER);
      for (const code of [RequestCode.GET_ROUTEINFO_BY_TOPIC, RequestCode.HEART_BEAT, RequestCode.SEND_MESSAGE_V2, RequestCode.SEND_BATCH_MESSAGE]) {
        assert.ok(
          fromProducer.some((entry) => entry.code === code),
          `saw ${code}`,
        );
      }
      for (const entry of fromProducer) assert.equal(entry.serializeType, SerializeType.ROCKETMQ, `request ${entry.code}`);
    });
  });
}

describe("serializeType 'ROCKETMQ' with ACL credentials", () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 1, acl: CAPTURE_ACL });
  });
  after(stopAll);

  it('signed binary requests pass the broker check; a wrong secret is refused (the signature covers the same fields)', async () => {
    const producer = await startProducer(cluster, { serializeType: 'ROCKETMQ', credentials: USER });
    const topic = unique('BinaryAcl');
    const result = await producer.send({ topic, body: 'signed' });
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.equal(cluster.brokers[0]!.messages({ topic }).length, 1);
    const wrong = await startProducer(cluster, { serializeType: 'ROCKETMQ', credentials: { ...USER, secretKey: 'notTheSecret1' }, retryTimesWhenSendFailed: 0 });
    await assert.rejects(wrong.send({ topic, body: 'refused' }), (error: unknown) => error instanceof RocketMQError);
    assert.equal(cluster.brokers[0]!.messages({ topic }).length, 1);
  });
});
