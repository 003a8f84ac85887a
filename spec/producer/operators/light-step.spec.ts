import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Subject, Subscriber } from 'rxjs';
import type { Observable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { contextSource, lightStep, lightSwitch, lightSwitchInto, lightSwitchThrough } from '../../../src/producer/operators/light-step.js';

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

describe('lightSwitch', () => {
  it('continues with the inner Observable of the one value and completes with it, as mergeMap', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|', { a: 1 });
      const inner = cold('--x-y|', { x: 10, y: 11 });
      expectObservable(source.pipe(lightSwitch(() => inner))).toBe('---x-y|', { x: 10, y: 11 });
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(inner.subscriptions).toBe('-^----!');
    });
  });

  it('completes with an empty source, and passes on source and inner errors', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('--|').pipe(lightSwitch(() => cold('x|')))).toBe('--|');
      expectObservable(cold('-#').pipe(lightSwitch(() => cold('x|')))).toBe('-#');
      expectObservable(cold('-a|').pipe(lightSwitch(() => cold('-#')))).toBe('--#');
    });
  });

  it('turns a throw in project into the error', () => {
    scheduler().run(({ cold, expectObservable }) => {
      const failing = lightSwitch<string, string>(() => {
        throw new Error('bad');
      });
      expectObservable(cold('-a|').pipe(failing)).toBe('-#', undefined, new Error('bad'));
    });
  });

  it('unsubscribing downstream unsubscribes the running inner Observable', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const inner = cold('-----x|');
      expectObservable(cold('a|').pipe(lightSwitch(() => inner)), '^--!').toBe('---');
      expectSubscriptions(inner.subscriptions).toBe('^--!');
    });
  });

  it('an outer error while the inner runs fails the stream and unsubscribes the inner, as mergeMap', () => {
    const source = new Subject<number>();
    const inner = new Subject<number>();
    const seen: unknown[] = [];
    source.pipe(lightSwitch(() => inner)).subscribe({ next: (v) => seen.push(v), error: (e: unknown) => seen.push(e) });
    source.next(1);
    inner.next(5);
    source.error('boom');
    assert.deepEqual(seen, [5, 'boom']);
    assert.equal(inner.observed, false);
  });
});

describe('contextSource', () => {
  const collect = <T>(seen: unknown[]): Subscriber<T> =>
    new Subscriber<T>({ next: (v) => seen.push(v), error: (e: unknown) => seen.push(['error', e]), complete: () => seen.push('|') });

  it('one chain, built once, runs once per run() with that run\'s context', () => {
    const ctx = contextSource<number>();
    let built = 0;
    const chain = ctx.source.pipe((source) => (built++, source.pipe(double)));
    const seen: unknown[] = [];
    ctx.run(1, chain, collect(seen));
    ctx.run(5, chain, collect(seen));
    assert.deepEqual(seen, [2, '|', 10, '|']);
    assert.equal(built, 1);
  });

  it('a run started from inside another run\'s emission gets its own context', () => {
    const ctx = contextSource<number>();
    const seen: unknown[] = [];
    const chain = ctx.source.pipe(
      lightSwitchInto<number, number>((value, downstream) => {
        if (value === 1) ctx.run(7, ctx.source, collect(seen));
        downstream.next(value);
        downstream.complete();
      }),
    );
    ctx.run(1, chain, collect(seen));
    assert.deepEqual(seen, [7, '|', 1, '|']);
  });

  it('fails a subscription outside run(), and keeps no context after run()', () => {
    const ctx = contextSource<object>();
    const seen: unknown[] = [];
    ctx.run({}, ctx.source, collect(seen));
    ctx.source.subscribe(collect(seen));
    assert.equal(seen.length, 3);
    assert.ok(Array.isArray(seen[2]) && seen[2][0] === 'error');
  });
});

describe('chains of light steps (one subscriber per subscription)', () => {
  const plusOne = lightStep<number, number>((value, downstream) => downstream.next(value + 1));

  it('consecutive steps around a switch give what mergeMap and map would', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const source = cold('-a|', { a: 1 });
      const inner = cold('--x|', { x: 10 });
      const chain = source.pipe(double, plusOne, lightSwitch((v: number) => inner.pipe(lightStep<number, number>((x, d) => d.next(x + v)))), double);
      expectObservable(chain).toBe('---y|', { y: 26 });
      expectSubscriptions(source.subscriptions).toBe('^-!');
      expectSubscriptions(inner.subscriptions).toBe('-^--!');
    });
  });

  it('every value of a multi-value source runs every step, in order', () => {
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a-b-c|', { a: 1, b: 2, c: 3 }).pipe(double, plusOne, double)).toBe('-x-y-z|', { x: 6, y: 10, z: 14 });
    });
  });

  it('an error thrown by a step goes to the error handlers of the steps after it only', () => {
    const seen: string[] = [];
    const failing = lightStep<number, number>(() => {
      throw new Error('bad');
    });
    const watch = (name: string) =>
      lightStep<number, number>(
        (value, downstream) => downstream.next(value),
        (error, downstream) => {
          seen.push(name);
          downstream.error(error);
        },
      );
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|', { a: 1 }).pipe(watch('before'), failing, watch('after'), double)).toBe('-#', undefined, new Error('bad'));
    });
    assert.deepEqual(seen, ['after']);
  });

  it('lightSwitchThrough: the inner values and errors go through its step with the switch value; earlier errors pass by', () => {
    const failures: unknown[] = [];
    const through = (inner: Observable<number>) =>
      lightSwitchThrough<number, number, number>(
        (_value, into) => inner.subscribe(into),
        (x, downstream, value) => downstream.next(x * value),
        (error, downstream, value) => {
          failures.push([error, value]);
          downstream.error(error);
        },
      );
    scheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-a|', { a: 3 }).pipe(plusOne, through(cold('-x|', { x: 5 })), double)).toBe('--y|', { y: 40 });
      expectObservable(cold('-a|', { a: 3 }).pipe(through(cold('-#', undefined, 'inner')))).toBe('--#', undefined, 'inner');
      const failing = lightStep<number, number>(() => {
        throw 'before';
      });
      expectObservable(cold('-a|', { a: 3 }).pipe(failing, through(cold('-x|', { x: 5 })))).toBe('-#', undefined, 'before');
    });
    assert.deepEqual(failures, [['inner', 3]]);
  });

  it('unsubscribing downstream unsubscribes the inner work of a switch in the middle of a chain', () => {
    scheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
      const inner = cold('-----x|', { x: 1 });
      expectObservable(cold('a|', { a: 1 }).pipe(double, lightSwitch(() => inner), double), '^--!').toBe('---');
      expectSubscriptions(inner.subscriptions).toBe('^--!');
    });
  });
});
