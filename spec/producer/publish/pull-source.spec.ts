/**
 * Pull sources and the demand of the operator below them: an item is taken only when the demand says so, and the
 * items of a synchronous iterable taken in one go are announced as one burst, which always ends before the source
 * waits, completes, fails or stops.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { take } from 'rxjs';
import type { Demand } from '../../../src/producer/publish/pull-source.js';
import { pullFrom, subscribeWithDemand } from '../../../src/producer/publish/pull-source.js';

/** A demand that lets `room` items through, then waits until `release()`; it records what the source tells it. */
function recordingDemand(room: number) {
  const events: string[] = [];
  let left = room;
  let release: (() => void) | null = null;
  const demand: Demand = {
    whenReady: () => {
      if (left > 0) {
        left -= 1;
        return null;
      }
      events.push('wait');
      return new Promise<void>((resolve) => (release = resolve));
    },
    beginBurst: () => events.push('begin'),
    endBurst: () => events.push('end'),
  };
  return {
    demand,
    events,
    more(n: number): void {
      left += n;
      const r = release;
      release = null;
      r?.();
    },
  };
}

const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('pullFrom bursts', () => {
  it('announces the items of a synchronous iterable taken in one go as one burst, ended before it awaits more demand', async () => {
    const d = recordingDemand(3);
    let completed = false;
    subscribeWithDemand(d.demand, () =>
      pullFrom([1, 2, 3, 4, 5]).subscribe({ next: (v) => d.events.push(`item ${v}`), complete: () => (completed = true) }),
    );
    // The first burst runs while subscribing.
    assert.deepEqual(d.events, ['begin', 'item 1', 'item 2', 'item 3', 'wait', 'end']);
    d.more(10);
    await flush();
    assert.deepEqual(d.events.slice(6), ['begin', 'item 4', 'item 5', 'end']);
    assert.ok(completed);
  });

  it('an async iterable announces no bursts (each item comes on its own)', async () => {
    const d = recordingDemand(10);
    async function* items(): AsyncGenerator<number> {
      yield 1;
      yield 2;
    }
    let completed = false;
    subscribeWithDemand(d.demand, () => pullFrom(items()).subscribe({ next: (v) => d.events.push(`item ${v}`), complete: () => (completed = true) }));
    await flush();
    assert.deepEqual(d.events, ['item 1', 'item 2']);
    assert.ok(completed);
  });

  it('a failing iterator ends its burst before the error goes on', () => {
    const d = recordingDemand(10);
    function* items(): Generator<number> {
      yield 1;
      throw new Error('boom');
    }
    return new Promise<void>((resolve) => {
      subscribeWithDemand(d.demand, () =>
        pullFrom(items()).subscribe({
          next: (v) => d.events.push(`item ${v}`),
          error: (e: unknown) => {
            d.events.push(`error ${(e as Error).message}`);
            assert.deepEqual(d.events, ['begin', 'item 1', 'end', 'error boom']);
            resolve();
          },
        }),
      );
    });
  });

  it('unsubscribing in the middle of a burst ends it', async () => {
    const d = recordingDemand(10);
    subscribeWithDemand(d.demand, () =>
      pullFrom([1, 2, 3])
        .pipe(take(2))
        .subscribe({ next: (v) => d.events.push(`item ${v}`) }),
    );
    await flush();
    assert.deepEqual(d.events, ['begin', 'item 1', 'item 2', 'end']);
  });
});
