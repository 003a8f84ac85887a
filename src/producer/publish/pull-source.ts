/**
 * Pull sources: Observables over iterables, async iterables and Node Readables that take the next item only when
 * the consumer downstream has room for it.
 *
 * RxJS Observables push: `from(asyncIterable)` runs `for await` and calls `next` for every item as fast as the
 * iterable yields, whatever the subscriber does with it. An operator cannot slow that down. A pull source asks the
 * nearest demand-aware operator below it (`producer.publish()`) before each item; that operator registers its demand
 * while it subscribes to its source, which RxJS does synchronously through plain operators (`map`, `filter`, `tap`,
 * …), so `pullFrom(lines).pipe(map(toMessage), producer.publish())` pulls one line per free send slot.
 */
import { Observable } from 'rxjs';

/** What a demand-aware consumer tells a pull source. @internal */
export interface Demand {
  /** `null` when the source may emit now, else a promise that settles when it may try again. */
  whenReady(): Promise<void> | null;
  /**
   * The source is about to emit items one after another within one synchronous run (a burst of a synchronous
   * iterable); {@link Demand.endBurst} follows, before the source waits for anything, completes, fails or stops.
   * The consumer may hold the burst's items and act on them together at its end (e.g. start their sends with one
   * clock read): nothing they do could reach the wire before the burst returns control anyway.
   */
  beginBurst?(): void;
  /** The burst that {@link Demand.beginBurst} announced is over. */
  endBurst?(): void;
}

const demandStack: Demand[] = [];

/**
 * Runs `subscribe` with `demand` visible to the pull sources it subscribes to (synchronously).
 * @internal
 */
export function subscribeWithDemand<T>(demand: Demand, subscribe: () => T): T {
  demandStack.push(demand);
  try {
    return subscribe();
  } finally {
    demandStack.pop();
  }
}

/** Anything {@link pullFrom} reads: an iterable, an async iterable (async generator, Node `Readable`, `readline`). */
export type PullInput<T> = Iterable<T> | AsyncIterable<T>;

/**
 * An Observable over an iterable, async iterable or Node Readable that pulls the next item only when the
 * demand-aware operator downstream (`producer.publish()`) has room for it, so memory stays flat however long the
 * input is. Without such an operator downstream it pulls as fast as it can, like `from()`. Unsubscribing stops
 * pulling and calls the iterator's `return()` (which closes a Readable).
 *
 * @param input - the items
 * @returns a cold Observable; each subscription iterates `input` once
 * @example
 * ```ts
 * pullFrom(fs.createReadStream('big.bin')).pipe(map((chunk) => ({ topic: 'T', body: chunk })), producer.publish());
 * ```
 */
export function pullFrom<T>(input: PullInput<T>): Observable<T> {
  return new Observable<T>((subscriber) => {
    const demand = demandStack[demandStack.length - 1] ?? null;
    const isAsync = typeof (input as AsyncIterable<T>)[Symbol.asyncIterator] === 'function';
    const iterator: Iterator<T> | AsyncIterator<T> = isAsync
      ? (input as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (input as Iterable<T>)[Symbol.iterator]();
    let finished = false;
    // A synchronous iterable's items between two waits go to the consumer as one burst (see Demand.beginBurst); an
    // async iterable's come one per await, so each stands alone.
    const bursts = demand !== null && !isAsync && demand.beginBurst !== undefined ? demand : null;
    let bursting = false;
    const endBurst = (): void => {
      if (!bursting) return;
      bursting = false;
      bursts!.endBurst?.();
    };
    const run = async (): Promise<void> => {
      try {
        while (!subscriber.closed) {
          const wait = demand === null ? null : demand.whenReady();
          if (wait !== null) {
            endBurst();
            await wait;
            continue;
          }
          const step = isAsync ? await iterator.next() : (iterator.next() as IteratorResult<T>);
          if (subscriber.closed) return;
          if (step.done === true) {
            endBurst();
            finished = true;
            subscriber.complete();
            return;
          }
          if (!bursting && bursts !== null) {
            bursting = true;
            bursts.beginBurst!();
          }
          subscriber.next(step.value);
        }
      } finally {
        // Stopped (unsubscribed) or failed in the middle of a burst: the consumer still hears that it ended.
        endBurst();
      }
    };
    run().catch((error: unknown) => {
      finished = true;
      subscriber.error(error);
    });
    return () => {
      if (finished) return;
      finished = true;
      try {
        const closing = iterator.return?.();
        if (closing instanceof Promise) closing.catch(() => undefined);
      } catch {
        // A generator that is running cannot be returned; it stops at its next step (subscriber.closed).
      }
    };
  });
}
