import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { EmbeddedCluster } from '../../src/embedded/index.js';
import { encodeFrame } from '../../src/remoting/frame-codec.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { createRequest, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { ResponseCode } from '../../src/remoting/response-code.js';
import { eventually, RawConnection, routeRequest, sendV2 } from './wire-helpers.js';

const heartbeat = (): RemotingCommand =>
  createRequest(RequestCode.HEART_BEAT, null, {
    body: Buffer.from(JSON.stringify({ clientID: 'fault-test', producerDataSet: [{ groupName: 'PG' }], consumerDataSet: [] })),
  });

describe('fault injection on the wire', () => {
  let cluster: EmbeddedCluster;
  let client: RemotingClient;
  before(async () => {
    cluster = await EmbeddedCluster.start({ brokers: 1, recordRequests: true });
    client = new RemotingClient();
  });
  after(async () => {
    await client.close();
    await cluster.stop();
  });
  afterEach(() => {
    cluster.brokers[0]!.faults.clear();
    cluster.nameServer.faults.clear();
  });
  const broker = () => cluster.brokers[0]!;

  it('respondWith: the next N requests of one code get the scripted code and remark, then normal service', async () => {
    const handle = broker().faults.respondWith(ResponseCode.SYSTEM_BUSY, {
      times: 2,
      requestCode: RequestCode.SEND_MESSAGE_V2,
      remark: '[REJECTREQUEST]system busy, start flow control for a while',
    });
    assert.equal((await client.invoke(broker().address, heartbeat(), 3000)).code, ResponseCode.SUCCESS);
    for (let i = 0; i < 2; i++) {
      const busy = await client.invoke(broker().address, sendV2('FaultTopic', 0), 3000);
      assert.equal(busy.code, ResponseCode.SYSTEM_BUSY);
      assert.equal(busy.remark, '[REJECTREQUEST]system busy, start flow control for a while');
    }
    assert.equal(handle.remaining, 0);
    assert.equal(broker().messages({ topic: 'FaultTopic' }).length, 0);
    assert.equal((await client.invoke(broker().address, sendV2('FaultTopic', 0), 3000)).code, ResponseCode.SUCCESS);
  });

  it('respondWith on the NameServer: route look-ups fail N times', async () => {
    cluster.nameServer.faults.respondWith(ResponseCode.SYSTEM_ERROR, { times: 1, requestCode: RequestCode.GET_ROUTEINFO_BY_TOPIC });
    assert.equal((await client.invoke(cluster.namesrvAddr, routeRequest('TBW102'), 3000)).code, ResponseCode.SYSTEM_ERROR);
    assert.equal((await client.invoke(cluster.namesrvAddr, routeRequest('TBW102'), 3000)).code, ResponseCode.SUCCESS);
  });

  it('delay: a delayed response is overtaken by a later undelayed one; the request is in flight meanwhile', async () => {
    broker().faults.delay(300, { requestCode: RequestCode.SEND_MESSAGE_V2, times: 1 });
    const order: string[] = [];
    const slow = client.invoke(broker().address, sendV2('DelayTopic', 0), 3000).then((r) => order.push(`send:${r.code}`));
    await eventually(() => broker().stats.inFlight === 1);
    await client.invoke(broker().address, heartbeat(), 3000).then((r) => order.push(`heartbeat:${r.code}`));
    await slow;
    assert.deepEqual(order, ['heartbeat:0', 'send:0']);
    assert.equal(broker().stats.maxInFlight >= 2, true);
  });

  it('swallow: no response ever comes (the client times out); the request was not processed', async () => {
    broker().faults.swallow({ requestCode: RequestCode.SEND_MESSAGE_V2 });
    await assert.rejects(client.invoke(broker().address, sendV2('SwallowTopic', 0), 200), { code: 'RMQ_ERR_REMOTING_TIMEOUT' });
    assert.equal(broker().messages({ topic: 'SwallowTopic' }).length, 0);
    const logged = broker().stats.requests.filter((entry) => entry.topic === 'SwallowTopic');
    assert.deepEqual(logged.map((entry) => entry.responseCode), [null]);
  });

  it('closeConnectionAfter(2): two requests are answered, the third closes the connection', async () => {
    broker().faults.closeConnectionAfter(2);
    const raw = await RawConnection.open(broker().address);
    for (let opaque = 1; opaque <= 4; opaque++) raw.write(encodeFrame({ ...heartbeat(), opaque }));
    await raw.until(() => raw.closed);
    assert.deepEqual(raw.received.map((r) => r.opaque), [1, 2]);
    assert.equal((await client.invoke(broker().address, heartbeat(), 3000)).code, ResponseCode.SUCCESS, 'later connections are served');
  });

  it('writeGarbage: the scripted bytes go out instead of the response', async () => {
    const garbage = Buffer.from('not a frame at all');
    broker().faults.writeGarbage({ bytes: garbage, times: 1 });
    const raw = await RawConnection.open(broker().address);
    raw.write(encodeFrame({ ...heartbeat(), opaque: 1 }));
    await raw.until(() => Buffer.concat(raw.chunks).length >= garbage.length);
    assert.deepEqual(Buffer.concat(raw.chunks), garbage);
    raw.close();
    broker().faults.writeGarbage({ times: 1 });
    await assert.rejects(client.invoke(broker().address, heartbeat(), 3000), (error: { code: string }) => error.code.startsWith('RMQ_ERR_REMOTING'));
  });

  it('pause/resume: while paused nothing is read, TCP backpressure reaches the writer; resume serves everything', async () => {
    const before = broker().stats.count(RequestCode.SEND_MESSAGE_V2);
    broker().faults.pause();
    const raw = await RawConnection.open(broker().address);
    const frame = encodeFrame({ ...sendV2('PausedTopic', 0, 'x'.repeat(1024 * 1024)), opaque: 1 });
    const written = 48;
    for (let i = 0; i < written; i++) raw.write(frame);
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.ok(raw.socket.writableLength > 0, 'bytes are stuck in the writer');
    assert.ok(broker().stats.count(RequestCode.SEND_MESSAGE_V2) - before <= 2, 'the broker reads at most what was buffered before the pause');
    assert.equal(raw.received.length, 0);
    broker().faults.resume();
    await raw.until(() => raw.received.length === written, 20_000);
    assert.equal(raw.socket.writableLength, 0);
    assert.ok(raw.received.every((r) => r.code === ResponseCode.SUCCESS));
    raw.close();
  });

  it('NameServer kill() refuses connections; restart() listens on the same port with empty tables (or keepRoutes)', async () => {
    const port = cluster.nameServer.port;
    await cluster.nameServer.kill();
    await assert.rejects(client.invoke(cluster.namesrvAddr, routeRequest('TBW102'), 1000), (error: { code: string }) => error.code.startsWith('RMQ_ERR_REMOTING'));
    await assert.rejects(client.invoke(cluster.namesrvAddr, routeRequest('TBW102'), 1000), { code: 'RMQ_ERR_REMOTING_CONNECT' });
    await cluster.nameServer.restart();
    assert.equal(cluster.nameServer.port, port);
    // A restarted NameServer knows nothing until the brokers register again.
    assert.equal((await client.invoke(cluster.namesrvAddr, routeRequest('TBW102'), 3000)).code, ResponseCode.TOPIC_NOT_EXIST);
    await broker().registerNow();
    assert.equal((await client.invoke(cluster.namesrvAddr, routeRequest('TBW102'), 3000)).code, ResponseCode.SUCCESS);
    await cluster.nameServer.kill();
    client.closeConnection(cluster.namesrvAddr);
    await cluster.nameServer.restart({ keepRoutes: true });
    assert.equal((await client.invoke(cluster.namesrvAddr, routeRequest('TBW102'), 3000)).code, ResponseCode.SUCCESS);
  });
});

