import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { firstValueFrom, Subscription } from 'rxjs';
import type { Subscriber } from 'rxjs';
import type { Message, SendResult } from '../../src/message/message.js';
import { InflightSends } from '../../src/producer/inflight-sends.js';
import { SyncSendObservable, SyncSendSubscriber } from '../../src/producer/sync-send.js';
import type { SyncSendStart } from '../../src/producer/sync-send.js';

const message: Message = { topic: 'T', body: 'x' };
const result = (msgId: string): SendResult =>
  ({ sendStatus: 'SEND_OK', msgId, offsetMsgId: '', messageQueue: { topic: 'T', brokerName: 'b', queueId: 0 }, queueOffset: 0 }) as SendResult;

/** The producer's in-flight sends as the producer counts sync sends: a slot each, let go by the send itself. */
class InflightSyncSends {
  readonly sends = new InflightSends();
  constructor(private readonly onRemoved: () => void) {}
  get size(): number {
    return this.sends.size;
  }
  add(send: SyncSendSubscriber): void {
    this.sends.addSelfTracked(send as unknown as Subscriber<never> & SyncSendSubscriber);
    send.tracker = { untrack: (subscriber) => {
      this.sends.deleteSelfTracked(subscriber as SyncSendSubscriber);
      this.onRemoved();
    } };
  }
  snapshot(): SyncSendSubscriber[] {
    return this.sends.snapshot() as unknown as SyncSendSubscriber[];
  }
}

/** A start function that counts the send in `list` and hands its subscriber (and a teardown probe) to `run`. */
function starter(list: InflightSyncSends, run: (send: SyncSendSubscriber, torn: { count: number }) => void): SyncSendStart {
  return (_message, _options, send) => {
    list.add(send);
    const torn = { count: 0 };
    send.add(new Subscription(() => torn.count++));
    run(send, torn);
  };
}

describe('sync send subscriber', () => {
  it('firstValueFrom gets the first value; the send then lets go of its teardown and its in-flight count, once', async () => {
    let removed = 0;
    const list = new InflightSyncSends(() => removed++);
    let probe: { count: number } | null = null;
    let later: SyncSendSubscriber | null = null;
    const start = starter(list, (send, torn) => {
      probe = torn;
      later = send;
      assert.equal(list.size, 1);
      send.next(result('first'));
      send.next(result('second'));
      send.complete();
      send.error(new Error('after the end'));
    });
    const value = await firstValueFrom(new SyncSendObservable(start, message, {}));
    assert.equal(value.msgId, 'first');
    assert.equal(probe!.count, 1, 'the attempt chain is torn down once');
    assert.equal(later!.closed, true);
    assert.equal(list.size, 0);
    assert.equal(removed, 1);
  });

  it('an error rejects the promise once; a throw from the start fails the send', async () => {
    const list = new InflightSyncSends(() => undefined);
    const failing = starter(list, (send) => {
      send.error(Object.assign(new Error('broker'), { code: 'RMQ_ERR_BROKER' }));
      send.error(new Error('again'));
    });
    await assert.rejects(firstValueFrom(new SyncSendObservable(failing, message, {})), { code: 'RMQ_ERR_BROKER' });
    assert.equal(list.size, 0);
    const throwing: SyncSendStart = () => {
      throw Object.assign(new Error('bad'), { code: 'RMQ_ERR_INVALID_OPTION' });
    };
    await assert.rejects(firstValueFrom(new SyncSendObservable(throwing, message, {})), { code: 'RMQ_ERR_INVALID_OPTION' });
  });

  it('completing without a value rejects as firstValueFrom does (EmptyError)', async () => {
    const list = new InflightSyncSends(() => undefined);
    const empty = starter(list, (send) => send.complete());
    await assert.rejects(firstValueFrom(new SyncSendObservable(empty, message, {})), { name: 'EmptyError' });
    assert.equal(list.size, 0);
  });

  it('a partial observer goes through RxJS: unsubscribing it tears the send down and lets go of its count', () => {
    const list = new InflightSyncSends(() => undefined);
    let send: SyncSendSubscriber | null = null;
    const start = starter(list, (s) => {
      send = s;
    });
    const seen: string[] = [];
    const subscription = new SyncSendObservable(start, message, {}).subscribe({ next: (v) => seen.push(v.msgId) });
    assert.equal(list.size, 1);
    subscription.unsubscribe();
    assert.equal(send!.closed, true);
    assert.equal(list.size, 0);
    (send as unknown as Subscriber<SendResult>).next(result('late'));
    assert.deepEqual(seen, []);
  });

  it('the in-flight slots count any number of sends and lets each go wherever it is in the list', () => {
    let removed = 0;
    const list = new InflightSyncSends(() => removed++);
    const sink = { next() {}, error() {}, complete() {} } as unknown as Subscriber<SendResult>;
    const sends = Array.from({ length: 5 }, () => new SyncSendSubscriber(sink));
    for (const send of sends) list.add(send);
    assert.equal(list.size, 5);
    assert.deepEqual(new Set(list.snapshot()), new Set(sends));
    for (const index of [2, 0, 4]) sends[index]!.unsubscribe();
    assert.equal(list.size, 2);
    assert.deepEqual(new Set(list.snapshot()), new Set([sends[1], sends[3]]));
    sends[2]!.unsubscribe();
    assert.equal(removed, 3, 'a send lets go once');
    for (const send of list.snapshot()) send.error(new Error('shut down'));
    assert.equal(list.size, 0);
    assert.deepEqual(list.snapshot(), []);
  });
});
