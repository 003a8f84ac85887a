/**
 * The building block of the send operators that transform one value synchronously: like `map`/`tap`, but one
 * small subscriber object per subscription and no per-subscription closures. Every send of an async producer keeps
 * its whole chain of subscribers alive until the broker answers, so with thousands of sends in flight the chain's
 * size is what the garbage collector keeps copying; RxJS's `OperatorSubscriber` costs an object plus three
 * closures and their context per operator.
 *
 * Each send operator still lives in its own file and is piped in `send-pipeline.ts`; what piping light steps builds
 * is one {@link StepChain} per run of consecutive steps, and a subscription to it is ONE subscriber that runs the
 * steps in turn (a switch in the middle continues on the same subscriber when its inner work answers). A send
 * attempt is then a handful of objects instead of one subscriber (and one `subscribe` call) per operator.
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

/**
 * A `Subscriber` that keeps its first teardown in a field of its own (built from RxJS's public API only: `add`,
 * `remove`, `unsubscribe`, `closed`): RxJS's first `add()` on a subscription allocates an array with room for 16
 * teardowns, and a send's subscribers nearly always hold exactly one (the upstream subscriber, or the remoting call)
 * for as long as the send waits. When that teardown is a `SlotSubscriber` too, the two know each other, so one that
 * finishes first releases itself from its holder (as RxJS does for its own subscribers) and is not kept alive by it.
 * Teardowns after the first, and foreign Subscriptions, are left to RxJS.
 * @internal
 */
export class SlotSubscriber<T> extends Subscriber<T> {
  /** The first teardown added (usually the upstream subscriber), when it is not left to RxJS. */
  private firstTeardown: Exclude<TeardownLogic, void> | null = null;
  /** The `SlotSubscriber` that holds this one as its first teardown. */
  private holder: SlotSubscriber<unknown> | null = null;

  override add(teardown: TeardownLogic): void {
    if (this.firstTeardown === null && teardown && (teardown as unknown) !== this && !this.closed) {
      if (teardown instanceof SlotSubscriber) {
        if (teardown.closed) return;
        this.firstTeardown = teardown;
        teardown.holder = this;
        return;
      }
      // A function or a plain `{ unsubscribe }` (e.g. a remoting call); a foreign Subscription goes to RxJS, which
      // lets it release itself when it closes first.
      if (!(teardown instanceof Subscription)) {
        this.firstTeardown = teardown;
        return;
      }
    }
    super.add(teardown);
  }

  override remove(teardown: Exclude<TeardownLogic, void>): void {
    if (teardown === this.firstTeardown) {
      this.firstTeardown = null;
      if (teardown instanceof SlotSubscriber) teardown.holder = null;
      return;
    }
    super.remove(teardown);
  }

  override unsubscribe(): void {
    if (this.closed) return;
    this.releaseFromHolder();
    const first = this.firstTeardown;
    this.firstTeardown = null;
    super.unsubscribe();
    if (first === null) return;
    if (typeof first === 'function') first();
    else {
      if (first instanceof SlotSubscriber) first.holder = null;
      first.unsubscribe();
    }
  }

  /** Leaves the teardowns of the subscriber holding this one in its first slot; whether there was one. */
  protected releaseFromHolder(): boolean {
    const holder = this.holder;
    if (holder === null) return false;
    holder.remove(this);
    return true;
  }
}

/**
 * The base of every send subscriber, built from RxJS's public API only (the `Subscriber` constructor, `add`,
 * `remove`, `unsubscribe`, `closed`, and overriding the public `next`/`error`/`complete`), so that an RxJS upgrade
 * cannot silently change how a send settles. Nothing here reads or writes an RxJS internal member.
 *
 * Why not a plain `Subscriber`: every send of an async producer keeps its chain of subscribers alive until the broker
 * answers, and RxJS's first `add()` on a subscription allocates an array with room for 16 teardowns. A send
 * subscriber nearly always holds exactly one teardown (its upstream subscriber, or the remoting call), so this class
 * keeps the first one in a field of its own and leaves the rest to RxJS. When the upstream is a `LinkedSubscriber`
 * too, the two know each other, so an upstream that finishes first releases itself from its downstream (as RxJS does
 * for its own subscribers) and is not kept alive by it.
 *
 * It emits, errors and completes as `Subscriber` does: `error`/`complete` stop it (later notifications are ignored),
 * go downstream, then unsubscribe it; unsubscribing it runs its teardowns (the upstream included).
 * @internal
 */
