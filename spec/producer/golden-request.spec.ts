import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Producer } from '../../src/producer/producer.js';
import { jsonHeaderText } from '../../src/remoting/header-codec.js';
import type { RemotingCommand } from '../../src/remoting/remoting-command.js';
import { createResponse } from '../../src/remoting/remoting-command.js';
import { RemotingServer } from '../../src/remoting/remoting-server.js';
import { serializeTopicRouteData } from '../../src/route/topic-route.js';
import { goldenFile } from '../helpers/golden.js';

/**
 * A one-process stand-in for NameServer + broker that records the requests the producer writes, so that our
 * SEND_MESSAGE_V2 can be compared with the frame a real Java 4.9.8 producer wrote (shared/golden).
 */
describe('the SEND_MESSAGE_V2 request we write matches the Java 4.9.8 golden capture', () => {
  const captured: RemotingCommand[] = [];
  const goldenRequest = JSON.parse(goldenFile('send_v2_BenchTopic.request.header.json').toString('utf8')) as {
    opaque: number;
    extFields: Record<string, string>;
  };
  const goldenResponse = JSON.parse(goldenFile('send_v2_BenchTopic.response.header.json').toString('utf8')) as {
    extFields: Record<string, string>;
  };
  let server: RemotingServer;
  let producer: Producer;

  before(async () => {
    server = new RemotingServer((request) => {
      captured.push(request);
      if (request.code === 105) {
        const route = {
          brokerDatas: [{ cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: { '0': server.address } }],
          queueDatas: [{ brokerName: 'broker-a', perm: 6, readQueueNums: 1, writeQueueNums: 1, topicSysFlag: 0 }],
          filterServerTable: {},
        };
        return createResponse(request, 0, { body: Buffer.from(serializeTopicRouteData(route)) });
      }
      if (request.code === 310) return createResponse(request, 0, { extFields: goldenResponse.extFields });
      return createResponse(request, 0);
    });
    await server.listen(0);
    producer = new Producer({ producerGroup: 'GoldenProducerGroup', namesrvAddr: server.address, heartbeatBrokerInterval: 20 });
    await producer.start();
  });
  after(() => server.close());

  it('field for field, apart from opaque, bornTimestamp and the unique id', async () => {
    const result = await producer.send({ topic: 'BenchTopic', tags: 'TagA', keys: 'golden-key-1', body: 'hello golden' });
    const send = captured.find((c) => c.code === 310)!;
    assert.ok(send, 'a SEND_MESSAGE_V2 was written');
    const ours = send.extFields!;
    const goldenUniq = /UNIQ_KEY.([0-9A-F]{32})/.exec(goldenRequest.extFields['i']!)![1]!;
    const ourUniq = /UNIQ_KEY.([0-9A-F]{32})/.exec(ours['i']!)![1]!;
    assert.equal(ourUniq, result.msgId);
    assert.match(ours['g']!, /^\d{13}$/);
    assert.deepEqual(Object.keys(ours), Object.keys(goldenRequest.extFields), 'same keys in the same order');
    // Normalise what legitimately differs per run, then the whole header must be the golden text byte for byte.
    const normalised: RemotingCommand = {
      ...send,
      opaque: goldenRequest.opaque,
      extFields: { ...ours, g: goldenRequest.extFields['g']!, i: ours['i']!.replace(ourUniq, goldenUniq) },
    };
    assert.equal(jsonHeaderText(normalised), goldenFile('send_v2_BenchTopic.request.header.json').toString('utf8'));
    assert.deepEqual(send.body, Buffer.from('hello golden'));
    const goldenFrame = goldenFile('send_v2_BenchTopic.request.frame.bin');
    assert.deepEqual(goldenFrame.subarray(goldenFrame.length - 12), send.body, 'same body bytes');
  });

  it('reads the golden response into the SendResult', async () => {
    const result = await producer.send({ topic: 'BenchTopic', tags: 'TagA', keys: 'golden-key-1', body: 'hello golden' });
    assert.deepEqual(
      { ...result, msgId: 'x' },
      {
        sendStatus: 'SEND_OK',
        msgId: 'x',
        offsetMsgId: '7F00000100002A9F0000000011A264A0',
        messageQueue: { topic: 'BenchTopic', brokerName: 'broker-a', queueId: 0 },
        queueOffset: 61508,
        regionId: 'DefaultRegion',
        traceOn: true,
      },
    );
  });

  it('asks the NameServer for the route with the golden GET_ROUTEINFO_BY_TOPIC header', async () => {
    const lookup = captured.find((c) => c.code === 105)!;
    const golden = goldenFile('route_BenchTopic.request.header.json').toString('utf8');
    const goldenOpaque = (JSON.parse(golden) as { opaque: number }).opaque;
    assert.equal(jsonHeaderText({ ...lookup, opaque: goldenOpaque }), golden);
    await producer.shutdown();
  });
});

describe('heartbeat and unregister frames', () => {
  it('HEART_BEAT carries no header and the §12.1 body; UNREGISTER_CLIENT the golden header fields', async () => {
    const captured: RemotingCommand[] = [];
    const server: RemotingServer = new RemotingServer((request): RemotingCommand => {
      captured.push(request);
      if (request.code === 105) {
        const route = {
          brokerDatas: [{ cluster: 'DefaultCluster', brokerName: 'broker-a', brokerAddrs: { '0': server.address } }],
          queueDatas: [{ brokerName: 'broker-a', perm: 6, readQueueNums: 4, writeQueueNums: 4, topicSysFlag: 0 }],
          filterServerTable: {},
        };
        return createResponse(request, 0, { body: Buffer.from(serializeTopicRouteData(route)) });
      }
      if (request.code === 310) {
        return createResponse(request, 0, { extFields: { msgId: 'X', queueId: '0', queueOffset: '0', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' } });
      }
      return createResponse(request, 0);
    });
    await server.listen(0);
    try {
      const producer = new Producer({ producerGroup: 'PG', namesrvAddr: server.address, heartbeatBrokerInterval: 20, instanceName: 'hb' });
      await producer.start();
      await producer.send({ topic: 'T', body: 'x' });
      const until = Date.now() + 3000;
      while (!captured.some((c) => c.code === 34) && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
      const clientId = producer.clientId!;
      await producer.shutdown();
      const heartbeat = captured.find((c) => c.code === 34)!;
      assert.ok(heartbeat, 'a heartbeat was sent');
      assert.equal(heartbeat.extFields, null);
      assert.equal(
        heartbeat.body!.toString('utf8'),
        `{"clientID":"${clientId}","consumerDataSet":[],"producerDataSet":[{"groupName":"CLIENT_INNER_PRODUCER"},{"groupName":"PG"}]}`,
      );
      const unregisters = captured.filter((c) => c.code === 35).map((c) => c.extFields);
      assert.deepEqual(unregisters, [
        { producerGroup: 'PG', clientID: clientId },
        { producerGroup: 'CLIENT_INNER_PRODUCER', clientID: clientId },
      ]);
      assert.deepEqual(Object.keys(unregisters[0]!), ['producerGroup', 'clientID'], 'the golden key order');
    } finally {
      await server.close();
    }
  });
});
