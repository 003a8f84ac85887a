import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import { MQBrokerError } from '../../src/errors.js';
import type { SendResult } from '../../src/message/message.js';
import type { SendMessageHook } from '../../src/producer/hooks.js';
import type { Producer } from '../../src/producer/producer.js';
import { GET_ROUTE, SEND_V2, countRequests, sleep, startCluster, startProducer, stopAll, unique } from './cluster-fixture.js';

const SYSTEM_BUSY = 2;
const MESSAGE_ILLEGAL = 13;
const TOPIC_NOT_EXIST = 17;

describe('retries: attempts counted at the brokers', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  let topic: string;
  const attempts: string[] = [];
  const tracer: SendMessageHook = { name: 'tracer', sendMessageBefore: (c) => void attempts.push(c.mq.brokerName) };

  before(async () => {
    cluster = await startCluster();
    producer = await startProducer(cluster, { sendMessageHooks: [tracer], sendMsgTimeout: 3000 });
    topic = unique('RetryTopic');
    await producer.send({ topic, body: 'warm-up' }); // the route is cached and the topic exists on one broker
    for (const broker of cluster.brokers) {
      await broker.createTopic(topic);
      broker.stats.reset();
    }
    attempts.length = 0;
  });
  afterEach(() => {
    for (const broker of cluster.brokers) {
      broker.faults.clear();
      broker.stats.reset();
    }
    attempts.length = 0;
  });
  after(stopAll);

  function failEverySend(code: number, extra: { times?: number; answerOneway?: boolean } = {}): void {
    for (const broker of cluster.brokers) broker.faults.respondWith(code, { requestCode: SEND_V2, remark: 'injected', ...extra });
  }

  function sendAsync(p: Producer, body: string): Promise<SendResult | Error> {
    return new Promise((resolve) => p.sendAsync({ topic, body }, { onSuccess: resolve, onException: resolve }));
  }

  it('sync: a retriable broker error makes 1 + retryTimesWhenSendFailed attempts across brokers, then reports it', async () => {
    failEverySend(SYSTEM_BUSY);
    await assert.rejects(producer.send({ topic, body: 'x' }), (e: unknown) => e instanceof MQBrokerError && e.responseCode === SYSTEM_BUSY);
    assert.equal(countRequests(cluster.brokers, SEND_V2), 3);
    assert.equal(attempts.length, 3);
    assert.notEqual(attempts[0], attempts[1], 'a retry goes to another broker');
    assert.notEqual(attempts[1], attempts[2]);
  });

  it('sync: succeeds on the third attempt when the first two brokers answer busy', async () => {
    failEverySend(SYSTEM_BUSY, { times: 1 });
    const result = await producer.send({ topic, body: 'third time lucky' });
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.equal(countRequests(cluster.brokers, SEND_V2), 3);
    const stored = cluster.messages({ topic }).filter((m) => m.uniqueId === result.msgId);
    assert.equal(stored.length, 1, 'one unique id across all attempts, stored once');
  });

  it('sync: retryTimesWhenSendFailed is read from the options', async () => {
    const p = await startProducer(cluster, { retryTimesWhenSendFailed: 4 });
    await p.send({ topic, body: 'warm-up' });
    for (const broker of cluster.brokers) broker.stats.reset();
    failEverySend(SYSTEM_BUSY);
    await assert.rejects(p.send({ topic, body: 'x' }));
    assert.equal(countRequests(cluster.brokers, SEND_V2), 5);
  });

  it('sync: a non-retriable broker error is not retried', async () => {
    failEverySend(MESSAGE_ILLEGAL);
    await assert.rejects(producer.send({ topic, body: 'x' }), (e: unknown) => e instanceof MQBrokerError && e.responseCode === MESSAGE_ILLEGAL);
    assert.equal(countRequests(cluster.brokers, SEND_V2), 1);
  });

  it('async: 1 + retryTimesWhenSendAsyncFailed attempts on a retriable error, callback once with the last error', async () => {
    failEverySend(SYSTEM_BUSY);
    const outcome = await sendAsync(producer, 'x');
    assert.ok(outcome instanceof MQBrokerError && outcome.responseCode === SYSTEM_BUSY);
    assert.equal(countRequests(cluster.brokers, SEND_V2), 3);
    assert.notEqual(attempts[0], attempts[1], 'an async retry also goes to another broker');
  });

  it('async: retryTimesWhenSendAsyncFailed is the RxJS retry count', async () => {
    const p = await startProducer(cluster, { retryTimesWhenSendAsyncFailed: 1 });
    await p.send({ topic, body: 'warm-up' });
    for (const broker of cluster.brokers) broker.stats.reset();
    failEverySend(SYSTEM_BUSY);
    const outcome = await sendAsync(p, 'x');
    assert.ok(outcome instanceof MQBrokerError);
    assert.equal(countRequests(cluster.brokers, SEND_V2), 2);
  });

  it('async: a non-retriable broker error is not retried', async () => {
    failEverySend(MESSAGE_ILLEGAL);
    const outcome = await sendAsync(producer, 'x');
    assert.ok(outcome instanceof MQBrokerError && outcome.responseCode === MESSAGE_ILLEGAL);
    assert.equal(countRequests(cluster.brokers, SEND_V2), 1);
  });

  it('oneway: never retried', async () => {
    failEverySend(SYSTEM_BUSY, { answerOneway: true });
    await producer.sendOneway({ topic, body: 'x' });
    await sleep(100);
    assert.equal(countRequests(cluster.brokers, SEND_V2), 1);
  });

  it('a route-stale code (TOPIC_NOT_EXIST) refreshes the route before the retry', async () => {
    const lookups = cluster.nameServer.stats.count(GET_ROUTE);
    failEverySend(TOPIC_NOT_EXIST, { times: 1 });
    const result = await producer.send({ topic, body: 'after refresh' });
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.ok(cluster.nameServer.stats.count(GET_ROUTE) > lookups, 'the NameServer was asked again');
  });
});