export abstract class LinkedSubscriber<T, D = unknown> extends SlotSubscriber<T> {
  /** Set once it errored, completed or was unsubscribed: later notifications are ignored. */
  protected stopped = false;

  /** @param downstream - where this subscriber's results go; unsubscribing it unsubscribes this one */
  constructor(protected readonly downstream: Subscriber<D>) {
    super();
    downstream.add(this);
  }

  /** Handles a value (a throw is the subclass's to catch). */
  protected abstract onNext(value: T): void;

  /** Handles an upstream error; by default passes it downstream. */
  protected onError(error: unknown): void {
    this.downstream.error(error);
  }

  /** Handles the upstream's completion; by default completes downstream. */
  protected onComplete(): void {
    this.downstream.complete();
  }

  override next(value: T): void {
    if (!this.stopped) this.onNext(value);
  }

  override error(error: unknown): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      this.onError(error);
    } finally {
      this.unsubscribe();
    }
  }

  override complete(): void {
    if (this.stopped) return;
    this.stopped = true;
    try {
      this.onComplete();
    } finally {
      this.unsubscribe();
    }
  }

  override unsubscribe(): void {
    if (this.closed) return;
    this.stopped = true;
    super.unsubscribe();
  }

  /**
   * Stops being a teardown of `downstream`: for a step whose work moves on into `downstream` itself (see
   * {@link lightSwitchInto}), so that what it subscribes there can take the first slot.
   */
  protected releaseFromDownstream(): void {
    if (!this.releaseFromHolder()) this.downstream.remove(this);
  }
}

/** A synchronous step of a chain (see {@link lightStep}). */
interface StepStage {
  readonly run: undefined;
  readonly onValue: StepNext<unknown, unknown, unknown>;
  readonly onError: StepError<unknown, unknown> | undefined;
  readonly state: unknown;
}

/** A step that continues into a subscriber of its own choosing (see {@link lightSwitchInto}). */
interface SwitchStage {
  readonly run: (value: unknown, downstream: Subscriber<unknown>) => void;
  readonly onValue: undefined;
  readonly onError: undefined;
  readonly state: undefined;
}

type Stage = StepStage | SwitchStage;

/**
 * The `state` of a step stage that continues a switch (see {@link lightSwitchThrough}): the step gets the value the
 * switch started with.
 */
const SWITCH_VALUE: unique symbol = Symbol('switch value');

/**
 * The Observable of consecutive light steps: `source.pipe(stepA, stepB, switchC, stepD)` is ONE `StepChain` over
 * `source` with four stages, and a subscription to it is ONE {@link ChainSubscriber} that runs the stages in turn,
 * instead of one subscriber (and one `subscribe` call) per step. What goes downstream is exactly what the steps,
 * piped one by one, would send: the same values, errors and completion, in the same order.
 *
 * Stages are fused only where that cannot change what a step sees: a switch stage is never appended after a step
 * with an error handler (that step would miss an error of the source arriving while the switch runs).
 */
class StepChain<T> extends Observable<T> {
  constructor(
    readonly root: Observable<unknown>,
    readonly stages: readonly Stage[],
    readonly handlesErrors: boolean,
  ) {
    super((downstream) => {
      startChain(root, stages, downstream);
    });
  }

  /** What subscribing does (see {@link startChain}). */
  start(downstream: Subscriber<unknown>): void {
    startChain(this.root, this.stages, downstream);
  }
}

/**
 * One subscription of a {@link StepChain}: one {@link ChainSubscriber}, fed by the root. A context source feeds it
 * directly. Another root, when a switch in the middle may keep the chain running after the root completed, is
 * subscribed through a {@link RootSubscriber}, so that the root's subscription ends when the root completes (as it
 * would with the steps piped one by one).
 */
