import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { EmbeddedCluster, type EmbeddedBroker, type SpawnedCluster } from '../../src/embedded/index.js';
import { generateSelfSignedCertificate } from '../../src/embedded/tls-material.js';
import { createResponse } from '../../src/remoting/remoting-command.js';
import { RemotingServer } from '../../src/remoting/remoting-server.js';
import { MQAclError, RemotingConnectError } from '../../src/errors.js';
import type { ProducerOptions } from '../../src/producer/config.js';
import type { Producer } from '../../src/producer/producer.js';
import { CAPTURE_ACL, USER } from '../helpers/acl.js';
import { eventually, startCluster, startProducer, stopAll, unique } from '../producer/cluster-fixture.js';

describe('producer over TLS to an embedded cluster (enforcing)', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  before(async () => {
    cluster = await startCluster({ tls: true });
    producer = await startProducer(cluster, { tls: { ca: cluster.tls!.ca } });
  });
  after(stopAll);

  it('exposes the generated CA as PEM', () => {
    assert.match(cluster.tls!.ca, /^-----BEGIN CERTIFICATE-----/);
  });

  it('sends in every mode and as a batch, trusting the generated CA', async () => {
    const topic = unique('TlsOk');
    await producer.send({ topic, body: 'sync' });
    await new Promise((resolve, reject) => producer.sendAsync({ topic, body: 'async' }, { onSuccess: resolve, onException: reject }));
    await producer.sendOneway({ topic, body: 'oneway' });
    await producer.sendBatch([
      { topic, body: 'b1' },
      { topic, body: 'b2' },
    ]);
    await eventually(() => cluster.messages({ topic }).length === 5);
    assert.deepEqual(cluster.messages({ topic }).map((m) => m.body.toString()).sort(), ['async', 'b1', 'b2', 'oneway', 'sync']);
  });

  const untrusted: { name: string; tls: ProducerOptions['tls'] }[] = [
    { name: 'the system CAs (tls: true)', tls: true },
    { name: 'the right CA but another server name', tls: { servername: 'broker.example.com' } },
  ];
  for (const { name, tls } of untrusted) {
    it(`fails with RMQ_ERR_TLS (RemotingConnectError, Node's error as cause) when verifying against ${name}`, async () => {
      const options = typeof tls === 'object' ? { ...tls, ca: cluster.tls!.ca } : tls;
      const wrong = await startProducer(cluster, { tls: options, sendMsgTimeout: 3000 });
      const started = Date.now();
      const error = (await wrong.send({ topic: unique('TlsWrongCa'), body: 'x' }).catch((e: unknown) => e)) as RemotingConnectError;
      assert.ok(error instanceof RemotingConnectError, String(error));
      assert.equal(error.code, 'RMQ_ERR_TLS');
      assert.equal(error.retriable, false);
      assert.equal(typeof (error.cause as { code?: unknown }).code, 'string');
      assert.ok(Date.now() - started < 3000);
    });
  }

  it('a broker whose certificate is not trusted fails that send with RMQ_ERR_TLS, not retried on the other broker', async () => {
    const own = await startCluster({ tls: true, brokers: 2 });
    const producer = await startProducer(own, { tls: { ca: own.tls!.ca }, sendMsgTimeout: 3000, retryTimesWhenSendFailed: 2 });
    const topic = unique('TlsBrokerCert');
    await producer.send({ topic, body: 'warm the route' });
    // broker-a crashes and something with another certificate takes its port (the NameServer still routes to it).
    const [brokerA, brokerB] = own.brokers as [EmbeddedBroker, EmbeddedBroker];
    await brokerA.kill();
    const impostor = new RemotingServer((request) => createResponse(request, 0), { tls: { ...(await generateSelfSignedCertificate()), mode: 'enforcing' } });
    await impostor.listen(brokerA.port);
    try {
      const failures: unknown[] = [];
      for (let i = 0; i < 8 && failures.length === 0; i++) {
        await producer.send({ topic, body: `try ${i}` }).catch((error: unknown) => failures.push(error));
      }
      const error = failures[0] as RemotingConnectError;
      assert.ok(error instanceof RemotingConnectError, String(error));
      assert.equal(error.code, 'RMQ_ERR_TLS');
      assert.equal(error.address, brokerA.address);
      assert.ok(brokerB.isRunning);
    } finally {
      await impostor.close();
    }
  });

  it('passes rejectUnauthorized: false through (the Java client test mode): sends without verifying', async () => {
    const insecure = await startProducer(cluster, { tls: { rejectUnauthorized: false } });
    const result = await insecure.send({ topic: unique('TlsInsecure'), body: 'x' });
    assert.equal(result.sendStatus, 'SEND_OK');
  });

  it('a plaintext producer gets a clear error at once, not a hang', async () => {
    const plain = await startProducer(cluster, { sendMsgTimeout: 3000 });
    const started = Date.now();
    const error = (await plain.send({ topic: unique('TlsPlain'), body: 'x' }).catch((e: unknown) => e)) as Error & { code?: string; cause?: Error & { code?: string } };
    assert.equal(error.code, 'RMQ_ERR_NO_NAME_SERVER');
    assert.equal(error.cause?.code, 'RMQ_ERR_REMOTING_SEND_REQUEST');
    assert.match(error.cause!.message, /TLS/);
    assert.ok(Date.now() - started < 1500, `${Date.now() - started} ms`);
    assert.deepEqual(cluster.messages({ topic: 'TlsPlain' }), []);
  });
});

