import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import { RocketMQError } from '../../src/errors.js';
import { SEND_V2, startCluster, startProducer, stopAll, unique } from './cluster-fixture.js';

describe('a broker that writes garbage', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 1 });
  });
  after(stopAll);

  it('fails the pending send, then new sends reconnect and succeed', async () => {
    const producer = await startProducer(cluster, { retryTimesWhenSendFailed: 0 });
    const topic = unique('Garbage');
    await producer.send({ topic, body: 'warm' });
    cluster.brokers[0]!.faults.writeGarbage({ requestCode: SEND_V2, times: 1 });
    await assert.rejects(producer.send({ topic, body: 'x' }), (e: unknown) => e instanceof RocketMQError && e.code.startsWith('RMQ_ERR_REMOTING_'));
    const result = await producer.send({ topic, body: 'after' });
    assert.equal(result.sendStatus, 'SEND_OK');
  });

  it('with retries the send survives the garbage on a fresh connection', async () => {
    const producer = await startProducer(cluster);
    const topic = unique('Garbage2');
    await producer.send({ topic, body: 'warm' });
    cluster.brokers[0]!.faults.writeGarbage({ requestCode: SEND_V2, times: 1 });
    const result = await producer.send({ topic, body: 'retried' });
    assert.equal(result.sendStatus, 'SEND_OK');
  });

  it('a broker closing the connection mid-request fails that attempt; the retry reconnects and succeeds', async () => {
    const producer = await startProducer(cluster);
    const topic = unique('Closer');
    await producer.send({ topic, body: 'warm' });
    const fault = cluster.brokers[0]!.faults.closeConnectionAfter(0, { requestCode: SEND_V2, times: 1 });
    const result = await producer.send({ topic, body: 'survives' });
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.equal(fault.applied, 1);
    assert.equal(cluster.brokers[0]!.messages({ topic }).filter((m) => m.uniqueId === result.msgId).length, 1);
  });
});
