/**
 * Batch bodies come from a pool and are reused. A body may only be reused once nothing reads it: its send ended and
 * remoting released every frame that carried it. Here a broker stops reading, so the first batches' frames sit in the
 * blocked socket and the connection's queue after their sends timed out; more batches are published meanwhile; then
 * the broker reads everything. Every record it stores must be byte for byte what its own message said.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, from, lastValueFrom, Observable, toArray } from 'rxjs';
import type { EmbeddedCluster } from '../../../src/embedded/index.js';
import type { Message } from '../../../src/message/message.js';
import { prepareBatchItem } from '../../../src/producer/batch/batch-message.js';
import { createBatchSender } from '../../../src/producer/batch/batch-pipeline.js';
import { resolveOptions } from '../../../src/producer/config.js';
import { MQFaultStrategy } from '../../../src/producer/fault/mq-fault-strategy.js';
import type { SendMessageHook } from '../../../src/producer/hooks.js';
import type { RPCHook } from '../../../src/remoting/remoting-client.js';
import type { Producer } from '../../../src/producer/producer.js';
import type { BodyLease } from '../../../src/remoting/body-lease.js';
import type { InvokeOptions } from '../../../src/remoting/remoting-client.js';
import type { RemotingCommand } from '../../../src/remoting/remoting-command.js';
import { twoBrokerRoute } from '../context-fixture.js';
import type { PublishOutcome } from '../../../src/producer/publish/publish.js';
import { eventually, sleep, startCluster, startProducer, stopAll, unique } from '../cluster-fixture.js';

/** A body that names its message in every byte run, so that a body written over by another batch shows. */
function bodyOf(key: string, size: number): Buffer {
  const unit = Buffer.from(`${key};`);
  const body = Buffer.alloc(size);
  for (let pos = 0; pos < size; pos += unit.length) unit.copy(body, pos);
  return body;
}

describe('publish batch bodies reused from a pool', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  before(async () => {
    cluster = await startCluster({ brokers: 1, maxStoredMessages: 200_000, maxStoredBytes: 512 * 1024 * 1024 });
    producer = await startProducer(cluster, { retryTimesWhenSendAsyncFailed: 0, sendMsgTimeout: 3000 });
  });
  after(stopAll);

  it('a body is never overwritten while a frame carrying it is pending: blocked socket, timed-out attempts, more batches', async () => {
    const topic = unique('ReuseTopic');
    await producer.send({ topic, body: 'route warm-up' });
    const broker = cluster.brokers[0]!;
    const size = 1000;
    const perBatch = 800; // ~860 KB per batch body (pooled up to 1 MiB): referenced by its frame, not copied
    const messagesOf = (prefix: string, count: number): Message[] =>
      // Keys of one length: every batch body has the same layout, so an overwritten body still parses (and shows).
      Array.from({ length: count }, (_, i) => {
        const key = `${prefix}${String(i).padStart(6, '0')}`;
        return { topic, keys: key, body: bodyOf(key, size) };
      });

    // 1. The broker stops reading; 8 batches (~7 MB, more than the loopback socket buffers hold here) time out.
    broker.faults.pause();
    const first = messagesOf('a', 8 * perBatch);
    const firstOutcomes = await lastValueFrom(
      from(first).pipe(producer.publish({ batch: { maxMessages: perBatch }, timeout: 400 }), toArray()),
    );
    assert.equal(firstOutcomes.length, first.length);
    assert.ok(firstOutcomes.every((o) => !o.ok && (o.error as { code?: string }).code === 'RMQ_ERR_REMOTING_TIMEOUT'));

    // 2. More batches while those frames still wait (in the socket, or cancelled in the connection's queue).
    const second = messagesOf('b', 8 * perBatch);
    const secondDone = lastValueFrom(from(second).pipe(producer.publish({ batch: { maxMessages: perBatch }, timeout: 20_000 }), toArray()));
    await sleep(300);
    // 3. The broker reads again: it gets the stale frames that were written, then the new ones.
    broker.faults.resume();
    const secondOutcomes: PublishOutcome[] = await secondDone;
    assert.ok(secondOutcomes.every((o) => o.ok), 'every later message stored');
    // And a third round that reuses the bodies the first two gave back.
    const third = messagesOf('c', 12 * perBatch);
    const thirdOutcomes = await lastValueFrom(from(third).pipe(producer.publish({ batch: { maxMessages: perBatch } }), toArray()));
    assert.ok(thirdOutcomes.every((o) => o.ok));

    await eventually(() => cluster.messages({ topic }).length >= second.length + third.length + 1, 10_000);
    await sleep(200); // stale frames of the first round may still be arriving
    const stored = cluster.messages({ topic }).filter((m) => m.keys.length === 1);
    const seen = new Set<string>();
    for (const message of stored) {
      const key = message.keys[0]!;
      assert.ok(!seen.has(key), `${key} stored twice: a later batch overwrote a pending body`);
      seen.add(key);
      assert.ok(message.body.equals(bodyOf(key, size)), `the stored body of ${key} is its own`);
      assert.equal(message.uniqueId !== null, true);
    }
    for (const message of [...second, ...third]) assert.ok(seen.has(message.keys as string), `${String(message.keys)} stored`);
    // Some of the first round reached the broker after their timeout (they were in the socket), none twice.
    const staleStored = first.filter((message) => seen.has(message.keys as string)).length;
    assert.ok(staleStored > 0 && staleStored < first.length, `${staleStored} stale messages stored`);
  });
});

