import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { EmbeddedCluster } from '../../src/embedded/index.js';
import { encodeFrame } from '../../src/remoting/frame-codec.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest, SerializeType } from '../../src/remoting/remoting-command.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { ResponseCode } from '../../src/remoting/response-code.js';
import { eventually, RawConnection, routeRequest, sendV2 } from './wire-helpers.js';

interface RouteBody {
  brokerDatas: { brokerName: string; brokerAddrs: Record<string, string>; cluster: string }[];
  queueDatas: { brokerName: string; perm: number; readQueueNums: number; writeQueueNums: number; topicSysFlag: number }[];
  filterServerTable: Record<string, unknown>;
}

describe('EmbeddedCluster over TCP', () => {
  let cluster: EmbeddedCluster;
  let client: RemotingClient;

  before(async () => {
    cluster = await EmbeddedCluster.start({ brokers: 2, queuesPerTopic: 4, autoCreateTopic: true, namesrvPort: 0 });
    client = new RemotingClient();
  });
  after(async () => {
    await client.close();
    await cluster.stop();
  });

  async function route(topic: string): Promise<RouteBody | null> {
    const response = await client.invoke(cluster.namesrvAddr, routeRequest(topic), 3000);
    if (response.code === ResponseCode.TOPIC_NOT_EXIST) return null;
    assert.equal(response.code, ResponseCode.SUCCESS);
    return JSON.parse(response.body!.toString()) as RouteBody;
  }

  it('brokers are broker-a and broker-b on loopback ports, registered with the NameServer', async () => {
    assert.match(cluster.namesrvAddr, /^127\.0\.0\.1:\d+$/);
    assert.deepEqual(cluster.brokers.map((b) => b.name), ['broker-a', 'broker-b']);
    for (const broker of cluster.brokers) assert.match(broker.address, /^127\.0\.0\.1:\d+$/);
    const tbw = await route('TBW102');
    assert.deepEqual(tbw!.brokerDatas.map((b) => [b.brokerName, b.brokerAddrs['0'], b.cluster]), [
      ['broker-a', cluster.brokers[0]!.address, 'DefaultCluster'],
      ['broker-b', cluster.brokers[1]!.address, 'DefaultCluster'],
    ]);
    assert.deepEqual(tbw!.queueDatas.map((q) => [q.brokerName, q.perm, q.writeQueueNums]), [
      ['broker-a', 7, 4],
      ['broker-b', 7, 4],
    ]);
    assert.equal(cluster.nameServer.requestCounts.get(RequestCode.REGISTER_BROKER)! >= 2, true);
  });

  it('a send auto-creates the topic on each broker it reaches; the route then lists queues on both', async () => {
    const [a, b] = cluster.brokers;
    const ra = await client.invoke(a!.address, sendV2('SpreadTopic', 1), 3000);
    const rb = await client.invoke(b!.address, sendV2('SpreadTopic', 3), 3000);
    assert.equal(ra.code, ResponseCode.SUCCESS);
    assert.equal(rb.code, ResponseCode.SUCCESS);
    assert.equal(ra.extFields!.msgId!.slice(0, 16), '7F000001' + a!.port.toString(16).toUpperCase().padStart(8, '0'));
    await eventually(async () => (await route('SpreadTopic'))?.queueDatas.length === 2);
    const spread = (await route('SpreadTopic'))!;
    assert.deepEqual(spread.queueDatas.map((q) => [q.brokerName, q.perm, q.readQueueNums, q.writeQueueNums]), [
      ['broker-a', 6, 4, 4],
      ['broker-b', 6, 4, 4],
    ]);
    assert.deepEqual(a!.messages({ topic: 'SpreadTopic' }).map((m) => [m.queueId, m.queueOffset, m.body.toString()]), [[1, 0, 'Hello']]);
    assert.deepEqual(cluster.messages({ topic: 'SpreadTopic' }).map((m) => m.storeHost), [a!.address, b!.address]);
  });

  it('raw GET_ROUTEINFO_BY_TOPIC body: unquoted integer keys for version 0 and 121, quoted for 409', async () => {
    await cluster.brokers[0]!.createTopic('ShapeTopic', 4);
    for (const [version, pattern] of [
      [0, /"brokerAddrs":\{0:"127\.0\.0\.1:\d+"\}/],
      [121, /"brokerAddrs":\{0:"127\.0\.0\.1:\d+"\}/],
      [409, /"brokerAddrs":\{"0":"127\.0\.0\.1:\d+"\}/],
    ] as const) {
      const response = await client.invoke(cluster.namesrvAddr, routeRequest('ShapeTopic', version), 3000);
      const text = response.body!.toString();
      assert.match(text, pattern);
      assert.match(
        text,
        /^\{"brokerDatas":\[\{"brokerAddrs":\{.*\},"brokerName":"broker-a","cluster":"DefaultCluster"\}\],"filterServerTable":\{\},"queueDatas":\[\{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4\}\]\}$/,
      );
    }
    const unknown = await client.invoke(cluster.namesrvAddr, routeRequest('NoSuchTopic'), 3000);
    assert.equal(unknown.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.equal(unknown.remark, 'No topic route info in name server for the topic: NoSuchTopic\nSee http://rocketmq.apache.org/docs/faq/ for further details.');
  });

  it('answers a ROCKETMQ-serialized request in ROCKETMQ serialization (4.9)', async () => {
    const request = { ...sendV2('BinaryTopic', 0), serializeType: SerializeType.ROCKETMQ };
    const response = await client.invoke(cluster.brokers[0]!.address, request, 3000);
    assert.equal(response.serializeType, SerializeType.ROCKETMQ);
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(response.extFields!.queueOffset, '0');
  });

  it('counts requests per code', async () => {
    const broker = cluster.brokers[1]!;
    const before = broker.stats.count(RequestCode.HEART_BEAT);
    const body = Buffer.from(JSON.stringify({ clientID: 'c1', producerDataSet: [{ groupName: 'PG' }], consumerDataSet: [] }));
    await client.invoke(broker.address, createRequest(RequestCode.HEART_BEAT, null, { body }), 3000);
    assert.equal(broker.stats.count(RequestCode.HEART_BEAT), before + 1);
    assert.deepEqual(broker.clients.get('c1')!.producerGroups, ['PG']);
  });
});

describe('EmbeddedCluster: bad input', () => {
  let cluster: EmbeddedCluster;
  let client: RemotingClient;
  before(async () => {
    cluster = await EmbeddedCluster.start({ brokers: 1 });
    client = new RemotingClient();
  });
  after(async () => {
    await client.close();
    await cluster.stop();
  });

  it('garbage bytes close that connection; the broker keeps serving others', async () => {
    const broker = cluster.brokers[0]!;
    const raw = await RawConnection.open(broker.address);
    raw.write(Buffer.from([0, 0, 0, 2, 0x05, 0, 0, 4, 1, 2, 3, 4])); // a frame length below 4: the stream is lost
    await raw.until(() => raw.closed);
    const ok = await client.invoke(broker.address, sendV2('AfterGarbage', 0), 3000);
    assert.equal(ok.code, ResponseCode.SUCCESS);
  });

  it('a well-framed frame whose header does not decode is skipped; that connection keeps working', async () => {
    const broker = cluster.brokers[0]!;
    const raw = await RawConnection.open(broker.address);
    raw.write(Buffer.from([0, 0, 0, 8, 0x05, 0, 0, 4, 1, 2, 3, 4])); // serialize type 5 does not exist
    raw.write(encodeFrame(sendV2('AfterSkipped', 0)));
    await raw.until(() => raw.received.length > 0);
    assert.equal(raw.closed, false);
  });

  it('an oversize frame (> 16 MiB announced) closes the connection before anything is allocated', async () => {
    const broker = cluster.brokers[0]!;
    const raw = await RawConnection.open(broker.address);
    const prefix = Buffer.alloc(8);
    prefix.writeInt32BE(16 * 1024 * 1024, 0); // 4 + length > 16 MiB
    raw.write(prefix);
    await raw.until(() => raw.closed);
    assert.equal(raw.received.length, 0);
    assert.equal((await client.invoke(broker.address, sendV2('AfterOversize', 0), 3000)).code, ResponseCode.SUCCESS);
  });

  it('unknown code → REQUEST_CODE_NOT_SUPPORTED; missing header fields → SYSTEM_ERROR; on a raw socket too', async () => {
    const broker = cluster.brokers[0]!;
    const raw = await RawConnection.open(broker.address);
    raw.write(encodeFrame(createRequest(999, null, { opaque: 8 })));
    raw.write(encodeFrame(createRequest(RequestCode.SEND_MESSAGE_V2, { b: 'T' }, { opaque: 9, body: Buffer.from('x') })));
    raw.write(encodeFrame(createRequest(999, null, { opaque: 10, oneway: true })));
    raw.write(encodeFrame(createRequest(RequestCode.HEART_BEAT, null, { opaque: 11, body: Buffer.from('{"clientID":"x"}') })));
    await raw.until(() => raw.received.length >= 3);
    assert.deepEqual(raw.received.map((r) => [r.opaque, r.code]), [
      [8, ResponseCode.REQUEST_CODE_NOT_SUPPORTED],
      [9, ResponseCode.SYSTEM_ERROR],
      [11, ResponseCode.SUCCESS],
    ]);
    assert.equal(raw.received[0]!.remark, ' request type 999 not supported');
    raw.close();
  });

  it('a NameServer survives garbage too', async () => {
    const raw = await RawConnection.open(cluster.namesrvAddr);
    raw.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await raw.until(() => raw.closed);
    assert.equal((await client.invoke(cluster.namesrvAddr, routeRequest('TBW102'), 3000)).code, ResponseCode.SUCCESS);
  });
});

describe('EmbeddedCluster: two brokers, kill and restart', () => {
  it('a killed broker leaves the route once its registration expires; restart() brings it back', async () => {
    const cluster = await EmbeddedCluster.start({ brokers: 2, brokerExpireMillis: 300, registerIntervalMillis: 50 });
    const client = new RemotingClient();
    try {
      const names = async (): Promise<string[]> => {
        const response = await client.invoke(cluster.namesrvAddr, routeRequest('TBW102'), 3000);
        if (response.code !== 0) return [];
        return (JSON.parse(response.body!.toString()) as RouteBody).brokerDatas.map((b) => b.brokerName);
      };
      assert.deepEqual(await names(), ['broker-a', 'broker-b']);
      const b = cluster.brokers[1]!;
      const port = b.port;
      await b.kill();
      assert.equal(b.isRunning, false);
      await assert.rejects(client.invoke(b.address, sendV2('T', 0), 1000), (error: { code: string }) => error.code.startsWith('RMQ_ERR_REMOTING'));
      assert.deepEqual(await names(), ['broker-a', 'broker-b'], 'still routed right after the kill');
      await eventually(async () => (await names()).length === 1, 3000);
      assert.deepEqual(await names(), ['broker-a']);
      await b.restart();
      assert.equal(b.port, port);
      assert.deepEqual(await names(), ['broker-a', 'broker-b']);
      assert.equal((await client.invoke(b.address, sendV2('T', 0), 3000)).code, ResponseCode.SUCCESS);
    } finally {
      await client.close();
      await cluster.stop();
    }
  });

  it('removeBrokerOnDisconnect: a killed broker leaves the route as soon as its connection closes (Java behaviour)', async () => {
    const cluster = await EmbeddedCluster.start({ brokers: 2, removeBrokerOnDisconnect: true });
    try {
      await cluster.brokers[1]!.kill();
      await eventually(() => {
        cluster.nameServer.scanNow();
        return cluster.nameServer.brokers().length === 1;
      });
      assert.deepEqual(cluster.nameServer.topicRoute('TBW102')!.brokerDatas.map((b) => b.brokerName), ['broker-a']);
    } finally {
      await cluster.stop();
    }
  });

  it('stop() unregisters and frees every port', async () => {
    const cluster = await EmbeddedCluster.start({ brokers: 2, vipChannel: true });
    const ports = [cluster.nameServer.port, ...cluster.brokers.flatMap((b) => [b.port, b.port - 2])];
    await cluster.stop();
    for (const port of ports) {
      const server = createServer();
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, '127.0.0.1', () => resolve());
      });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
