import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import { after, before, describe, it } from 'node:test';
import { inspect } from 'node:util';
import { from, lastValueFrom, toArray } from 'rxjs';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import { MQAclError, MQBrokerError } from '../../src/errors.js';
import type { ProducerEvent } from '../../src/producer/diagnostics.js';
import type { Producer } from '../../src/producer/producer.js';
import { CAPTURE_ACL, USER } from '../helpers/acl.js';
import { eventually, HEART_BEAT, SEND_V2, sleep, startCluster, startProducer, stopAll, unique, UNREGISTER_CLIENT } from '../producer/cluster-fixture.js';

const SEND_BATCH = 320;
const WRONG_SECRET = 'wrong-Secret-42';
/** Every printout a secret must stay out of. */
function leaks(value: unknown, secret: string): boolean {
  const seen = [inspect(value, { depth: 12, showHidden: true })];
  try {
    seen.push(JSON.stringify(value) ?? '');
  } catch {
    // circular: inspect covers it
  }
  if (value instanceof Error) seen.push(value.message, String(value.stack), inspect(value.cause, { depth: 12 }));
  return seen.some((text) => text.includes(secret));
}

describe('producer with credentials against an ACL cluster', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  before(async () => {
    cluster = await startCluster({ acl: CAPTURE_ACL });
    producer = await startProducer(cluster, { credentials: USER, heartbeatBrokerInterval: 200 });
  });
  after(stopAll);

  const stored = (topic: string): string[] => cluster.messages({ topic }).map((m) => m.body.toString());
  /** Send requests (single and batch) the brokers received for `topic`. */
  const sendsTo = (topic: string): number =>
    cluster.brokers.flatMap((broker) => broker.stats.requests).filter((r) => (r.code === SEND_V2 || r.code === SEND_BATCH) && r.topic === topic).length;

  it('signs every send mode and batches: sync, async, oneway, batch and publish are stored', async () => {
    const topic = unique('AclOk');
    const sync = await producer.send({ topic, body: 'sync' });
    assert.equal(sync.sendStatus, 'SEND_OK');
    const async = await new Promise((resolve, reject) => producer.sendAsync({ topic, body: 'async' }, { onSuccess: resolve, onException: reject }));
    assert.ok(async);
    await producer.sendOneway({ topic, body: 'oneway' });
    const batch = await producer.sendBatch([
      { topic, body: 'b1' },
      { topic, body: 'b2' },
    ]);
    assert.equal(batch.length, 2);
    const outcomes = await lastValueFrom(
      from([{ topic, body: 'p1' }, { topic, body: 'p2' }]).pipe(producer.publish({ batch: { maxMessages: 2 } }), toArray()),
    );
    assert.ok(outcomes.every((outcome) => outcome.ok));
    await eventually(() => stored(topic).length === 7);
    assert.deepEqual(stored(topic).sort(), ['async', 'b1', 'b2', 'oneway', 'p1', 'p2', 'sync']);
  });

  it('signs heartbeats and unregister: the broker accepts them (code 0)', async () => {
    const own = await startProducer(cluster, { credentials: USER, heartbeatBrokerInterval: 50 });
    await own.send({ topic: unique('AclHb'), body: 'x' });
    await eventually(() => cluster.brokers.some((broker) => broker.clients.has(own.clientId!)), 5000);
    const heartbeats = cluster.brokers.flatMap((broker) => broker.stats.requests.filter((r) => r.code === HEART_BEAT));
    assert.ok(heartbeats.length > 0 && heartbeats.every((r) => r.responseCode === 0));
    await own.shutdown();
    const unregisters = cluster.brokers.flatMap((broker) => broker.stats.requests.filter((r) => r.code === UNREGISTER_CLIENT));
    assert.ok(unregisters.length > 0 && unregisters.every((r) => r.responseCode === 0 || r.responseCode === null));
  });

  const refusals: { name: string; options: Parameters<typeof startProducer>[1]; topic?: string; reason: RegExp }[] = [
    { name: 'wrong secret', options: { credentials: { accessKey: USER.accessKey, secretKey: WRONG_SECRET } }, reason: /^Check signature failed for accessKey=rxUser1$/ },
    { name: 'unknown key', options: { credentials: { accessKey: 'rxUser', secretKey: WRONG_SECRET } }, reason: /^No acl config for rxUser$/ },
    { name: 'missing signature (no credentials)', options: {}, reason: /^No accessKey is configured$/ },
    { name: 'denied topic', options: { credentials: USER }, topic: 'RxDenied', reason: /^No default permission for topic:RxDenied$/ },
  ];
  for (const refusal of refusals) {
    it(`${refusal.name}: RMQ_ERR_ACL_DENIED (responseCode 1), not retried on the other broker, nothing stored, no hang`, async () => {
      const bad = await startProducer(cluster, { ...refusal.options, retryTimesWhenSendFailed: 2, retryTimesWhenSendAsyncFailed: 2 });
      const topic = refusal.topic ?? unique('AclRefused');
      const sendsBefore = sendsTo(topic);
      const started = Date.now();
      const error = (await bad.send({ topic, body: 'refused' }).catch((e: unknown) => e)) as MQAclError;
      assert.ok(error instanceof MQAclError, String(error));
      assert.ok(error instanceof MQBrokerError);
      assert.equal(error.code, 'RMQ_ERR_ACL_DENIED');
      assert.equal(error.responseCode, 1);
      assert.equal(error.retriable, false);
      assert.match(error.reason, refusal.reason);
      assert.ok(!error.message.includes('PlainPermissionManager'), 'no stack frame in the message');
      assert.equal(sendsTo(topic) - sendsBefore, 1, 'one attempt only');
      const asyncError = await new Promise<unknown>((resolve) => bad.sendAsync({ topic, body: 'refused' }, { onSuccess: resolve, onException: resolve }));
      assert.equal((asyncError as MQAclError).code, 'RMQ_ERR_ACL_DENIED');
      const batch = (await bad.sendBatch([{ topic, body: 'r1' }]).catch((e: unknown) => e)) as MQAclError | unknown[];
      // 4.9.8's PlainAccessValidator has no rule for SEND_BATCH_MESSAGE: a signed batch is checked for its signature
      // only, so a batch to a denied topic is stored (as on the real broker).
      if (refusal.topic === undefined) assert.equal((batch as MQAclError).code, 'RMQ_ERR_ACL_DENIED');
      else assert.equal((batch as unknown[]).length, 1);
      assert.ok(Date.now() - started < 2000, 'settled well within sendMsgTimeout');
      assert.equal(sendsTo(topic) - sendsBefore, 3, 'sync, async and batch: one attempt each');
      await bad.sendOneway({ topic, body: 'refused' });
      await eventually(() => sendsTo(topic) - sendsBefore === 4);
      await sleep(50);
      assert.equal(sendsTo(topic) - sendsBefore, 4);
      assert.deepEqual(stored(topic), refusal.topic === undefined ? [] : ['r1']);
    });
  }

  it('a 5.3 ACL 2.0 refusal (16 NO_PERMISSION, bare reason) is an MQAclError too, and not retried; a topic NO_PERMISSION still is', async () => {
    const five = await startProducer(cluster, { credentials: USER, sendMsgTimeout: 3000 });
    const topic = unique('Acl2');
    await five.send({ topic, body: 'warm the route' });
    const before = sendsTo(topic);
    for (const broker of cluster.brokers) broker.faults.respondWith(16, { remark: 'User:rxUser1 is not found.', requestCode: SEND_V2 });
    const refused = (await five.send({ topic, body: 'x' }).catch((e: unknown) => e)) as MQAclError;
    assert.ok(refused instanceof MQAclError);
    assert.equal(refused.responseCode, 16);
    assert.equal(refused.reason, 'User:rxUser1 is not found.');
    assert.equal(sendsTo(topic) - before, 1);
    for (const broker of cluster.brokers) {
      broker.faults.clear();
      broker.faults.respondWith(16, { remark: `the topic[${topic}] sending message is forbidden`, requestCode: SEND_V2, times: 1 });
    }
    // Not an ACL answer: an ordinary NO_PERMISSION, retried on the other broker (Java's retry list has 16).
    const retried = await five.send({ topic, body: 'y' });
    assert.equal(retried.sendStatus, 'SEND_OK');
    for (const broker of cluster.brokers) broker.faults.clear();
  });

  it('keeps every secret out of errors, diagnostics events, producer.options and its inspect output', async () => {
    const events: unknown[] = [];
    const listener = (message: unknown): void => void events.push(message);
    const channels = ['rocketmq:producer:send', 'rocketmq:producer:hookError', 'rocketmq:producer:callbackError', 'rocketmq:producer:credentialsError'];
    for (const name of channels) diagnosticsChannel.subscribe(name, listener);
    try {
      const good = await startProducer(cluster, { credentials: { ...USER, securityToken: 'tok-Secret-7' } });
      const bad = await startProducer(cluster, { credentials: { accessKey: USER.accessKey, secretKey: WRONG_SECRET } });
      const ownEvents: ProducerEvent[] = [];
      const subscription = bad.events$.subscribe((event) => ownEvents.push(event));
      await good.send({ topic: unique('AclSecrets'), body: 'x' });
      const error = await bad.send({ topic: unique('AclSecrets'), body: 'x' }).catch((e: unknown) => e);
      subscription.unsubscribe();
      assert.ok(ownEvents.some((event) => event.type === 'send' && event.error !== null));
      for (const [secret, value] of [
        [USER.secretKey, good.options],
        ['tok-Secret-7', good.options],
        [WRONG_SECRET, bad.options],
        [WRONG_SECRET, error],
        [WRONG_SECRET, events],
        [WRONG_SECRET, ownEvents],
        [USER.secretKey, events],
      ] as const) {
        assert.ok(!leaks(value, secret), `leaked ${secret} in ${inspect(value).slice(0, 200)}`);
      }
      assert.match(inspect(good.options), /accessKey=rxUser1/);
    } finally {
      for (const name of channels) diagnosticsChannel.unsubscribe(name, listener);
    }
  });

  it('rotates credentials from a function (never on the send path); a failing refresh keeps the last good ones and is published', async () => {
    let phase: 'wrong' | 'right' | 'failing' = 'wrong';
    let calls = 0;
    const rotating = await startProducer(cluster, {
      credentialsRefreshInterval: 50,
      credentials: async () => {
        calls += 1;
        if (phase === 'failing') throw new Error(`STS unavailable (${WRONG_SECRET} is not here)`.replace(WRONG_SECRET, 'x'));
        return { accessKey: USER.accessKey, secretKey: phase === 'wrong' ? WRONG_SECRET : USER.secretKey };
      },
    });
    assert.equal(calls, 1, 'called once by start()');
    const topic = unique('AclRotate');
    const refused = await rotating.send({ topic, body: 'old key' }).catch((e: unknown) => e);
    assert.equal((refused as MQAclError).code, 'RMQ_ERR_ACL_DENIED');
    phase = 'right';
    const callsBeforeSends = calls;
    await eventually(() => calls > callsBeforeSends, 2000);
    await sleep(20);
    const ok = await rotating.send({ topic, body: 'new key' });
    assert.equal(ok.sendStatus, 'SEND_OK');
    // Sends do not call the function: 50 sends in a row add no calls beyond the timer's.
    const beforeBurst = calls;
    await Promise.all(Array.from({ length: 50 }, () => rotating.send({ topic, body: 'burst' })));
    assert.ok(calls - beforeBurst <= 2, `${calls - beforeBurst} calls during the burst`);

    const failures: ProducerEvent[] = [];
    const subscription = rotating.events$.subscribe((event) => {
      if (event.type === 'credentialsError') failures.push(event);
    });
    phase = 'failing';
    await eventually(() => failures.length > 0, 2000);
    subscription.unsubscribe();
    const failure = failures[0]!;
    assert.equal(failure.type, 'credentialsError');
    assert.equal((failure.error as { code?: string }).code, 'RMQ_ERR_CREDENTIALS');
    assert.equal(failure.producerId, rotating.id);
    const still = await rotating.send({ topic, body: 'still signed with the last good key' });
    assert.equal(still.sendStatus, 'SEND_OK');
    assert.ok(stored(topic).includes('still signed with the last good key'));
    assert.ok(!stored(topic).includes('old key'));
  });

  it('fails start() with RMQ_ERR_CREDENTIALS when the credentials function fails at start', async () => {
    const { Producer } = await import('../../src/producer/producer.js');
    const failing = new Producer({ namesrvAddr: cluster.namesrvAddr, credentials: () => Promise.reject(new Error('no STS')) });
    await assert.rejects(failing.start(), (error: Error & { code?: string }) => error.code === 'RMQ_ERR_CREDENTIALS');
    assert.equal(failing.state, 'START_FAILED');
  });

  it('refuses a second producer joining a client instance with other credentials', async () => {
    const instanceName = unique('AclInstance');
    await startProducer(cluster, { credentials: USER, instanceName });
    const { Producer } = await import('../../src/producer/producer.js');
    const other = new Producer({ namesrvAddr: cluster.namesrvAddr, instanceName, producerGroup: unique('PG'), credentials: { accessKey: USER.accessKey, secretKey: WRONG_SECRET } });
    await assert.rejects(other.start(), (error: Error & { code?: string; option?: string }) => error.option === 'credentials' && !error.message.includes(WRONG_SECRET));
  });
});
