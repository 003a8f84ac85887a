import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { EmbeddedBroker } from '../../src/embedded/index.js';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import { GET_ROUTE, eventually, startCluster, startProducer, stopAll, unique } from './cluster-fixture.js';

async function closedPortAddress(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

describe('routes', () => {
  let cluster: EmbeddedCluster;
  const extraBrokers: EmbeddedBroker[] = [];
  before(async () => {
    cluster = await startCluster({ brokers: 1 });
  });
  after(async () => {
    for (const broker of extraBrokers) await broker.stop();
    await stopAll();
  });

  it('a new topic goes through TBW102 and is auto-created on the broker', async () => {
    const producer = await startProducer(cluster);
    const topic = unique('NewTopic');
    cluster.nameServer.stats.reset();
    const result = await producer.send({ topic, body: 'first' });
    assert.equal(result.sendStatus, 'SEND_OK');
    const lookups = cluster.nameServer.stats.requests.filter((r) => r.code === GET_ROUTE).map((r) => r.topic);
    assert.deepEqual(lookups.slice(0, 2), [topic, 'TBW102']);
    assert.ok(cluster.brokers[0]!.topics.has(topic), 'the broker created the topic');
  });

  it('a second name server is used when the first is down', async () => {
    const producer = await startProducer(`${await closedPortAddress()};${cluster.namesrvAddr}`);
    const result = await producer.send({ topic: unique('TwoNs'), body: 'x' });
    assert.equal(result.sendStatus, 'SEND_OK');
  });

  it('cached routes keep working while the name servers fail', async () => {
    const producer = await startProducer(cluster, { pollNameServerInterval: 50 });
    const topic = unique('Cached');
    await producer.send({ topic, body: 'x' });
    const fault = cluster.nameServer.faults.respondWith(1, { requestCode: GET_ROUTE });
    try {
      await eventually(() => fault.applied > 0);
      const result = await producer.send({ topic, body: 'y' });
      assert.equal(result.sendStatus, 'SEND_OK');
    } finally {
      fault.remove();
    }
  });

  it('a route refresh picks up a broker added after start', async () => {
    const producer = await startProducer(cluster, { pollNameServerInterval: 50 });
    const topic = unique('Growing');
    await cluster.brokers[0]!.createTopic(topic);
    await producer.send({ topic, body: 'one broker' });
    const added = await EmbeddedBroker.start({ brokerName: 'broker-added', namesrvAddr: cluster.namesrvAddr });
    extraBrokers.push(added);
    await added.createTopic(topic);
    const seen = new Set<string>();
    await eventually(() => {
      void producer.send({ topic, body: 'probe' }).then((r) => seen.add(r.messageQueue.brokerName), () => undefined);
      return seen.has('broker-added');
    }, 5000);
    assert.ok(added.messages({ topic }).length > 0);
  });
});
