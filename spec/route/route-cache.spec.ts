import { afterEach, beforeEach, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { NameServerClient } from '../../src/route/name-server-client.js';
import { RouteCache } from '../../src/route/route-cache.js';
import { RouteErrorCode } from '../../src/route/route-errors.js';
import { MQClientError } from '../../src/errors.js';
import type { TopicRouteData } from '../../src/route/topic-route.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { startLoopbackServer, type LoopbackServer } from './helpers/loopback.js';
import { makeRoute, routeHandler } from './helpers/name-server.js';

const FAST = { minTimeout: 0, maxTimeout: 0 };
let transport: RemotingClient;
let servers: LoopbackServer[] = [];
let caches: RouteCache[] = [];

async function setup(routes: Map<string, TopicRouteData>, options: { delay?: number; extraNamesrv?: string[] } = {}) {
  const ns = await startLoopbackServer(routeHandler(routes, options.delay ?? 0));
  servers.push(ns);
  const names = new NameServerClient({ transport, namesrvAddr: [ns.address, ...(options.extraNamesrv ?? [])], retry: FAST });
  const refreshErrors: [string, unknown][] = [];
  const cache = new RouteCache({
    nameServer: names,
    timeoutMillis: 500,
    onRefreshError: (topic, error) => refreshErrors.push([topic, error]),
  });
  caches.push(cache);
  const topicsAsked = () => ns.requests.map((r) => r.extFields?.['topic']);
  return { ns, cache, refreshErrors, topicsAsked };
}

const queueNames = (info: { messageQueues: readonly { topic: string; brokerName: string; queueId: number }[] }) =>
  info.messageQueues.map((q) => `${q.topic}@${q.brokerName}/${q.queueId}`);

describe('RouteCache', () => {
  beforeEach(() => {
    transport = new RemotingClient({ connectTimeoutMillis: 1000 });
  });
  afterEach(async () => {
    for (const cache of caches) cache.stop();
    await transport.close();
    await Promise.all(servers.map((s) => s.close()));
    servers = [];
    caches = [];
  });

  it('looks a topic up once and serves it from the cache afterwards', async () => {
    const { cache, topicsAsked } = await setup(new Map([['T', makeRoute(['broker-a', 'broker-b'], 2)]]));
    const info = await cache.getPublishInfo('T');
    assert.deepEqual(queueNames(info), ['T@broker-a/0', 'T@broker-a/1', 'T@broker-b/0', 'T@broker-b/1']);
    assert.equal(await cache.getPublishInfo('T'), info);
    assert.deepEqual(topicsAsked(), ['T']);
    assert.deepEqual(cache.topics(), ['T']);
  });

  it('answers synchronously only what getPublishInfo would answer from the cache (fresh, with send queues)', async () => {
    const { cache, topicsAsked } = await setup(new Map([['T', makeRoute(['broker-a'], 2)]]));
    assert.equal(cache.cachedPublishInfo('T'), undefined, 'unknown topic: a look-up is needed');
    const info = await cache.getPublishInfo('T');
    assert.equal(cache.cachedPublishInfo('T'), info);
    cache.invalidate('T');
    assert.equal(cache.cachedPublishInfo('T'), undefined, 'stale: a look-up is needed');
    assert.equal(cache.peek('T'), info);
    await cache.getPublishInfo('T');
    assert.deepEqual(topicsAsked(), ['T', 'T']);
  });

  it('shares one request between concurrent look-ups of the same topic', async () => {
    const { cache, topicsAsked } = await setup(new Map([['T', makeRoute(['a'])], ['U', makeRoute(['a'])]]), { delay: 30 });
    const infos = await Promise.all([...Array.from({ length: 10 }, () => cache.getPublishInfo('T')), cache.getPublishInfo('U')]);
    assert.ok(infos.slice(0, 10).every((info) => info === infos[0]));
    assert.deepEqual(topicsAsked().sort(), ['T', 'U']);
  });

  it('falls back to the TBW102 route for a topic the name server does not know', async () => {
    const { cache, topicsAsked } = await setup(new Map([['TBW102', makeRoute(['broker-a', 'broker-b'], 8, 7)]]));
    const info = await cache.getPublishInfo('NewTopic');
    assert.deepEqual(topicsAsked(), ['NewTopic', 'TBW102']);
    assert.equal(info.topic, 'NewTopic');
    assert.equal(info.messageQueues.length, 8, 'min(defaultTopicQueueNums 4, 8) per broker');
    assert.ok(info.messageQueues.every((q) => q.topic === 'NewTopic' && q.queueId < 4));
    await cache.getPublishInfo('NewTopic');
    assert.equal(topicsAsked().length, 2, 'the derived route is cached under the real topic');
  });

  it('honours createTopicKey and defaultTopicQueueNums', async () => {
    const ns = await startLoopbackServer(routeHandler(new Map([['MyTemplate', makeRoute(['a'], 8, 7)]])));
    servers.push(ns);
    const cache = new RouteCache({
      nameServer: new NameServerClient({ transport, namesrvAddr: ns.address, retry: FAST }),
      createTopicKey: 'MyTemplate',
      defaultTopicQueueNums: 2,
    });
    assert.equal((await cache.getPublishInfo('X')).messageQueues.length, 2);
  });

  it('fails with 10005 when neither the topic nor TBW102 exists', async () => {
    const { cache } = await setup(new Map());
    await assert.rejects(
      cache.getPublishInfo('Nope'),
      (err: unknown) => err instanceof MQClientError && err.code === RouteErrorCode.NOT_FOUND && err.responseCode === 10005,
    );
  });

  it('fails with 10005 when the route has no writable master queue', async () => {
    const { cache } = await setup(new Map([['RO', makeRoute(['a'], 4, 4)]]));
    await assert.rejects(cache.getPublishInfo('RO'), (err: unknown) => err instanceof MQClientError && err.responseCode === 10005);
  });

  it('propagates 10004 when no name server is reachable and nothing is cached', async () => {
    const { ns, cache } = await setup(new Map([['T', makeRoute(['a'])]]));
    await ns.close();
    await assert.rejects(
      cache.getPublishInfo('T'),
      (err: unknown) => err instanceof MQClientError && err.code === RouteErrorCode.NO_NAME_SERVER,
    );
  });

  it('refreshes routes, picking up a broker added later', async () => {
    const routes = new Map([['T', makeRoute(['broker-a'], 2)]]);
    const { cache } = await setup(routes);
    assert.equal((await cache.getPublishInfo('T')).messageQueues.length, 2);
    routes.set('T', makeRoute(['broker-a', 'broker-b'], 2));
    await cache.refreshAll();
    assert.deepEqual(queueNames(await cache.getPublishInfo('T')), ['T@broker-a/0', 'T@broker-a/1', 'T@broker-b/0', 'T@broker-b/1']);
  });

  it('keeps the cached route when the refresh fails because the name server is down', async () => {
    const { ns, cache, refreshErrors } = await setup(new Map([['T', makeRoute(['a'])]]));
    const info = await cache.getPublishInfo('T');
    await ns.close();
    await cache.refreshAll();
    assert.equal(refreshErrors.length, 1);
    assert.equal((refreshErrors[0]?.[1] as MQClientError).code, RouteErrorCode.NO_NAME_SERVER);
    assert.equal(cache.peek('T'), info);
    assert.equal(await cache.getPublishInfo('T'), info);
  });

  it('keeps a TBW102-derived route through refreshes until the topic exists, then switches', async () => {
    const routes = new Map([['TBW102', makeRoute(['a', 'b'], 8, 7)]]);
    const { cache, refreshErrors } = await setup(routes);
    const derived = await cache.getPublishInfo('New');
    await cache.refreshAll();
    assert.equal(cache.peek('New'), derived);
    assert.equal(refreshErrors.length, 0);
    routes.set('New', makeRoute(['a'], 4));
    await cache.refreshAll();
    assert.deepEqual(queueNames(await cache.getPublishInfo('New')), ['New@a/0', 'New@a/1', 'New@a/2', 'New@a/3']);
  });

  it('re-fetches an invalidated topic, and serves the stale route if the name servers are down', async () => {
    const routes = new Map([['T', makeRoute(['a'], 1)]]);
    const { ns, cache, topicsAsked } = await setup(routes);
    const first = await cache.getPublishInfo('T');
    routes.set('T', makeRoute(['a'], 3));
    cache.invalidate('T');
    const second = await cache.getPublishInfo('T');
    assert.equal(second.messageQueues.length, 3);
    assert.deepEqual(topicsAsked(), ['T', 'T']);
    assert.notEqual(first, second);
    cache.invalidate('T');
    await ns.close();
    assert.equal(await cache.getPublishInfo('T'), second);
  });

  it('lists master addresses for heartbeats and all addresses for unregistering', async () => {
    const { cache } = await setup(new Map([['T', makeRoute(['a'])], ['U', makeRoute(['a', 'b'])]]));
    await cache.getPublishInfo('T');
    assert.deepEqual(cache.brokerAddresses(), ['127.0.0.1:10911']);
    await cache.getPublishInfo('U');
    assert.deepEqual(cache.brokerAddresses(), ['127.0.0.1:10911', '127.0.0.1:10921']);
    assert.deepEqual(cache.allBrokerAddresses(), ['127.0.0.1:10911', '127.0.0.1:10912', '127.0.0.1:10921', '127.0.0.1:10922']);
    assert.equal(cache.masterAddressOf('b'), '127.0.0.1:10921');
    assert.equal(cache.masterAddressOf('zzz'), null);
    cache.remove('U');
    assert.deepEqual(cache.brokerAddresses(), ['127.0.0.1:10911']);
  });

  it('refreshes on a timer between start() and stop()', async () => {
    const { cache, topicsAsked } = await setup(new Map([['T', makeRoute(['a'])]]));
    await cache.getPublishInfo('T');
    cache.start(15);
    const deadline = Date.now() + 2000;
    while (topicsAsked().length < 3 && Date.now() < deadline) await sleep(5);
    cache.stop();
    assert.ok(topicsAsked().length >= 3);
    await cache.refreshAll(); // let any refresh in flight settle
    const settled = topicsAsked().length;
    await sleep(60);
    assert.equal(topicsAsked().length, settled, 'no refresh after stop()');
  });

  it('rejects invalid options', () => {
    const nameServer = { getTopicRoute: () => Promise.reject(new Error('unused')) };
    for (const bad of [{ defaultTopicQueueNums: 0 }, { timeoutMillis: 0 }]) {
      assert.throws(() => new RouteCache({ nameServer, ...bad }), (err: unknown) => err instanceof MQClientError && err.code === RouteErrorCode.INVALID_ARGUMENT);
    }
    assert.throws(() => new RouteCache({ nameServer }).start(0), (err: unknown) => err instanceof MQClientError);
  });
});
