import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import type { MQClientError } from '../../src/errors.js';
import type { SendMessageContext } from '../../src/producer/hooks.js';
import type { ProducerEvent } from '../../src/producer/diagnostics.js';
import { Producer } from '../../src/producer/producer.js';
import { ClientInstance } from '../../src/producer/client-instance.js';
import { HEART_BEAT, UNREGISTER_CLIENT, countRequests, eventually, startCluster, startProducer, stopAll, unique } from './cluster-fixture.js';

describe('life cycle, heartbeats, shared client instances, namespace, VIP channel and hooks', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 2, vipChannel: true });
  });
  after(stopAll);

  it('heartbeats the masters in use with the group and CLIENT_INNER_PRODUCER; shutdown unregisters both', async () => {
    const group = unique('HbGroup');
    const producer = new Producer({ producerGroup: group, namesrvAddr: cluster.namesrvAddr, heartbeatBrokerInterval: 50 });
    await producer.start();
    const topic = unique('HbTopic');
    for (const broker of cluster.brokers) await broker.createTopic(topic);
    await producer.send({ topic, body: 'x' });
    const clientId = producer.clientId!;
    assert.match(clientId, /^\d+\.\d+\.\d+\.\d+@\d+#\d+$/);
    await eventually(() => cluster.brokers.every((b) => b.clients.has(clientId)));
    for (const broker of cluster.brokers) {
      assert.deepEqual([...broker.clients.get(clientId)!.producerGroups].sort(), ['CLIENT_INNER_PRODUCER', group].sort());
    }
    const before = countRequests(cluster.brokers, UNREGISTER_CLIENT);
    await producer.shutdown();
    assert.equal(countRequests(cluster.brokers, UNREGISTER_CLIENT) - before, 4, 'group + CLIENT_INNER_PRODUCER to each broker');
    assert.ok(cluster.brokers.every((b) => !b.clients.has(clientId)));
    assert.ok(countRequests(cluster.brokers, HEART_BEAT) > 0);
  });

  it('producers with the same instanceName share one client instance; the same group twice is refused', async () => {
    const instanceName = unique('shared');
    const a = await startProducer(cluster, { instanceName });
    const b = await startProducer(cluster, { instanceName });
    assert.equal(a.clientId, b.clientId);
    const clash = new Producer({ producerGroup: a.options.producerGroup, namesrvAddr: cluster.namesrvAddr, instanceName });
    await assert.rejects(clash.start(), (e: unknown) => (e as MQClientError).code === 'RMQ_ERR_PRODUCER_GROUP_IN_USE');
    const topic = unique('SharedTopic');
    assert.equal((await a.send({ topic, body: 'a' })).sendStatus, 'SEND_OK');
    await a.shutdown();
    assert.equal((await b.send({ topic, body: 'b' })).sendStatus, 'SEND_OK', 'the other producer keeps the instance');
    const c = await startProducer(cluster);
    assert.notEqual(c.clientId, b.clientId, 'the default instance name is unique per producer');
    const live = ClientInstance.count;
    await b.shutdown();
    await c.shutdown();
    assert.equal(ClientInstance.count, live - 2, 'the last producer of an instance closes it');
  });

  it('applies the namespace to topic and group on the wire and strips it from results', async () => {
    const producer = await startProducer(cluster, { namespace: 'ns1' });
    const topic = unique('NsTopic');
    const result = await producer.send({ topic, body: 'x' });
    assert.equal(result.messageQueue.topic, topic);
    const stored = cluster.messages({ topic: `ns1%${topic}` });
    assert.equal(stored.length, 1);
    assert.equal(stored[0]!.properties['INSTANCE_ID'], 'ns1');
  });

  it('sends through the VIP channel (port − 2) when enabled', async () => {
    const producer = await startProducer(cluster, { sendMessageWithVIPChannel: true, sendMessageHooks: [] });
    const seen: string[] = [];
    producer.registerSendMessageHook({ name: 'addr', sendMessageBefore: (c) => void seen.push(c.brokerAddr) });
    const result = await producer.send({ topic: unique('VipTopic'), body: 'x' });
    assert.equal(result.sendStatus, 'SEND_OK');
    const broker = cluster.broker(result.messageQueue.brokerName)!;
    assert.equal(seen.at(-1), broker.vipAddress);
  });

  it('send hooks see the Java context fields; a checkForbidden hook refuses without any broker traffic', async () => {
    const contexts: SendMessageContext[] = [];
    const producer = await startProducer(cluster, {
      sendMessageHooks: [{ name: 'ctx', sendMessageAfter: (c) => void contexts.push(c) }],
    });
    const topic = unique('HookTopic');
    const result = await producer.send({ topic, body: 'x', delayTimeLevel: 1 });
    const c = contexts.at(-1)!;
    assert.equal(c.producerGroup, producer.options.producerGroup);
    assert.equal(c.communicationMode, 'sync');
    assert.equal(c.msgType, 'Delay_Msg');
    assert.equal(c.sendResult, result);
    assert.equal(c.exception, null);
    assert.equal(c.mq.brokerName, result.messageQueue.brokerName);
    producer.registerCheckForbiddenHook({
      name: 'deny',
      checkForbidden: () => {
        throw new Error('forbidden topic');
      },
    });
    await assert.rejects(producer.send({ topic, body: 'y' }), (e: unknown) => (e as MQClientError).code === 'RMQ_ERR_SEND_FORBIDDEN');
  });

  it('a throwing sendAsync callback neither crashes the process nor fires the other callback', async () => {
    const producer = await startProducer(cluster);
    let exceptions = 0;
    let successes = 0;
    await new Promise<void>((resolve) => {
      producer.sendAsync(
        { topic: unique('CbTopic'), body: 'x' },
        {
          onSuccess: () => {
            successes += 1;
            setTimeout(resolve, 50);
            throw new Error('user bug');
          },
          onException: () => {
            exceptions += 1;
          },
        },
      );
    });
    assert.equal(successes, 1);
    assert.equal(exceptions, 0);
  });

  it('events$ emits this producer\'s send attempts, hook errors and callback errors, and nothing of others', async () => {
    const producer = await startProducer(cluster, {
      sendMessageHooks: [
        {
          name: 'broken',
          sendMessageBefore: () => {
            throw new Error('hook bug');
          },
        },
      ],
    });
    const other = await startProducer(cluster);
    const events: ProducerEvent[] = [];
    const subscription = producer.events$.subscribe((e) => events.push(e));
    const topic = unique('EventsTopic');
    await producer.send({ topic, body: 'x' });
    await other.send({ topic, body: 'y' });
    await new Promise<void>((resolve) =>
      producer.sendAsync(
        { topic, body: 'z' },
        {
          onSuccess: () => {
            setTimeout(resolve, 10);
            throw new Error('callback bug');
          },
        },
      ),
    );
    subscription.unsubscribe();
    await producer.send({ topic, body: 'after unsubscribe' });
    assert.deepEqual(
      events.map((e) => e.type),
      ['hookError', 'send', 'hookError', 'send', 'callbackError'],
    );
    assert.ok(events.every((e) => e.producerId === producer.id && e.producerGroup === producer.options.producerGroup));
    const send = events.find((e) => e.type === 'send')!;
    assert.ok(send.type === 'send' && send.error === null && send.attempt === 1 && send.topic === topic);
  });
});
