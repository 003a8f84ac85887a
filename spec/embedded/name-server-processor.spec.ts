import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NameServerProcessor } from '../../src/embedded/name-server-processor.js';
import { registerBrokerBody, registerBrokerRequest, unregisterBrokerRequest, type BrokerIdentity } from '../../src/embedded/register-broker.js';
import { createTopicConfig, PermName } from '../../src/embedded/topic-config.js';
import { decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { createRequest, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { ResponseCode } from '../../src/remoting/response-code.js';
import { parseTopicRouteData } from '../../src/route/topic-route.js';
import { goldenFile } from '../helpers/golden.js';

const ORIGIN = { remoteAddress: '127.0.0.1:40000', connection: 'conn-1' };

function identity(brokerName = 'broker-a', port = 10911): BrokerIdentity {
  return {
    clusterName: 'DefaultCluster',
    brokerName,
    brokerAddr: `127.0.0.1:${port}`,
    haServerAddr: `127.0.0.1:${port + 1}`,
    brokerId: 0,
    version: 409,
  };
}

function register(processor: NameServerProcessor, id: BrokerIdentity, counter: number, now: number, origin = ORIGIN): RemotingCommand {
  const topics = [createTopicConfig('BenchTopic', 4), createTopicConfig('TBW102', 4, PermName.READ | PermName.WRITE | PermName.INHERIT)];
  const body = registerBrokerBody(topics, { counter, timestamp: 1 });
  return processor.process(registerBrokerRequest(id, body, false), origin, now)!;
}

function route(processor: NameServerProcessor, topic: string, version = 409, ext: Record<string, string> = {}): RemotingCommand {
  return processor.process(createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic, ...ext }, { version, opaque: 1000 }), ORIGIN)!;
}

