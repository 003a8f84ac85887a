import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { firstValueFrom, from, lastValueFrom, map, Subject, tap, toArray } from 'rxjs';
import type { EmbeddedCluster } from '../../../src/embedded/index.js';
import type { Message } from '../../../src/message/message.js';
import type { Producer } from '../../../src/producer/producer.js';
import type { PublishOutcome } from '../../../src/producer/publish/publish.js';
import { pullFrom } from '../../../src/producer/publish/pull-source.js';
import { SEND_V2, countRequests, startCluster, startProducer, stopAll, unique } from '../cluster-fixture.js';

function messages(topic: string, count: number): Message[] {
  return Array.from({ length: count }, (_, i) => ({ topic, body: `m${i}` }));
}

describe('producer.publish', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  before(async () => {
    cluster = await startCluster();
    producer = await startProducer(cluster);
  });
  after(stopAll);

  it('sends every message of a push source and emits one outcome per message, exactly once', async () => {
    const topic = unique('PubTopic');
    const input = messages(topic, 1000);
    const outcomes = await lastValueFrom(from(input).pipe(producer.publish({ maxInFlight: 32 }), toArray()));
    assert.equal(outcomes.length, 1000);
    assert.ok(outcomes.every((o) => o.ok));
    assert.deepEqual(new Set(outcomes.map((o) => o.index)).size, 1000);
    for (const outcome of outcomes) assert.equal(outcome.message, input[outcome.index]);
    const stored = cluster.messages({ topic });
    assert.equal(stored.length, 1000);
    const ids = new Set(outcomes.map((o) => (o.ok ? o.result.msgId : '')));
    assert.deepEqual(new Set(stored.map((m) => m.uniqueId)), ids);
  });

  it('ordered: true emits outcomes in input order', async () => {
    const topic = unique('PubOrdered');
    const outcomes = await lastValueFrom(from(messages(topic, 500)).pipe(producer.publish({ maxInFlight: 64, ordered: true }), toArray()));
    assert.deepEqual(
      outcomes.map((o) => o.index),
      outcomes.map((_, i) => i),
    );
  });

  it('a failed message becomes an error outcome and the stream goes on', async () => {
    const topic = unique('PubBad');
    const input: Message[] = [{ topic, body: 'a' }, { topic, body: '' }, { topic: 'bad topic!', body: 'x' }, { topic, body: 'b' }];
    const outcomes = await lastValueFrom(from(input).pipe(producer.publish({ ordered: true }), toArray()));
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [true, false, false, true],
    );
    const codes = outcomes.map((o) => (o.ok ? null : (o.error as { code?: string }).code));
    assert.deepEqual(codes, [null, 'RMQ_ERR_EMPTY_BODY', 'RMQ_ERR_INVALID_TOPIC', null]);
  });

  it('stopOnError: true emits the failed outcome, then errors with its error', async () => {
    const topic = unique('PubStop');
    const seen: PublishOutcome[] = [];
    const input: Message[] = [{ topic, body: 'a' }, { topic, body: '' }, { topic, body: 'c' }];
    await assert.rejects(
      lastValueFrom(from(input).pipe(producer.publish({ ordered: true, maxInFlight: 1, stopOnError: true }), tap((o) => seen.push(o)))),
      (error: { code?: string }) => error.code === 'RMQ_ERR_EMPTY_BODY',
    );
    assert.deepEqual(
      seen.map((o) => o.ok),
      [true, false],
    );
  });

  it('a pull source is read no faster than results come back (client side in flight ≤ maxInFlight)', async () => {
    const topic = unique('PubPull');
    let pulled = 0;
    let done = 0;
    let maxAhead = 0;
    function* generate(): Generator<Message> {
      for (let i = 0; i < 2000; i++) {
        pulled += 1;
        maxAhead = Math.max(maxAhead, pulled - done);
        yield { topic, body: `p${i}` };
      }
    }
    let maxInflight = 0;
    const outcomes = await lastValueFrom(
      pullFrom(generate()).pipe(
        tap(() => {
          maxInflight = Math.max(maxInflight, producer.inflightCount);
        }),
        producer.publish({ maxInFlight: 16 }),
        tap(() => (done += 1)),
        toArray(),
      ),
    );
    assert.equal(outcomes.length, 2000);
    assert.ok(maxAhead <= 17, `pulled ahead ${maxAhead}`);
    assert.ok(maxInflight <= 16, `in flight ${maxInflight}`);
  });

  it('pulls a Node Readable (object mode) with backpressure and honours maxInFlightBytes', async () => {
    const topic = unique('PubReadable');
    const body = Buffer.alloc(10_000, 1);
    const readable = Readable.from((function* () {
      for (let i = 0; i < 300; i++) yield { topic, body } satisfies Message;
    })());
    let maxInflight = 0;
    const outcomes = await lastValueFrom(
      pullFrom<Message>(readable).pipe(
        producer.publish({ maxInFlight: 100, maxInFlightBytes: 50_000 }),
        tap(() => (maxInflight = Math.max(maxInflight, producer.inflightCount))),
        toArray(),
      ),
    );
    assert.equal(outcomes.length, 300);
    assert.ok(outcomes.every((o) => o.ok));
    assert.ok(maxInflight <= 5, `in flight ${maxInflight}`);
  });

  it('works with from(asyncIterable) and unsubscribing stops sending', async () => {
    const topic = unique('PubUnsub');
    const input = new Subject<Message>();
    const seen: PublishOutcome[] = [];
    const subscription = input.pipe(producer.publish()).subscribe((o) => seen.push(o));
    input.next({ topic, body: 'one' });
    subscription.unsubscribe();
    input.next({ topic, body: 'two' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.ok(seen.length === 0);
    const before = countRequests(cluster.brokers, SEND_V2);
    async function* generate(): AsyncGenerator<Message> {
      for (let i = 0; i < 50; i++) yield { topic, body: `a${i}` };
    }
    const outcomes = await lastValueFrom(from(generate()).pipe(producer.publish({ maxInFlight: 4 }), toArray()));
    assert.equal(outcomes.length, 50);
    assert.ok(countRequests(cluster.brokers, SEND_V2) - before >= 50);
  });

  it('refuses bad options with RMQ_ERR_INVALID_OPTION', () => {
    assert.throws(() => producer.publish({ maxInFlight: 0 }), { code: 'RMQ_ERR_INVALID_OPTION' });
    assert.throws(() => producer.publish({ batch: { maxMessages: -1 } }), { code: 'RMQ_ERR_INVALID_OPTION' });
    assert.throws(() => producer.publish({ batch: true, orderBy: () => 'k' }), { code: 'RMQ_ERR_INVALID_OPTION' });
  });

  it('an empty source completes without outcomes', async () => {
    const outcomes = await firstValueFrom(from([] as Message[]).pipe(producer.publish(), map(() => 1), toArray()));
    assert.deepEqual(outcomes, []);
  });
});