describe('faults and shutdown', () => {
  it('respondWith answerOneway answers even a oneway request (as 4.9 servers do with SYSTEM_BUSY)', async () => {
    const cluster = await EmbeddedCluster.start({ brokers: 1 });
    try {
      const broker = cluster.brokers[0]!;
      broker.faults.respondWith(ResponseCode.SYSTEM_BUSY, { answerOneway: true, times: 1, remark: '[REJECTREQUEST]system busy' });
      const raw = await RawConnection.open(broker.address);
      raw.write(encodeFrame({ ...sendV2('OnewayTopic', 0), opaque: 77, flag: 2 }));
      raw.write(encodeFrame({ ...sendV2('OnewayTopic', 0), opaque: 78, flag: 2 }));
      raw.write(encodeFrame({ ...heartbeat(), opaque: 79 }));
      await raw.until(() => raw.received.length === 2);
      assert.deepEqual(raw.received.map((r) => [r.opaque, r.code]), [
        [77, ResponseCode.SYSTEM_BUSY],
        [79, ResponseCode.SUCCESS],
      ]);
      assert.equal(broker.messages({ topic: 'OnewayTopic' }).length, 1, 'the second oneway send was stored, unanswered');
      raw.close();
    } finally {
      await cluster.stop();
    }
  });

  it('stop() does not wait for scripted delays or pauses: pending requests end with the connection', async () => {
    const cluster = await EmbeddedCluster.start({ brokers: 1 });
    const client = new RemotingClient();
    try {
      const broker = cluster.brokers[0]!;
      broker.faults.delay(60_000);
      const pending = client.invoke(broker.address, heartbeat(), 120_000);
      await eventually(() => broker.stats.inFlight === 1);
      cluster.nameServer.faults.pause();
      const started = Date.now();
      await cluster.stop();
      await assert.rejects(pending, (error: { code: string }) => error.code.startsWith('RMQ_ERR_REMOTING'));
      assert.ok(Date.now() - started < 30_000);
    } finally {
      await client.close();
    }
  });
});

describe('VIP channel', () => {
  it('brokers also listen on port − 2; a taken port − 2 fails clearly', async () => {
    const cluster = await EmbeddedCluster.start({ brokers: 1, vipChannel: true });
    const client = new RemotingClient();
    try {
      const broker = cluster.brokers[0]!;
      assert.equal(broker.vipAddress, `127.0.0.1:${broker.port - 2}`);
      const response = await client.invoke(broker.vipAddress!, sendV2('VipTopic', 0), 3000);
      assert.equal(response.code, ResponseCode.SUCCESS);
      assert.equal(response.extFields!.msgId!.slice(8, 16), broker.port.toString(16).toUpperCase().padStart(8, '0'), 'store host is the main port');
      await assert.rejects(
        EmbeddedCluster.start({ brokers: 1, vipChannel: true, brokerPorts: [cluster.nameServer.port + 2] }),
        /VIP port/,
      );
    } finally {
      await client.close();
      await cluster.stop();
    }
  });
});