describe('NameServerProcessor', () => {
  it('REGISTER_BROKER then GET_ROUTEINFO_BY_TOPIC answers the exact golden frame (standard JSON for version 409)', () => {
    const processor = new NameServerProcessor({ version: '4.9', brokerExpireMillis: 120_000 });
    const registered = register(processor, identity(), 1, Date.now());
    assert.equal(registered.code, ResponseCode.SUCCESS);
    assert.deepEqual(registered.extFields, {});
    const response = route(processor, 'BenchTopic');
    assert.deepEqual(encodeFrame(response), goldenFile('route_BenchTopic.response.frame.bin'));
    assert.equal(route(processor, 'TBW102').body!.toString(), goldenFile('route_TBW102.response.body.json').toString());
  });

  it('legacy fastjson (unquoted integer keys) for version < 401 unless acceptStandardJsonOnly=true', () => {
    const processor = new NameServerProcessor({ version: '4.9', brokerExpireMillis: 120_000 });
    register(processor, identity(), 1, Date.now());
    const legacy = goldenFile('route_BenchTopic_legacyVersion0.response.body.json').toString();
    assert.equal(route(processor, 'BenchTopic', 0).body!.toString(), legacy);
    assert.equal(route(processor, 'BenchTopic', 121).body!.toString(), legacy);
    assert.match(route(processor, 'BenchTopic', 121, { acceptStandardJsonOnly: 'true' }).body!.toString(), /\{"0":"127/);
    assert.match(route(processor, 'BenchTopic', 409).body!.toString(), /\{"0":"127/);
    // The library's route parser reads both forms to the same route.
    assert.deepEqual(parseTopicRouteData(route(processor, 'BenchTopic', 0).body!), parseTopicRouteData(route(processor, 'BenchTopic', 409).body!));
  });

  it('unknown topic → TOPIC_NOT_EXIST with the exact golden frame', () => {
    const processor = new NameServerProcessor({ version: '4.9', brokerExpireMillis: 120_000 });
    const golden = goldenFile('route_NoSuchTopic.response.frame.bin');
    const request = decodeFrame(goldenFile('route_NoSuchTopic.request.frame.bin'));
    const response = processor.process(request, ORIGIN)!;
    assert.equal(response.code, ResponseCode.TOPIC_NOT_EXIST);
    assert.deepEqual(encodeFrame(response), golden);
  });

  it('a topic on two brokers lists both; expiry drops a broker that stopped re-registering', () => {
    const processor = new NameServerProcessor({ version: '4.9', brokerExpireMillis: 1000 });
    register(processor, identity('broker-a', 10911), 1, 0);
    register(processor, identity('broker-b', 10921), 1, 0, { remoteAddress: '127.0.0.1:40001', connection: 'conn-2' });
    const both = JSON.parse(route(processor, 'BenchTopic').body!.toString()) as { brokerDatas: { brokerName: string }[]; queueDatas: unknown[] };
    assert.deepEqual(both.brokerDatas.map((b) => b.brokerName), ['broker-a', 'broker-b']);
    assert.equal(both.queueDatas.length, 2);
    register(processor, identity('broker-a', 10911), 1, 900);
    assert.deepEqual(processor.scanNotActiveBrokers(1500), ['conn-2']);
    const one = JSON.parse(route(processor, 'BenchTopic').body!.toString()) as { brokerDatas: { brokerName: string }[] };
    assert.deepEqual(one.brokerDatas.map((b) => b.brokerName), ['broker-a']);
    assert.deepEqual(processor.scanNotActiveBrokers(2000), ['conn-1']);
    assert.equal(route(processor, 'BenchTopic').code, ResponseCode.TOPIC_NOT_EXIST);
  });

  it('UNREGISTER_BROKER removes the broker at once; a closed registration connection too', () => {
    const processor = new NameServerProcessor({ version: '4.9', brokerExpireMillis: 120_000 });
    register(processor, identity(), 1, Date.now());
    const response = processor.process(unregisterBrokerRequest(identity()), ORIGIN)!;
    assert.equal(response.code, ResponseCode.SUCCESS);
    assert.equal(route(processor, 'BenchTopic').code, ResponseCode.TOPIC_NOT_EXIST);
    register(processor, identity(), 2, Date.now());
    processor.connectionClosed('conn-1');
    assert.deepEqual(processor.brokers(), []);
  });

  it('re-registration with a new dataVersion updates queue data; a body CRC mismatch is refused', () => {
    const processor = new NameServerProcessor({ version: '4.9', brokerExpireMillis: 120_000 });
    register(processor, identity(), 1, Date.now());
    const body = registerBrokerBody([createTopicConfig('BenchTopic', 8)], { counter: 2, timestamp: 2 });
    processor.process(registerBrokerRequest(identity(), body, false), ORIGIN);
    const updated = JSON.parse(route(processor, 'BenchTopic').body!.toString()) as { queueDatas: { writeQueueNums: number }[] };
    assert.equal(updated.queueDatas[0]!.writeQueueNums, 8);
    const bad = registerBrokerRequest(identity(), body, false);
    bad.extFields!.bodyCrc32 = '12345';
    const refused = processor.process(bad, ORIGIN)!;
    assert.equal(refused.code, ResponseCode.SYSTEM_ERROR);
    assert.equal(refused.remark, 'crc32 not match');
    assert.equal(processor.process(registerBrokerRequest(identity(), body, true), ORIGIN), null, 'oneway: no answer');
  });

  it('5.x: enableActingMaster in broker data; unknown codes are not answered (as the Java NameServer)', () => {
    const processor = new NameServerProcessor({ version: '5.x', brokerExpireMillis: 120_000 });
    register(processor, identity(), 1, Date.now());
    assert.match(route(processor, 'BenchTopic').body!.toString(), /"enableActingMaster":false/);
    assert.equal(processor.process(createRequest(999), ORIGIN), null);
    const missing = processor.process(createRequest(RequestCode.REGISTER_BROKER, { brokerName: 'x' }), ORIGIN)!;
    assert.equal(missing.code, ResponseCode.SYSTEM_ERROR);
  });

  it('GET_BROKER_CLUSTER_INFO lists brokers and clusters', () => {
    const processor = new NameServerProcessor({ version: '4.9', brokerExpireMillis: 120_000 });
    register(processor, identity(), 1, Date.now());
    const response = processor.process(createRequest(RequestCode.GET_BROKER_CLUSTER_INFO), ORIGIN)!;
    const info = JSON.parse(response.body!.toString()) as { clusterAddrTable: Record<string, string[]> };
    assert.deepEqual(info.clusterAddrTable, { DefaultCluster: ['broker-a'] });
  });
});
