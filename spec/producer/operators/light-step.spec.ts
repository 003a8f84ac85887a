import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Subject } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { lightStep } from '../../../src/producer/operators/light-step.js';

function scheduler(): TestScheduler {
  return new TestScheduler((actual, expected) => assert.deepStrictEqual(actual, expected));
}

const double = lightStep<number, number>((value, downstream) => downstream.next(value * 2));

describe('lightStep', () => {
  it('emits what onValue emits, and completes with the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', { a: 1, b: 2 });
      expectObservable(source.pipe(double)).toBe('-x-y-|', { x: 2, y: 4 });
      expectSubscriptions(source.subscriptions).toBe('^----!');
    });
  });

  it('may emit nothing for a value', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const evens = lightStep<number, number>((value, downstream) => {
        if (value % 2 === 0) downstream.next(value);
      });
      expectObservable(cold('-a-b-|', { a: 1, b: 2 }).pipe(evens)).toBe('---b-|', { b: 2 });
    });
  });

  it('turns a throw in onValue into the error, and unsubscribes the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-|', { a: 1, b: 2 });
      const failing = lightStep<number, number>((value, downstream) => {
        if (value === 2) throw new Error('bad');
        downstream.next(value);
      });
      expectObservable(source.pipe(failing)).toBe('-a-#', { a: 1 }, new Error('bad'));
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('passes an upstream error through onError first (or straight on without one)', () => {
    const seen: unknown[] = [];
    scheduler().run(({ cold, expectObservable }) => {
      const step = lightStep<number, number>(
        (value, downstream) => downstream.next(value),
        (error, downstream) => {
          seen.push(error);
          downstream.error(error);
        },
      );
      expectObservable(cold('-a-#', { a: 1 }, 'boom').pipe(step)).toBe('-a-#', { a: 1 }, 'boom');
      expectObservable(cold('-a-#', { a: 1 }, 'plain').pipe(double)).toBe('-x-#', { x: 2 }, 'plain');
    });
    assert.deepEqual(seen, ['boom']);
  });

  it('unsubscribing downstream unsubscribes the source', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a-b-c-|', { a: 1, b: 2, c: 3 });
      expectObservable(source.pipe(double), '^--!').toBe('-x-', { x: 2 });
      expectSubscriptions(source.subscriptions).toBe('^--!');
    });
  });

  it('keeps no subscription to the source after it completed', () => {
    const source = new Subject<number>();
    const values: number[] = [];
    let completed = false;
    source.pipe(double).subscribe({ next: (v) => values.push(v), complete: () => (completed = true) });
    source.next(5);
    source.complete();
    assert.deepEqual(values, [10]);
    assert.equal(completed, true);
    assert.equal(source.observed, false);
  });
});
