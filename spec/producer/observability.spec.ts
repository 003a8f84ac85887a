import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import type { Logger } from '../../src/logger.js';
import type { HeartbeatEvent } from '../../src/producer/diagnostics.js';
import type { RemotingCloseEvent, RemotingConnectEvent, RemotingRequestEvent, RemotingTimeoutEvent } from '../../src/remoting/diagnostics.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import type { RPCHook } from '../../src/remoting/remoting-client.js';
import { createRequest } from '../../src/remoting/remoting-command.js';
import type { RouteRefreshEvent } from '../../src/route/diagnostics.js';
import { GET_ROUTE, HEART_BEAT, SEND_V2, sleep, startCluster, startProducer, stopAll, unique } from './cluster-fixture.js';

/** Collects what `name` publishes while `run` runs. */
async function collect<T>(name: string, run: () => Promise<void>): Promise<T[]> {
  const seen: T[] = [];
  const listener = (message: unknown): void => void seen.push(message as T);
  diagnosticsChannel.subscribe(name, listener);
  try {
    await run();
  } finally {
    diagnosticsChannel.unsubscribe(name, listener);
  }
  return seen;
}

describe('diagnostics channels of the remoting layer, routes and heartbeats', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(stopAll);

  it('rocketmq:remoting:connect / :request / :close over a producer life', async () => {
    const topic = unique('ChanTopic');
    const connects: RemotingConnectEvent[] = [];
    const closes: RemotingCloseEvent[] = [];
    const onConnect = (m: unknown): void => void connects.push(m as RemotingConnectEvent);
    const onClose = (m: unknown): void => void closes.push(m as RemotingCloseEvent);
    diagnosticsChannel.subscribe('rocketmq:remoting:connect', onConnect);
    diagnosticsChannel.subscribe('rocketmq:remoting:close', onClose);
    try {
      const requests = await collect<RemotingRequestEvent>('rocketmq:remoting:request', async () => {
        const producer = await startProducer(cluster);
        await producer.send({ topic, body: 'x'.repeat(100) });
        await producer.shutdown();
      });
      assert.ok(connects.some((c) => c.addr === cluster.namesrvAddr && c.error === null && c.durationMillis >= 0));
      const routes = requests.filter((r) => r.code === GET_ROUTE && r.addr === cluster.namesrvAddr);
      // A new topic: TOPIC_NOT_EXIST for it, then the template topic's route.
      assert.deepEqual(routes.map((r) => r.responseCode).slice(0, 2), [17, 0]);
      const route = routes[1]!;
      assert.equal(route.oneway, false);
      assert.ok(route.bytes > 0 && route.durationMillis >= 0);
      const send = requests.find((r) => r.code === SEND_V2)!;
      assert.equal(send.responseCode, 0);
      assert.ok(send.bytes > 100, 'head and body counted');
      assert.equal(send.error, null);
      assert.ok(cluster.brokers.some((b) => b.address === send.addr));
      // Shutdown closes every connection the producer opened, orderly.
      for (const c of connects) assert.ok(closes.some((x) => x.addr === c.addr && x.error === null), `closed ${c.addr}`);
    } finally {
      diagnosticsChannel.unsubscribe('rocketmq:remoting:connect', onConnect);
      diagnosticsChannel.unsubscribe('rocketmq:remoting:close', onClose);
    }
  });

  it('a failed connect and a timed-out request are published', async () => {
    const connects = await collect<RemotingConnectEvent>('rocketmq:remoting:connect', async () => {
      const bad = await startProducer('127.0.0.1:1', { sendMsgTimeout: 500, mqClientApiTimeout: 500 });
      await assert.rejects(bad.send({ topic: unique('Nowhere'), body: 'x' }));
    });
    assert.ok(connects.some((c) => c.addr === '127.0.0.1:1' && (c.error as { code?: string } | null)?.code === 'RMQ_ERR_REMOTING_CONNECT'));

    const broker = cluster.brokers[0]!;
    broker.faults.swallow({ requestCode: HEART_BEAT });
    const client = new RemotingClient();
    try {
      const requests: RemotingRequestEvent[] = [];
      const onRequest = (m: unknown): void => void requests.push(m as RemotingRequestEvent);
      diagnosticsChannel.subscribe('rocketmq:remoting:request', onRequest);
      const timeouts = await collect<RemotingTimeoutEvent>('rocketmq:remoting:timeout', async () => {
        await assert.rejects(client.invoke(broker.address, createRequest(HEART_BEAT, null, { body: Buffer.from('{}') }), 150), {
          code: 'RMQ_ERR_REMOTING_TIMEOUT',
        });
      });
      diagnosticsChannel.unsubscribe('rocketmq:remoting:request', onRequest);
      assert.deepEqual(timeouts, [{ code: HEART_BEAT, addr: broker.address, timeoutMillis: 150, waitingPermit: false }]);
      const failed = requests.find((r) => r.code === HEART_BEAT)!;
      assert.equal((failed.error as { code?: string }).code, 'RMQ_ERR_REMOTING_TIMEOUT');
      assert.equal(failed.responseCode, null);
      assert.ok(failed.durationMillis >= 140);
    } finally {
      broker.faults.clear();
      await client.close();
    }
  });

  it('rocketmq:route:refresh: first look-up changed, periodic refresh unchanged; heartbeat rounds', async () => {
    const topic = unique('RouteTopic');
    const producer = await startProducer(cluster, { pollNameServerInterval: 50, heartbeatBrokerInterval: 50 });
    let heartbeats: HeartbeatEvent[] = [];
    const refreshes = await collect<RouteRefreshEvent>('rocketmq:route:refresh', async () => {
      heartbeats = await collect<HeartbeatEvent>('rocketmq:producer:heartbeat', async () => {
        await producer.send({ topic, body: 'x' });
        await sleep(250);
      });
    });
    const mine = refreshes.filter((r) => r.topic === topic && r.error === null);
    assert.ok(mine.length >= 2);
    assert.equal(mine[0]!.changed, true);
    assert.equal(mine[0]!.fromDefaultTopic, true, 'a new topic is served from TBW102 first');
    assert.ok(mine[0]!.queues > 0);
    assert.ok(mine[0]!.brokers.length >= 1);
    const beats = heartbeats.filter((h) => h.clientId === producer.clientId);
    assert.ok(beats.length >= 1);
    assert.ok(beats[0]!.producerGroups.includes('CLIENT_INNER_PRODUCER'));
    assert.ok(beats.some((b) => b.acknowledged === b.brokers.length && b.brokers.length > 0 && b.failures.length === 0));
    assert.ok(cluster.brokers.some((b) => b.stats.count(HEART_BEAT) > 0));
  });
});