describe('permissive TLS: TLS and plaintext on the same port', () => {
  after(stopAll);
  it('accepts a TLS producer and a plaintext producer', async () => {
    const cluster = await startCluster({ tls: true, tlsMode: 'permissive' });
    const secure = await startProducer(cluster, { tls: { ca: cluster.tls!.ca } });
    const plain = await startProducer(cluster);
    const topic = unique('TlsPermissive');
    await secure.send({ topic, body: 'tls' });
    await plain.send({ topic, body: 'plain' });
    await secure.sendOneway({ topic, body: 'tls-oneway' });
    await plain.sendOneway({ topic, body: 'plain-oneway' });
    await eventually(() => cluster.messages({ topic }).length === 4);
    assert.deepEqual(cluster.messages({ topic }).map((m) => m.body.toString()).sort(), ['plain', 'plain-oneway', 'tls', 'tls-oneway']);
  });
});

describe('ACL and TLS together', () => {
  after(stopAll);
  it('signs over TLS; a wrong secret over TLS is still an ACL refusal', async () => {
    const cluster = await startCluster({ tls: true, acl: CAPTURE_ACL });
    const good = await startProducer(cluster, { tls: { ca: cluster.tls!.ca }, credentials: USER });
    const topic = unique('TlsAcl');
    assert.equal((await good.send({ topic, body: 'x' })).sendStatus, 'SEND_OK');
    await good.sendBatch([{ topic, body: 'y' }]);
    const bad = await startProducer(cluster, { tls: { ca: cluster.tls!.ca }, credentials: { accessKey: USER.accessKey, secretKey: 'wrong-Secret-42' } });
    const error = await bad.send({ topic, body: 'z' }).catch((e: unknown) => e);
    assert.ok(error instanceof MQAclError);
    assert.deepEqual(cluster.messages({ topic }).map((m) => m.body.toString()).sort(), ['x', 'y']);
  });
});

describe('EmbeddedCluster.spawn with ACL and TLS', () => {
  let spawned: SpawnedCluster | null = null;
  after(async () => {
    await stopAll();
    await spawned?.stop();
  });
  it('runs the secured cluster in a child process and hands back the CA', async () => {
    spawned = await EmbeddedCluster.spawn({ tls: true, acl: CAPTURE_ACL });
    assert.match(spawned.tls!.ca, /BEGIN CERTIFICATE/);
    const producer = await startProducer(spawned.namesrvAddr, { tls: { ca: spawned.tls!.ca }, credentials: USER });
    const topic = unique('TlsSpawn');
    await producer.send({ topic, body: 'spawned' });
    const denied = await producer.send({ topic: 'RxDenied', body: 'no' }).catch((e: unknown) => e);
    assert.equal((denied as MQAclError).code, 'RMQ_ERR_ACL_DENIED');
    assert.deepEqual((await spawned.messages({ topic })).map((m) => m.body.toString()), ['spawned']);
  });
});