function startChain(root: Observable<unknown>, stages: readonly Stage[], downstream: Subscriber<unknown>): void {
  const chain = new ChainSubscriber(downstream, stages);
  if (root instanceof ContextObservable) root.feed(chain);
  else if (hasInnerSwitch(stages)) root.subscribe(new RootSubscriber(chain));
  else root.subscribe(chain);
}

function hasInnerSwitch(stages: readonly Stage[]): boolean {
  for (let at = 0; at < stages.length - 1; at++) if (stages[at]!.run !== undefined) return true;
  return false;
}

/** Passes a root's notifications to its chain, and ends the root's subscription once the root has finished. */
class RootSubscriber extends LinkedSubscriber<unknown, unknown> {
  protected onNext(value: unknown): void {
    this.downstream.next(value);
  }
}

/** An Observable that is, per subscription, the one `choose` returns (see {@link lightChoice}). */
class ChoiceObservable<T> extends Observable<T> {
  constructor(readonly choose: () => Observable<T>) {
    super((subscriber) => {
      subscribeInto(choose(), subscriber);
    });
  }
}

/**
 * An Observable that subscribes, per subscription, the Observable `choose` returns then (e.g. a chain with or without
 * hooks, as hooks are registered). Through {@link subscribeInto}, choosing costs no `subscribe` of its own.
 * @param choose - the Observable of this subscription
 * @internal
 */
export function lightChoice<T>(choose: () => Observable<T>): Observable<T> {
  return new ChoiceObservable<T>(choose);
}

/**
 * `target.subscribe(subscriber)` for a send step's subscriber: a chain of light steps (or a choice of one) is started
 * straight away — what its `subscribe` would do, without RxJS's per-call wrapping (a `subscribe` throwing fails the
 * subscriber, as RxJS does); any other Observable is subscribed as usual.
 * @param target - what to subscribe
 * @param subscriber - the subscriber (a `Subscriber`, not a partial observer)
 * @internal
 */
export function subscribeInto<T>(target: Observable<T>, subscriber: Subscriber<T>): void {
  let observable: Observable<T> = target;
  while (observable instanceof ChoiceObservable) observable = (observable as ChoiceObservable<T>).choose();
  if (observable instanceof StepChain) {
    try {
      (observable as StepChain<T>).start(subscriber as Subscriber<unknown>);
    } catch (error) {
      subscriber.error(error);
    }
    return;
  }
  observable.subscribe(subscriber);
}

/** `source` piped through `stage`: a longer chain when `source` is one that may take it, else a chain of its own. */
function withStage<A, B>(source: Observable<A>, stage: Stage): Observable<B> {
  const handlesErrors = stage.onError !== undefined;
  if (source instanceof StepChain && !(stage.run !== undefined && source.handlesErrors)) {
    return new StepChain<B>(source.root, [...source.stages, stage], source.handlesErrors || handlesErrors);
  }
  return new StepChain<B>(source, [stage], handlesErrors);
}

/**
 * Runs the stages of one {@link StepChain} subscription. It is handed to each stage as that stage's `downstream`:
 * `position` is the stage that a value arriving in `next` goes to, so a stage's emission continues with the stage
 * after it, and a step stage that has returned leaves `position` where it found it (the next value of the source
 * starts at the first stage again). A switch stage that continues later (a request waiting for its response) leaves
 * `position` after itself, so its value continues the chain when it comes. `pending` counts the sources still
 * running (the upstream and each switch's continuation): the chain completes downstream when all of them have.
 * A switch that is the last stage continues into downstream directly and steps out of the way (as
 * {@link lightSwitchInto} does).
 */
class ChainSubscriber extends LinkedSubscriber<unknown, unknown> {
  private position = 0;
  private pending = 1;
  private handedOver = false;
  /** The value the last switch stage started with (the state of a step that continues it). */
  private switchValue: unknown = undefined;

  constructor(
    downstream: Subscriber<unknown>,
    private readonly stages: readonly Stage[],
  ) {
    super(downstream);
  }