describe('logger option and producer.metrics()', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster();
  });
  after(stopAll);

  function recordingLogger(): { logger: Logger; lines: { level: string; obj: Record<string, unknown>; msg: string }[] } {
    const lines: { level: string; obj: Record<string, unknown>; msg: string }[] = [];
    const at = (level: string) => (obj: Record<string, unknown>, msg: string) => void lines.push({ level, obj, msg });
    return { logger: { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }, lines };
  }

  it('logs start, connections, route changes, hook errors and shutdown; never options, hooks, secrets or bodies', async () => {
    const { logger, lines } = recordingLogger();
    const signer: RPCHook & { secretKey: string } = { secretKey: 'S3CR3T-KEY', doBeforeRequest: () => {}, doAfterResponse: () => {} };
    const producer = await startProducer(cluster, {
      logger,
      rpcHooks: [signer],
      credentials: { accessKey: 'AK-LOGGED-NOWHERE', secretKey: 'ACL-SECRET-VALUE' },
      sendMessageHooks: [{ name: 'thrower', sendMessageBefore: () => { throw new Error('hook boom'); } }],
    });
    const topic = unique('LoggedTopic');
    await producer.send({ topic, body: 'BODY-SHOULD-NOT-BE-LOGGED' });
    await producer.shutdown();
    const messages = lines.map((l) => `${l.level}:${l.msg}`);
    assert.ok(messages.includes('info:producer started'));
    assert.ok(messages.includes('debug:connected'));
    assert.ok(lines.some((l) => l.level === 'info' && l.msg === 'route changed' && l.obj['topic'] === topic));
    assert.ok(lines.some((l) => l.level === 'warn' && l.obj['hook'] === 'thrower'));
    assert.ok(messages.includes('info:producer shut down'));
    const text = JSON.stringify(lines, (_k, v: unknown) => (v instanceof Error ? v.message : v));
    assert.ok(!text.includes('S3CR3T-KEY'));
    assert.ok(!text.includes('ACL-SECRET-VALUE'));
    assert.ok(!text.includes('BODY-SHOULD-NOT-BE-LOGGED'));
  });

  it('quiet by default: a producer without a logger subscribes to nothing', async () => {
    const channels = ['rocketmq:remoting:connect', 'rocketmq:route:refresh', 'rocketmq:producer:heartbeat'];
    const producer = await startProducer(cluster);
    await producer.send({ topic: unique('Quiet'), body: 'x' });
    for (const name of channels) assert.equal(diagnosticsChannel.channel(name).hasSubscribers, false, name);
  });

  it('metrics(): in-flight sends, permits, per-broker latency and faults, route ages', async () => {
    const producer = await startProducer(cluster, { sendLatencyFaultEnable: true });
    const before = producer.metrics();
    assert.equal(before.inflightSends, 0);
    assert.equal(before.permits?.async.total, 65535);
    const topic = unique('MetricsTopic');
    const pending = Promise.all([1, 2, 3].map((i) => producer.send({ topic, body: `m${i}` })));
    assert.equal(producer.metrics().inflightSends, 3);
    await pending;
    for (let i = 0; i < 20; i++) await producer.send({ topic, body: `n${i}` });
    const m = producer.metrics();
    assert.equal(m.inflightSends, 0);
    const attempts = m.brokers.reduce((n, b) => n + b.attempts, 0);
    assert.equal(attempts, 23);
    for (const b of m.brokers) {
      assert.ok(cluster.broker(b.brokerName));
      assert.ok(b.p50Millis >= 0 && b.p99Millis >= b.p50Millis && b.maxMillis >= b.p99Millis);
      assert.equal(b.failures, 0);
    }
    assert.ok(m.faults.length >= 1);
    assert.ok(m.faults.every((f) => f.available && f.reachable));
    const route = m.routes.find((r) => r.topic === topic)!;
    assert.ok(route.ageMillis >= 0 && route.ageMillis < 10_000);
    assert.equal(m.trace, null);
  });
});

