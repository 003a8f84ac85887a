/**
 * The building block of the send operators that transform one value synchronously: like `map`/`tap`, but one
 * small subscriber object per subscription and no per-subscription closures. Every send of an async producer keeps
 * its whole chain of subscribers alive until the broker answers, so with thousands of sends in flight the chain's
 * size is what the garbage collector keeps copying; RxJS's `OperatorSubscriber` costs an object plus three
 * closures and their context per operator.
 *
 * `onValue` gets each value and the downstream subscriber: it may emit (`next`), emit nothing, or fail (`error`,
 * or throw — a throw becomes the stream's error, as in `map`). `onError`, when given, sees an upstream error
 * before it goes downstream (as `tap({ error })`; it must pass it on itself).
 * @internal
 */
import type { OperatorFunction } from 'rxjs';
import { Observable, Subscriber } from 'rxjs';

/** What a light step does with a value. @internal */
export type StepNext<A, B> = (value: A, downstream: Subscriber<B>) => void;
/** What a light step does with an upstream error (it must pass it on). @internal */
export type StepError<B> = (error: unknown, downstream: Subscriber<B>) => void;

class StepSubscriber<A, B> extends Subscriber<A> {
  constructor(
    private readonly downstream: Subscriber<B>,
    private readonly onValue: StepNext<A, B>,
    private readonly onFailure: StepError<B> | undefined,
  ) {
    // Chains this subscriber to the downstream one: unsubscribing downstream tears it (and upstream) down.
    super(downstream);
  }

  protected override _next(value: A): void {
    try {
      this.onValue(value, this.downstream);
    } catch (error) {
      this.downstream.error(error);
    }
  }

  protected override _error(error: unknown): void {
    if (this.onFailure === undefined) {
      super._error(error);
      return;
    }
    try {
      this.onFailure(error, this.downstream);
    } catch (thrown) {
      this.downstream.error(thrown);
    }
    this.unsubscribe();
  }
}

/**
 * A synchronous one-subscriber step (see the module comment).
 * @param onValue - handles a value: emits into `downstream`, or not, or fails it
 * @param onError - sees an upstream error first and passes it on
 * @internal
 */
export function lightStep<A, B>(onValue: StepNext<A, B>, onError?: StepError<B>): OperatorFunction<A, B> {
  return (source) => new Observable<B>((downstream) => source.subscribe(new StepSubscriber(downstream, onValue, onError)));
}
