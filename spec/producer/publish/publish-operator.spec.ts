/**
 * The publish operator against a fake producer whose sends settle when the test says so: limits, ordering, batching
 * and exactly-once emission, without a broker.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Observable, Subject, from } from 'rxjs';
import type { Subscriber } from 'rxjs';
import { MQBrokerError } from '../../../src/errors.js';
import type { Message, SendResult } from '../../../src/message/message.js';
import type { BatchItem } from '../../../src/producer/batch/batch-message.js';
import type { SendOptions } from '../../../src/producer/send-options.js';
import type { PublishOptions, PublishOutcome, PublishTarget } from '../../../src/producer/publish/publish.js';
import { publishOperator } from '../../../src/producer/publish/publish.js';
import { pullFrom } from '../../../src/producer/publish/pull-source.js';

interface PendingSend {
  readonly messages: Message[];
  readonly options: SendOptions | null;
  succeed(): void;
  fail(error?: Error): void;
}

function result(msgId: string, queueOffset = 0): SendResult {
  return {
    sendStatus: 'SEND_OK',
    msgId,
    offsetMsgId: '',
    messageQueue: { topic: 'T', brokerName: 'b', queueId: 0 },
    queueOffset,
    regionId: 'DefaultRegion',
    traceOn: true,
  };
}

class FakeTarget implements PublishTarget {
  readonly options = { maxMessageSize: 4 * 1024 * 1024, sendMsgTimeout: 3000 };
  readonly pending: PendingSend[] = [];
  maxPending = 0;
  subscriptions = 0;

  private track<T>(messages: Message[], options: SendOptions | null, settle: (ok: boolean, error?: Error) => T): Observable<T> {
    return new Observable<T>((subscriber) => {
      this.subscriptions += 1;
      const entry: PendingSend = {
        messages,
        options,
        succeed: () => {
          this.remove(entry);
          subscriber.next(settle(true));
          subscriber.complete();
        },
        fail: (error = new MQBrokerError('refused', 1, null)) => {
          this.remove(entry);
          subscriber.error(error);
        },
      };
      this.pending.push(entry);
      this.maxPending = Math.max(this.maxPending, this.pending.length);
      return () => this.remove(entry);
    });
  }

  private remove(entry: PendingSend): void {
    const i = this.pending.indexOf(entry);
    if (i >= 0) this.pending.splice(i, 1);
  }

  send$(message: Message, options?: SendOptions): Observable<SendResult> {
    return this.track([message], options ?? null, () => result(String(message.body)));
  }

  batchSend$(items: readonly BatchItem[]): Observable<SendResult[]> {
    const messages = items.map((item) => ({ topic: item.topic, body: item.body.toString() }));
    return this.track(messages, null, () => items.map((item, i) => result(item.uniqueId, i)));
  }

  settleAll(): void {
    for (const entry of [...this.pending]) entry.succeed();
  }
}

function run(target: FakeTarget, source: Observable<Message>, options: PublishOptions = {}) {
  const outcomes: PublishOutcome[] = [];
  let completed = false;
  let error: unknown = null;
  const subscription = source.pipe(publishOperator(target, options)).subscribe({
    next: (o) => outcomes.push(o),
    error: (e: unknown) => (error = e),
    complete: () => (completed = true),
  });
  return {
    outcomes,
    subscription,
    get completed() {
      return completed;
    },
    get error() {
      return error;
    },
  };
}

const msgs = (n: number, topic = 'T'): Message[] => Array.from({ length: n }, (_, i) => ({ topic, body: `${i}` }));
const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('publish operator (fake producer)', () => {
  it('never has more than maxInFlight sends pending, and completes after the last outcome', () => {
    const target = new FakeTarget();
    const r = run(target, from(msgs(100)), { maxInFlight: 7 });
    assert.equal(target.pending.length, 7);
    while (target.pending.length > 0) target.pending[0]!.succeed();
    assert.equal(target.maxPending, 7);
    assert.equal(r.outcomes.length, 100);
    assert.equal(new Set(r.outcomes.map((o) => o.index)).size, 100);
    assert.ok(r.completed);
  });

  it('honours maxInFlightBytes (but always lets one message through)', () => {
    const target = new FakeTarget();
    const big: Message[] = Array.from({ length: 10 }, () => ({ topic: 'T', body: Buffer.alloc(400) }));
    run(target, from(big), { maxInFlight: 100, maxInFlightBytes: 1000 });
    assert.equal(target.pending.length, 2);
    target.settleAll();
    const huge = new FakeTarget();
    run(huge, from([{ topic: 'T', body: Buffer.alloc(5000) }]), { maxInFlightBytes: 1000 });
    assert.equal(huge.pending.length, 1);
  });

  it('a pull source is asked for the next item only when a slot is free', async () => {
    const target = new FakeTarget();
    let pulled = 0;
    function* generate(): Generator<Message> {
      for (let i = 0; i < 50; i++) {
        pulled += 1;
        yield { topic: 'T', body: `${i}` };
      }
    }
    const r = run(target, pullFrom(generate()), { maxInFlight: 5 });
    await tick();
    assert.equal(pulled, 5);
    target.pending[0]!.succeed();
    await tick();
    assert.equal(pulled, 6);
    while (!r.completed) {
      target.settleAll();
      await tick();
    }
    assert.equal(r.outcomes.length, 50);
  });

  it('ordered: outcomes in input order whatever order the sends settle in', () => {
    const target = new FakeTarget();
    const r = run(target, from(msgs(5)), { maxInFlight: 5, ordered: true });
    target.pending[4]!.succeed();
    target.pending[2]!.fail();
    assert.equal(r.outcomes.length, 0);
    target.pending[0]!.succeed();
    assert.deepEqual(
      r.outcomes.map((o) => o.index),
      [0],
    );
    target.settleAll();
    assert.deepEqual(
      r.outcomes.map((o) => [o.index, o.ok]),
      [
        [0, true],
        [1, true],
        [2, false],
        [3, true],
        [4, true],
      ],
    );
    assert.ok(r.completed);
  });

  it('orderBy: one send per key at a time, keys in parallel, key order kept, the key is the hash argument', () => {
    const target = new FakeTarget();
    const input: Message[] = [];
    for (let i = 0; i < 4; i++) for (const key of ['a', 'b', 'c']) input.push({ topic: 'T', body: `${key}${i}`, properties: { key } });
    const r = run(target, from(input), { maxInFlight: 2, orderBy: (m) => m.properties!['key']! });
    assert.deepEqual(
      target.pending.map((p) => p.messages[0]!.body),
      ['a0', 'b0'],
    );
    assert.equal(target.pending[0]!.options?.arg, 'a');
    assert.equal(typeof target.pending[0]!.options?.selector, 'function');
    const sent: string[] = [];
    while (target.pending.length > 0) {
      const keys = target.pending.map((p) => (p.messages[0]!.body as string)[0]);
      assert.equal(new Set(keys).size, keys.length, 'one in flight per key');
      const next = target.pending[target.pending.length - 1]!;
      sent.push(next.messages[0]!.body as string);
      next.succeed();
    }
    for (const key of ['a', 'b', 'c']) {
      assert.deepEqual(
        sent.filter((b) => b.startsWith(key)),
        [0, 1, 2, 3].map((i) => `${key}${i}`),
      );
    }
    assert.equal(r.outcomes.length, 12);
  });

  it('batch: consecutive messages of one topic up to maxMessages; a topic change starts a new batch', () => {
    const target = new FakeTarget();
    const input = [...msgs(5, 'A'), ...msgs(2, 'B'), ...msgs(3, 'A')];
    const r = run(target, from(input), { batch: { maxMessages: 3 } });
    assert.deepEqual(
      target.pending.map((p) => p.messages.map((m) => m.topic).join('')),
      ['AAA', 'AA', 'BB', 'AAA'],
    );
    target.settleAll();
    assert.equal(r.outcomes.length, 10);
    assert.equal(new Set(r.outcomes.map((o) => (o.ok ? o.result.msgId : ''))).size, 10, 'own id per message');
    assert.ok(r.completed);
  });

  it('batch: a push source beyond the limits still fills whole batches', () => {
    const target = new FakeTarget();
    const r = run(target, from(msgs(30)), { maxInFlight: 1, batch: { maxMessages: 10 } });
    const sizes: number[] = [];
    while (target.pending.length > 0) {
      sizes.push(target.pending[0]!.messages.length);
      target.pending[0]!.succeed();
    }
    assert.deepEqual(sizes, [10, 10, 10]);
    assert.ok(r.completed);
  });

  it('batch: a pull source that reaches the limits with nothing in flight sends its partial batch at once', async () => {
    const target = new FakeTarget();
    let pulled = 0;
    function* generate(): Generator<Message> {
      for (let i = 0; i < 6; i++) {
        pulled += 1;
        yield { topic: 'T', body: Buffer.alloc(100) };
      }
    }
    const r = run(target, pullFrom(generate()), { maxInFlightBytes: 250, batch: { maxMessages: 10, maxDelayMs: 60_000 } });
    await tick();
    assert.equal(target.pending.length, 1);
    assert.equal(target.pending[0]!.messages.length, 3);
    while (!r.completed) {
      target.settleAll();
      await tick();
    }
    assert.equal(pulled, 6);
    assert.equal(r.outcomes.length, 6);
  });

  it('batch: a partial batch goes after maxDelayMs', async () => {
    const target = new FakeTarget();
    const source = new Subject<Message>();
    run(target, source, { batch: { maxMessages: 10, maxDelayMs: 5 } });
    source.next({ topic: 'T', body: 'x' });
    source.next({ topic: 'T', body: 'y' });
    assert.equal(target.pending.length, 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(target.pending.length, 1);
    assert.equal(target.pending[0]!.messages.length, 2);
    source.complete();
  });

  it('a failed batch fails each of its messages once', () => {
    const target = new FakeTarget();
    const r = run(target, from(msgs(4)), { batch: { maxMessages: 4 } });
    target.pending[0]!.fail();
    assert.deepEqual(
      r.outcomes.map((o) => o.ok),
      [false, false, false, false],
    );
    assert.ok(r.completed);
  });

  it('stopOnError ends with the error and cancels the other sends; unsubscribing cancels too', () => {
    const target = new FakeTarget();
    const r = run(target, from(msgs(10)), { maxInFlight: 3, stopOnError: true });
    target.pending[1]!.fail();
    assert.equal(r.outcomes.length, 1);
    assert.ok(r.error instanceof MQBrokerError);
    assert.equal(target.pending.length, 0);

    const other = new FakeTarget();
    const r2 = run(other, from(msgs(10)), { maxInFlight: 3 });
    r2.subscription.unsubscribe();
    assert.equal(other.pending.length, 0);
    assert.equal(other.subscriptions, 3);
  });

  it('the source error ends the output', () => {
    const target = new FakeTarget();
    const source = new Subject<Message>();
    const r = run(target, source);
    source.next({ topic: 'T', body: 'x' });
    source.error(new Error('boom'));
    assert.equal((r.error as Error).message, 'boom');
    assert.equal(target.pending.length, 0);
  });
});

/** A target that also offers `sendInto`: publish must run every single send through it, never through `send$`. */
class SendIntoTarget extends FakeTarget {
  viaSend$ = 0;
  viaSendInto = 0;
  override send$(message: Message, options?: SendOptions): Observable<SendResult> {
    this.viaSend$ += 1;
    return super.send$(message, options);
  }
  sendInto(message: Message, options: SendOptions, subscriber: Subscriber<SendResult>): void {
    this.viaSendInto += 1;
    super.send$(message, options).subscribe(subscriber);
  }
}