  protected onNext(value: unknown): void {
    const at = this.position;
    const stages = this.stages;
    if (at === stages.length) {
      this.downstream.next(value);
      return;
    }
    const stage = stages[at]!;
    this.position = at + 1;
    if (stage.run === undefined) {
      try {
        stage.onValue(value, this, stage.state === SWITCH_VALUE ? this.switchValue : stage.state);
      } catch (error) {
        this.error(error);
        return;
      }
      // Nothing continues later from inside this step (no switch after it waits): the next value starts here again.
      if (this.position === at + 1) this.position = at;
      return;
    }
    if (at === stages.length - 1) {
      // The last stage: its continuation talks to downstream directly, nothing of this chain stays alive for it.
      this.handedOver = true;
      this.releaseFromDownstream();
      try {
        stage.run(value, this.downstream);
      } catch (error) {
        this.downstream.error(error);
      }
      return;
    }
    this.pending++;
    this.switchValue = value;
    try {
      stage.run(value, this);
    } catch (error) {
      this.error(error);
    }
  }

  override error(error: unknown): void {
    if (this.stopped) return;
    if (this.handedOver) {
      // As mergeMap: a source error after the value went on still fails the stream.
      this.stopped = true;
      const downstream = this.downstream;
      this.unsubscribe();
      downstream.error(error);
      return;
    }
    const stages = this.stages;
    let failure = error;
    const from = this.position;
    for (let at = from; at < stages.length; at++) {
      const onError = stages[at]!.onError;
      if (onError === undefined) continue;
      // A step that continues a switch sees the errors of the switch's inner work only (they arrive at its position),
      // not one raised before the switch ran.
      if (stages[at]!.state === SWITCH_VALUE && at !== from) continue;
      // The step's handler passes the error on into this subscriber, which carries it to the stages after it.
      this.position = at + 1;
      const state = stages[at]!.state;
      try {
        onError(failure, this, state === SWITCH_VALUE ? this.switchValue : state);
        return;
      } catch (thrown) {
        failure = thrown;
      }
    }
    this.stopped = true;
    try {
      this.downstream.error(failure);
    } finally {
      this.unsubscribe();
    }
  }

  override complete(): void {
    if (this.stopped) return;
    if (this.handedOver) {
      this.stopped = true;
      this.unsubscribe();
      return;
    }
    if (--this.pending > 0) return;
    this.stopped = true;
    try {
      this.downstream.complete();
    } finally {
      this.unsubscribe();
    }
  }
}

/**
 * A synchronous one-subscriber step (see the module comment). Consecutive light steps share one subscriber per
 * subscription (see {@link StepChain}).
 * @param onValue - handles a value: emits into `downstream`, or not, or fails it
 * @param onError - sees an upstream error first and passes it on
 * @internal
 */
export function lightStep<A, B>(onValue: StepNext<A, B>, onError?: StepError<B>): OperatorFunction<A, B> {
  return lightStepWith<A, B, undefined>(undefined, onValue, onError);
}

/**
 * {@link lightStep} with state handed to the callbacks, so that the callbacks can be made once instead of as
 * closures over the state.
 * @param state - passed to every call of the callbacks
 * @param onValue - handles a value: emits into `downstream`, or not, or fails it
 * @param onError - sees an upstream error first and passes it on
 * @internal
 */
export function lightStepWith<A, B, S>(state: S, onValue: StepNext<A, B, S>, onError?: StepError<B, S>): OperatorFunction<A, B> {
  const stage: StepStage = {
    run: undefined,
    onValue: onValue as StepNext<unknown, unknown, unknown>,
    onError: onError as StepError<unknown, unknown> | undefined,
    state,
  };
  return (source) => withStage<A, B>(source, stage);
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
  return lightSwitchInto<A, B>((value, downstream) => {
    project(value).subscribe(downstream);
  });
}

/**
 * {@link lightSwitch} whose continuation subscribes `downstream` itself instead of returning an Observable, so that a
 * step can continue without building an Observable per value (e.g. into a chain built once per pipeline). A throw
 * fails the stream. `downstream` may get the value synchronously, during `run`.
 * @param run - continues the stream for the value into `downstream`
 * @internal
 */
export function lightSwitchInto<A, B>(run: (value: A, downstream: Subscriber<B>) => void): OperatorFunction<A, B> {
  const stage: SwitchStage = {
    run: run as (value: unknown, downstream: Subscriber<unknown>) => void,
    onValue: undefined,
    onError: undefined,
    state: undefined,
  };
  return (source) => withStage<A, B>(source, stage);
}

