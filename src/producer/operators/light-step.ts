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
import type { TeardownLogic } from 'rxjs';
import { Observable, Subscriber, Subscription } from 'rxjs';

/** What a light step does with a value. @internal */
export type StepNext<A, B, S = undefined> = (value: A, downstream: Subscriber<B>, state: S) => void;
/** What a light step does with an upstream error (it must pass it on). @internal */
export type StepError<B, S = undefined> = (error: unknown, downstream: Subscriber<B>, state: S) => void;

/** The parts of RxJS's `Subscription` that {@link LeanSubscriber.add} sets (rxjs 7 internals). */
interface SubscriptionInternals {
  _finalizers: unknown[] | null;
  _addParent(parent: Subscription): void;
}

/**
 * A `Subscriber` whose first teardown is kept in a one-slot array: RxJS `add()` pushes into an empty array, which
 * reserves room for 16 entries (about 150 bytes); a send subscriber nearly always holds exactly one teardown (its
 * upstream subscriber), and there is one per step of every send in flight. Behaves exactly as `Subscriber.add`.
 * @internal
 */
export class LeanSubscriber<T> extends Subscriber<T> {
  override add(teardown: TeardownLogic): void {
    const self = this as unknown as SubscriptionInternals;
    if (self._finalizers === null && teardown && (teardown as unknown) !== this && !this.closed) {
      if (teardown instanceof Subscription) {
        if (teardown.closed) return;
        (teardown as unknown as SubscriptionInternals)._addParent(this);
      }
      self._finalizers = [teardown];
      return;
    }
    super.add(teardown);
  }
}

class StepSubscriber<A, B, S> extends LeanSubscriber<A> {
  constructor(
    private readonly downstream: Subscriber<B>,
    private readonly onValue: StepNext<A, B, S>,
    private readonly onFailure: StepError<B, S> | undefined,
    private readonly state: S,
  ) {
    // Chains this subscriber to the downstream one: unsubscribing downstream tears it (and upstream) down.
    super(downstream);
  }

  protected override _next(value: A): void {
    try {
      this.onValue(value, this.downstream, this.state);
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
      this.onFailure(error, this.downstream, this.state);
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
  return (source) =>
    new Observable<B>((downstream) => source.subscribe(new StepSubscriber<A, B, undefined>(downstream, onValue, onError, undefined)));
}

/**
 * {@link lightStep} with per-subscription state handed to the callbacks, so that the callbacks can be made once (per
 * pipeline) instead of as closures per send: the step of one send is then a single subscriber object.
 * @param state - passed to every call of the callbacks (e.g. the send context)
 * @param onValue - handles a value: emits into `downstream`, or not, or fails it
 * @param onError - sees an upstream error first and passes it on
 * @internal
 */
export function lightStepWith<A, B, S>(state: S, onValue: StepNext<A, B, S>, onError?: StepError<B, S>): OperatorFunction<A, B> {
  return (source) => new Observable<B>((downstream) => source.subscribe(new StepSubscriber<A, B, S>(downstream, onValue, onError, state)));
}

class SwitchSubscriber<A, B> extends LeanSubscriber<A> {
  private started = false;

  constructor(
    private readonly downstream: Subscriber<B>,
    private readonly project: (value: A) => Observable<B>,
  ) {
    super(downstream);
  }

  protected override _next(value: A): void {
    this.started = true;
    let inner: Observable<B>;
    try {
      inner = this.project(value);
    } catch (error) {
      this.downstream.error(error);
      return;
    }
    // The inner Observable talks to downstream directly: once the upstream completes, this subscriber is released
    // and nothing of this step stays alive while the inner one (e.g. a request waiting for its response) runs.
    inner.subscribe(this.downstream);
  }

  protected override _complete(): void {
    if (this.started) this.unsubscribe();
    else super._complete();
  }
}

/**
 * `mergeMap` for a source of at most one value (every send step's source emits the send's one context): the value's
 * Observable is subscribed straight to the downstream subscriber, so the step keeps no subscriber of its own alive
 * after its source completed. Emits, fails and completes as `mergeMap` would on such a source; a throwing `project`
 * fails the stream.
 * @param project - the Observable that continues the stream for the value
 * @internal
 */
export function lightSwitch<A, B>(project: (value: A) => Observable<B>): OperatorFunction<A, B> {
  return (source) => new Observable<B>((downstream) => source.subscribe(new SwitchSubscriber(downstream, project)));
}