describe('publish operator with a sendInto target', () => {
  it('sends through sendInto, within maxInFlight, one outcome per message; keyed sends carry their selector', async () => {
    const target = new SendIntoTarget();
    const input = msgs(100);
    const r = run(target, from(input), { maxInFlight: 10, orderBy: (m) => Number(m.body) % 3 });
    while (!r.completed) {
      target.settleAll();
      await tick();
    }
    assert.equal(r.error, null);
    assert.equal(target.viaSend$, 0);
    assert.equal(target.viaSendInto, 100);
    assert.ok(target.maxPending <= 3, `max pending ${target.maxPending}`); // three keys, one send each at a time
    assert.equal(r.outcomes.length, 100);
    assert.ok(r.outcomes.every((o) => o.ok));
    assert.deepEqual(
      r.outcomes.map((o) => o.index).sort((a, b) => a - b),
      input.map((_, i) => i),
    );
  });

  it('a send that fails or completes without a result through sendInto is one failed outcome', async () => {
    const target = new SendIntoTarget();
    const empty: PublishTarget = {
      options: target.options,
      send$: () => {
        throw new Error('not used');
      },
      batchSend$: () => {
        throw new Error('not used');
      },
      sendInto: (_message, _options, subscriber) => subscriber.complete(),
    };
    const r1 = run(target, from(msgs(2)));
    target.pending[0]!.fail();
    target.pending[0]!.succeed();
    await tick();
    assert.deepEqual(
      r1.outcomes.map((o) => o.ok),
      [false, true],
    );
    assert.equal(r1.completed, true);
    const r2 = run(empty as FakeTarget, from(msgs(1)));
    assert.equal(r2.outcomes.length, 1);
    assert.equal(r2.outcomes[0]!.ok, false);
    assert.equal((r2.outcomes[0] as { error: { code?: string } }).error.code, 'RMQ_ERR_NO_RESULT');
    assert.equal(r2.completed, true);
  });
});
