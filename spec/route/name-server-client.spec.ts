import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NameServerClient, parseNamesrvAddr, type RouteTransport } from '../../src/route/name-server-client.js';
import { RouteErrorCode } from '../../src/route/route-errors.js';
import { MQClientError, RemotingError } from '../../src/errors.js';
import { createResponse, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { ResponseCode } from '../../src/remoting/response-code.js';
import { goldenFile } from '../helpers/golden.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { deadAddress, startLoopbackServer, type LoopbackServer } from './helpers/loopback.js';
import { makeRoute, routeHandler } from './helpers/name-server.js';

const FAST = { minTimeout: 0, maxTimeout: 0 };

let servers: LoopbackServer[] = [];
let transport: RemotingClient;

/** Records which addresses were asked, in order. */
function counting(inner: RouteTransport): RouteTransport & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    invoke: (addr, request, timeout) => {
      asked.push(addr);
      return inner.invoke(addr, request, timeout);
    },
  };
}

async function server(handler: Parameters<typeof startLoopbackServer>[0]): Promise<LoopbackServer> {
  const s = await startLoopbackServer(handler);
  servers.push(s);
  return s;
}

function isClientError(code: string, responseCode: number) {
  return (err: unknown) => err instanceof MQClientError && err.code === code && err.responseCode === responseCode;
}

describe('NameServerClient', () => {
  beforeEach(() => {
    transport = new RemotingClient({ connectTimeoutMillis: 1000 });
  });
  afterEach(async () => {
    await transport.close();
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
  });

  it('parses namesrvAddr strings and arrays', () => {
    assert.deepEqual(parseNamesrvAddr('a:9876;b:9876'), ['a:9876', 'b:9876']);
    assert.deepEqual(parseNamesrvAddr(' a:1 ; ;b:2;'), ['a:1', 'b:2']);
    assert.deepEqual(parseNamesrvAddr(['a:1', ' b:2 ', '']), ['a:1', 'b:2']);
    assert.deepEqual(parseNamesrvAddr(''), []);
  });

  it('sends GET_ROUTEINFO_BY_TOPIC {topic} with version 409 and returns the parsed route', async () => {
    const route = makeRoute(['broker-a', 'broker-b']);
    const ns = await server(routeHandler(new Map([['TopicTest', route]])));
    const client = new NameServerClient({ transport, namesrvAddr: ns.address, retry: FAST });
    assert.deepEqual(await client.getTopicRoute('TopicTest', 1000), route);
    const [request] = ns.requests;
    assert.equal(request?.code, 105);
    assert.deepEqual(request?.extFields, { topic: 'TopicTest' });
    assert.equal(request?.version, 409);
    assert.equal(request?.body, null);
    assert.equal(client.lastGoodAddress, ns.address);
  });

  it('sends the request the Java 4.9.8 client sends (golden header, apart from opaque)', async () => {
    const ns = await server(routeHandler(new Map([['BenchTopic', makeRoute(['broker-a'])]])));
    const client = new NameServerClient({ transport, namesrvAddr: ns.address, retry: FAST });
    await client.getTopicRoute('BenchTopic', 1000);
    const golden = JSON.parse(goldenFile('route_BenchTopic.request.header.json').toString('utf8')) as Record<string, unknown>;
    const sent = ns.requests[0]!;
    assert.deepEqual(
      { code: sent.code, extFields: sent.extFields, flag: sent.flag, language: sent.language, version: sent.version, serializeType: sent.serializeType },
      { code: golden['code'], extFields: golden['extFields'], flag: golden['flag'], language: golden['language'], version: golden['version'], serializeType: 0 },
    );
  });

  it('parses the legacy body an old NameServer sends', async () => {
    const route = makeRoute(['broker-a']);
    const body = Buffer.from(
      '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10912"},"brokerName":"broker-a","cluster":"DefaultCluster"}],' +
        '"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}',
    );
    const ns = await server((request) => createResponse(request, ResponseCode.SUCCESS, { body }));
    const client = new NameServerClient({ transport, namesrvAddr: [ns.address], retry: FAST });
    assert.deepEqual(await client.getTopicRoute('T', 1000), route);
  });

  it('uses the second name server when the first is down, and starts there next time', async () => {
    const dead = await deadAddress();
    const ns = await server(routeHandler(new Map([['T', makeRoute(['a'])]])));
    const t = counting(transport);
    const client = new NameServerClient({ transport: t, namesrvAddr: `${dead};${ns.address}`, retry: FAST });
    await client.getTopicRoute('T', 1000);
    await client.getTopicRoute('T', 1000);
    assert.deepEqual(t.asked, [dead, ns.address, ns.address]);
    assert.equal(client.lastGoodAddress, ns.address);
  });

  it('moves on when a name server answers with an error code', async () => {
    const sick = await server((request) => createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: 'name server not ready' }));
    const ns = await server(routeHandler(new Map([['T', makeRoute(['a'])]])));
    const client = new NameServerClient({ transport, namesrvAddr: [sick.address, ns.address], retry: FAST });
    assert.equal((await client.getTopicRoute('T', 1000)).queueDatas.length, 1);
    assert.equal(sick.requests.length, 1);
  });

  it('reports TOPIC_NOT_EXIST as responseCode 17 without asking the other name servers', async () => {
    const first = await server(routeHandler(new Map()));
    const second = await server(routeHandler(new Map([['T', makeRoute(['a'])]])));
    const client = new NameServerClient({ transport, namesrvAddr: [first.address, second.address], retry: FAST });
    await assert.rejects(client.getTopicRoute('T', 1000), isClientError(RouteErrorCode.TOPIC_NOT_EXIST, 17));
    assert.equal(second.requests.length, 0);
  });

  it('fails with 10004 when no name server is reachable, the last remoting error as cause', async () => {
    const client = new NameServerClient({ transport, namesrvAddr: [await deadAddress(), await deadAddress()], retry: FAST });
    await assert.rejects(client.getTopicRoute('T', 1000), (err: unknown) => {
      assert.ok(isClientError(RouteErrorCode.NO_NAME_SERVER, 10004)(err));
      assert.ok((err as Error).cause instanceof RemotingError);
      assert.equal((err as MQClientError).retriable, true);
      return true;
    });
  });

  it('fails with 10004 when no address is configured', async () => {
    const client = new NameServerClient({ transport, namesrvAddr: ' ; ', retry: FAST });
    await assert.rejects(client.getTopicRoute('T', 1000), isClientError(RouteErrorCode.NO_NAME_SERVER, 10004));
  });

  it('times out a silent name server and tries the next', async () => {
    const silent = await server(() => null);
    const ns = await server(routeHandler(new Map([['T', makeRoute(['a'])]])));
    const client = new NameServerClient({ transport, namesrvAddr: [silent.address, ns.address], retry: FAST });
    assert.equal((await client.getTopicRoute('T', 50)).brokerDatas[0]?.brokerName, 'a');
  });

  it('reports a garbage body from the only name server as a parse error; SUCCESS without body as a response error', async () => {
    const garbage = await server((request: RemotingCommand) => createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from('{0:') }));
    const client = new NameServerClient({ transport, namesrvAddr: garbage.address, retry: FAST });
    await assert.rejects(client.getTopicRoute('T', 1000), isClientError(RouteErrorCode.PARSE, -1));
    const empty = await server((request: RemotingCommand) => createResponse(request, ResponseCode.SUCCESS));
    client.updateNameServerAddresses([empty.address]);
    await assert.rejects(client.getTopicRoute('T', 1000), isClientError(RouteErrorCode.NAME_SERVER_RESPONSE, 0));
  });
});