describe('batch sender body pool (remoting stand-in that holds frames)', () => {
  const route = twoBrokerRoute('PoolTopic');
  /** A batch sender whose remoting answers SEND_OK at once but keeps a lease on each body until told to let go. */
  function sender(hooks: SendMessageHook[] = [], rpcHooks: RPCHook[] = []) {
    const options = resolveOptions({ producerGroup: 'PG', namesrvAddr: '127.0.0.1:9876', sendMessageHooks: hooks, rpcHooks });
    const bodies: Buffer[] = [];
    const held: BodyLease[] = [];
    const client = {
      invoke$: (_addr: string, request: RemotingCommand, _timeout: number, invokeOptions?: InvokeOptions) =>
        new Observable<RemotingCommand>((subscriber) => {
          bodies.push(request.body!);
          // As a connection whose socket has not written the frame yet: the body stays held.
          invokeOptions?.bodyLease?.retain();
          if (invokeOptions?.bodyLease !== undefined) held.push(invokeOptions.bodyLease);
          subscriber.next({
            code: 0,
            language: 'JAVA',
            version: 409,
            opaque: request.opaque,
            flag: 1,
            remark: null,
            extFields: { msgId: Array.from({ length: 4 }, () => '7F00000100002A9F0000000000001234').join(','), queueId: '1', queueOffset: '7' },
            serializeType: 0,
            body: null,
          });
          subscriber.complete();
        }),
      invokeOneway: () => Promise.resolve(),
      closeConnection: () => {},
    };
    const send = createBatchSender({
      options,
      producerGroup: 'PG',
      producerId: 1,
      clientIP: '127.0.0.1',
      state: () => 'RUNNING',
      client,
      lookupRoute: () => Promise.resolve(route),
      cachedRoute: () => route,
      invalidateRoute: () => {},
      faultStrategy: new MQFaultStrategy({ sendLatencyFaultEnable: false, latencyMax: options.latencyMax, notAvailableDuration: options.notAvailableDuration, isolationLatencyMillis: 10000 }),
    });
    const batch = (tag: number) =>
      Array.from({ length: 4 }, (_, i) => prepareBatchItem({ topic: 'PoolTopic', body: Buffer.alloc(20_000, tag) }, i, { maxMessageSize: options.maxMessageSize }));
    return { send, bodies, held, batch };
  }

  it('a body goes back to the pool only when its send ended and every frame released it; then it is reused', async () => {
    const { send, bodies, held, batch } = sender();
    await firstValueFrom(send(batch(1), 'async', 3000));
    await firstValueFrom(send(batch(2), 'async', 3000));
    assert.equal(bodies.length, 2);
    assert.notEqual(bodies[1]!.buffer, bodies[0]!.buffer, 'the first body is still held by its frame: not reused');
    assert.equal(bodies[0]![20], 1, 'the first body kept its bytes');
    for (const lease of held.splice(0)) lease.release();
    await firstValueFrom(send(batch(3), 'async', 3000));
    assert.ok(bodies[2]!.buffer === bodies[0]!.buffer || bodies[2]!.buffer === bodies[1]!.buffer, 'a released body is reused');
  });

  it('not pooled while send-message hooks are registered (a hook is given the body and may keep it)', async () => {
    const { send, bodies, held, batch } = sender([{ name: 'keeper', sendMessageBefore: () => {} }]);
    for (let i = 0; i < 3; i++) {
      await firstValueFrom(send(batch(i), 'async', 3000));
      for (const lease of held.splice(0)) lease.release();
    }
    assert.equal(held.length, 0);
    assert.equal(new Set(bodies.map((body) => body.buffer)).size, 3);
  });

  it('not pooled while RPC hooks are registered (a hook is given the request and may keep its body)', async () => {
    const { send, bodies, held, batch } = sender([], [{ doBeforeRequest: () => {}, doAfterResponse: () => {} }]);
    for (let i = 0; i < 3; i++) {
      await firstValueFrom(send(batch(i), 'async', 3000));
      for (const lease of held.splice(0)) lease.release();
    }
    assert.equal(new Set(bodies.map((body) => body.buffer)).size, 3);
  });
});