describe('observability options are validated eagerly', () => {
  it('names the bad field', async () => {
    const { Producer } = await import('../../src/producer/producer.js');
    const bad: [Record<string, unknown>, string][] = [
      [{ telemetry: 'yes' }, 'telemetry'],
      [{ telemetry: { tracerProvider: {} } }, 'telemetry'],
      [{ telemetry: { meterProvider: { getMeter: 1 } } }, 'telemetry'],
      [{ telemetry: { propagate: 'no' } }, 'telemetry'],
      [{ telemetry: { sampler: 1 } }, 'telemetry'],
      [{ logger: { info: () => {} } }, 'logger'],
      [{ logger: 'console' }, 'logger'],
      [{ enableMsgTrace: 'true' }, 'enableMsgTrace'],
      [{ customizedTraceTopic: 'bad topic!' }, 'customizedTraceTopic'],
    ];
    for (const [options, option] of bad) {
      assert.throws(() => new Producer({ namesrvAddr: '127.0.0.1:9876', ...options }), { code: 'RMQ_ERR_INVALID_OPTION', option }, JSON.stringify(options));
    }
    assert.doesNotThrow(() => new Producer({ namesrvAddr: '127.0.0.1:9876', telemetry: false, logger: null, enableMsgTrace: true }));
  });
});
