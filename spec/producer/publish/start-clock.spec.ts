/**
 * When a published message's send starts, as publish tells the producer (`startedAt`): the sends of one pull-source
 * burst start together at its end on one clock read (at most 64 per read, and read again once the subscriber's code
 * ran), a push source's message reads the clock for itself, and the producer takes that time as the send's own
 * start (its deadline counts from it) unless send hooks could run between the read and the send.
 */
import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Observable } from 'rxjs';
import { Subscriber, from } from 'rxjs';
import type { EmbeddedCluster } from '../../../src/embedded/index.js';
import { MQBrokerError, RocketMQError } from '../../../src/errors.js';
import type { Message, SendResult } from '../../../src/message/message.js';
import type { PublishOutcome, PublishTarget } from '../../../src/producer/publish/publish.js';
import { publishOperator } from '../../../src/producer/publish/publish.js';
import { pullFrom } from '../../../src/producer/publish/pull-source.js';
import { SEND_V2, startCluster, startProducer, stopAll, unique } from '../cluster-fixture.js';

interface Started {
  readonly message: Message;
  readonly startedAt: number | undefined;
  readonly subscriber: Subscriber<SendResult>;
}

/** A target whose sends wait until the test settles them; it records the start time publish handed to each. */
class RecordingTarget implements PublishTarget {
  readonly options = { maxMessageSize: 4 * 1024 * 1024, sendMsgTimeout: 3000 };
  readonly started: Started[] = [];
  /** Bodies refused at once, during their start. */
  refuse = new Set<string>();

  send$(): Observable<SendResult> {
    throw new Error('publish must use sendInto');
  }

  sendInto(message: Message, _options: unknown, subscriber: Subscriber<SendResult>, startedAt?: number): void {
    this.started.push({ message, startedAt, subscriber });
    if (this.refuse.has(String(message.body))) subscriber.error(new MQBrokerError('refused', 1, null));
  }

  batchSend$(): Observable<SendResult[]> {
    throw new Error('not batching');
  }
}

const msgs = (n: number): Message[] => Array.from({ length: n }, (_, i) => ({ topic: 'T', body: `${i}` }));

/** Runs `body` with a `Date.now()` that advances by 1 ms at every read (so every read is told apart). */
function withTickingClock<T>(body: () => T): T {
  const real = Date.now;
  let now = real();
  Date.now = () => ++now;
  try {
    return body();
  } finally {
    Date.now = real;
  }
}

describe('publish: start times of sends', () => {
  it('the sends of one pull-source burst start at its end and share one clock read, at most 64 per read', () => {
    const target = new RecordingTarget();
    const outcomes: PublishOutcome[] = [];
    withTickingClock(() => pullFrom(msgs(100)).pipe(publishOperator(target, { maxInFlight: 100 })).subscribe((o) => outcomes.push(o)));
    assert.equal(target.started.length, 100);
    const times = target.started.map((s) => s.startedAt!);
    assert.ok(times.every((t) => typeof t === 'number'));
    assert.equal(new Set(times.slice(0, 64)).size, 1);
    assert.equal(new Set(times.slice(64)).size, 1);
    assert.ok(times[64]! > times[0]!);
    assert.deepEqual(target.started.map((s) => s.message.body), msgs(100).map((m) => m.body));
  });

  it('a send refused at once makes the next send of the burst read the clock again; latencies are never negative', () => {
    const target = new RecordingTarget();
    target.refuse.add('1');
    const outcomes: PublishOutcome[] = [];
    withTickingClock(() => pullFrom(msgs(4)).pipe(publishOperator(target, { maxInFlight: 10 })).subscribe((o) => outcomes.push(o)));
    const times = target.started.map((s) => s.startedAt!);
    assert.equal(times[0], times[1]);
    assert.ok(times[2]! > times[1]!, `times ${times.join(',')}`);
    assert.equal(times[2], times[3]);
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0]!.ok, false);
    assert.ok(outcomes[0]!.latencyMillis >= 0);
  });

  it('a push source reads the clock for each send it starts at once', () => {
    const target = new RecordingTarget();
    withTickingClock(() => from(msgs(3)).pipe(publishOperator(target, { maxInFlight: 10 })).subscribe());
    const times = target.started.map((s) => s.startedAt!);
    assert.equal(new Set(times).size, 3);
  });
});

describe('producer: a send started by publish', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 1 });
  });
  afterEach(() => {
    for (const broker of cluster.brokers) broker.faults.clear();
  });
  after(stopAll);

  /** Sends one message through `sendInto` with the given start while the broker swallows it; ms until it failed. */
  async function timedOutAfter(hooks: boolean, startedAgo: number): Promise<number> {
    const producer = await startProducer(cluster, { sendMsgTimeout: 600, retryTimesWhenSendAsyncFailed: 0 });
    if (hooks) producer.registerSendMessageHook({ name: 'noop', sendMessageBefore: () => {} });
    const topic = unique('StartClock');
    await cluster.brokers[0]!.createTopic(topic);
    await producer.send({ topic, body: 'warm' });
    cluster.brokers[0]!.faults.swallow({ requestCode: SEND_V2 });
    const t0 = performance.now();
    const error = await new Promise<unknown>((resolve) => {
      const subscriber = new Subscriber<SendResult>({ next: () => resolve(null), error: resolve, complete: () => {} });
      producer.sendInto({ topic, body: 'x' }, { mode: 'async' }, subscriber, Date.now() - startedAgo);
    });
    assert.ok(error instanceof RocketMQError && error.code === 'RMQ_ERR_REMOTING_TIMEOUT', String(error));
    return performance.now() - t0;
  }

  it('counts its deadline from the start publish read for it', async () => {
    const elapsed = await timedOutAfter(false, 300);
    assert.ok(elapsed < 500, `timed out after ${elapsed} ms (deadline 600 ms from a start 300 ms ago)`);
    assert.ok(elapsed >= 200, `timed out after ${elapsed} ms`);
  });

  it('reads its own start while send hooks are registered (they run between the sends publish starts together)', async () => {
    const elapsed = await timedOutAfter(true, 300);
    assert.ok(elapsed >= 500, `timed out after ${elapsed} ms (deadline 600 ms from its own start)`);
  });
});
