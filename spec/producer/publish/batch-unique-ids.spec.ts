/**
 * Unique ids of a batched publish: while no batch can start (the in-flight limit is reached), one synchronous run of
 * a push source can hold more messages than one time value's 65,536 counter values, so each id reads the clock.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NEVER, Observable, from, lastValueFrom, toArray } from 'rxjs';
import type { Message, SendResult } from '../../../src/message/message.js';
import type { BatchItem } from '../../../src/producer/batch/batch-message.js';
import type { PublishTarget } from '../../../src/producer/publish/publish.js';
import { publishOperator } from '../../../src/producer/publish/publish.js';

class HoldingTarget implements PublishTarget {
  readonly options = { maxMessageSize: 4 * 1024 * 1024, sendMsgTimeout: 3000 };
  readonly ids: string[] = [];
  send$(): Observable<SendResult> {
    return NEVER;
  }
  batchSend$(items: readonly BatchItem[]): Observable<SendResult[]> {
    for (const item of items) this.ids.push(item.uniqueId);
    // Settles on a later turn: while the source emits synchronously, maxInFlight 1 keeps the other batches waiting.
    return new Observable<SendResult[]>((subscriber) => {
      const timer = setImmediate(() => {
        subscriber.next(items.map((item, i) => ({ sendStatus: 'SEND_OK', msgId: item.uniqueId, offsetMsgId: '', messageQueue: { topic: 'T', brokerName: 'b', queueId: 0 }, queueOffset: i, regionId: 'DefaultRegion', traceOn: true })));
        subscriber.complete();
      });
      return () => clearImmediate(timer);
    });
  }
}

describe('publish batch unique ids', () => {
  it('70 000 messages of one synchronous push run get distinct unique ids', async () => {
    const target = new HoldingTarget();
    const messages: Message[] = Array.from({ length: 70_000 }, () => ({ topic: 'T', body: Buffer.from('x') }));
    const outcomes = await lastValueFrom(from(messages).pipe(publishOperator(target, { maxInFlight: 1, batch: { maxMessages: 1000 } }), toArray()));
    assert.equal(outcomes.length, messages.length);
    assert.ok(target.ids.length > 65_536, `only ${target.ids.length} ids seen`);
    assert.equal(new Set(target.ids).size, target.ids.length, 'duplicate unique ids');
  });
});