/**
 * A switch whose continuation goes through a step: `run` subscribes the inner work (e.g. a remoting call) to the
 * subscriber it is given, and each inner value and error goes to `onInner`/`onInnerError` with the switch's own value
 * as their state (e.g. to put a response into its send context). The same stream as
 * `lightSwitchInto` whose `run` subscribes the inner work through `lightStepWith(value, onInner, onInnerError)`, but
 * in a chain the inner work is subscribed to the chain's one subscriber, with no subscriber of its own.
 * @param run - starts the inner work for the value, into `inner`
 * @param onInner - handles an inner value (the switch's value as state): emits into `downstream`, or not, or fails it
 * @param onInnerError - sees an error of the inner work first and passes it on; an error raised before the switch
 *   ran goes past it. (In a chain, an error of the source while the inner work runs would reach it too: the send
 *   chains' sources emit their one value and complete, so there the errors it sees are the inner work's.)
 * @internal
 */
export function lightSwitchThrough<A, I, B>(
  run: (value: A, inner: Subscriber<I>) => void,
  onInner: StepNext<I, B, A>,
  onInnerError?: StepError<B, A>,
): OperatorFunction<A, B> {
  const switchStage: SwitchStage = {
    run: run as (value: unknown, downstream: Subscriber<unknown>) => void,
    onValue: undefined,
    onError: undefined,
    state: undefined,
  };
  const throughStage: StepStage = {
    run: undefined,
    onValue: onInner as StepNext<unknown, unknown, unknown>,
    onError: onInnerError as StepError<unknown, unknown> | undefined,
    state: SWITCH_VALUE,
  };
  return (source) => withStage<I, B>(withStage<A, I>(source, switchStage), throughStage);
}

/** See {@link contextSource}. @internal */
export interface ContextSource<C> {
  /** Emits the context of the {@link ContextSource.run} call whose subscription reaches it, then completes. */
  readonly source: Observable<C>;
  /**
   * Subscribes `subscriber` to `target` — a chain built once over `source` — for one `context`. The chain must reach
   * `source` synchronously while it is subscribed (every light step does); `source` takes the context then.
   */
  run<R>(context: C, target: Observable<R>, subscriber: Subscriber<R>): void;
}

/**
 * A reusable "context source": lets a pipeline compose its steps ONCE, over one source Observable, instead of
 * building `of(context).pipe(...)` for every send. Each subscription through {@link ContextSource.run} is still
 * one cold, independent run with its own subscribers; only the Observables are shared. Nested runs (a send started
 * from inside another one's emission) are safe: the context is taken before anything is emitted.
 * @internal
 */
export function contextSource<C>(): ContextSource<C> {
  const source = new ContextObservable<C>();
  return {
    source,
    run<R>(context: C, target: Observable<R>, subscriber: Subscriber<R>): void {
      source.run(context, target, subscriber);
    },
  };
}

/**
 * The Observable of a {@link contextSource}. A {@link StepChain} over it takes the context straight from it
 * ({@link ContextObservable.feed}) instead of subscribing: the same two notifications, without a `subscribe` call.
 */
class ContextObservable<C> extends Observable<C> {
  private current: C | undefined = undefined;
  private armed = false;

  constructor() {
    super((subscriber) => {
      this.feed(subscriber);
    });
  }

  /** What subscribing does: the armed context, then completion (an error outside {@link ContextObservable.run}). */
  feed(subscriber: Subscriber<C>): void {
    if (!this.armed) {
      subscriber.error(new Error('context source subscribed outside run()'));
      return;
    }
    const context = this.current as C;
    this.armed = false;
    this.current = undefined;
    subscriber.next(context);
    subscriber.complete();
  }

  run<R>(context: C, target: Observable<R>, subscriber: Subscriber<R>): void {
    const wasArmed = this.armed;
    const previous = this.current;
    this.current = context;
    this.armed = true;
    try {
      subscribeInto(target, subscriber);
    } finally {
      this.armed = wasArmed;
      this.current = previous;
    }
  }
}
