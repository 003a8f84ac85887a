import type { ObservableInput, OperatorFunction, SchedulerAction, SchedulerLike, Subscriber, Subscription } from 'rxjs';
import { Observable, asyncScheduler, concat, defer, from, ignoreElements, of, retry, throwError } from 'rxjs';
import { LinkedSubscriber, lightSwitchInto } from './light-step.js';
import { CoarseTimerScheduler } from '../coarse-timer-scheduler.js';
import type { CoarseTimerBucket, CoarseTimerEntry } from '../coarse-timer-scheduler.js';
import { MQAclError, MQBrokerError, RemotingTimeoutError, RocketMQError } from '../../errors.js';
import type { SendMode } from '../hooks.js';

/** The fields of the send context that the retry loop reads and writes. @internal */
export interface RetryState<R> {
  /** No attempt starts after this instant, and none waits past it (scheduler clock, ms). */
  readonly deadline: number;
  /** Attempts started so far. */
  attempt: number;
  /** Timeout handed to the attempt that is starting. */
  attemptTimeout: number;
  /** When the current attempt started. */
  attemptStartedAt: number;
  /** The last result an attempt produced (sync may return a non-OK one in the end). */
  result: R | null;
}

/** Options of {@link retrySend}. @internal */
export interface RetrySendOptions<C> {
  /** Send mode: sync loops, async uses RxJS `retry`, oneway makes one attempt. */
  readonly mode: SendMode;
  /** Extra sync attempts. */
  readonly retryTimesWhenSendFailed: number;
  /** Extra async attempts (the `count` of RxJS `retry`). */
  readonly retryTimesWhenSendAsyncFailed: number;
  /** Sync: a stored-but-not-SEND_OK result starts the next attempt. */
  readonly retryAnotherBrokerWhenNotStoreOK: boolean;
  /** Cap of each attempt that still has a retry after it; `-1` = none. */
  readonly sendMsgMaxTimeoutPerRequest: number;
  /** Whether an attempt's error may succeed on another attempt. */
  readonly isRetriable: (error: unknown) => boolean;
  /** Work to finish before the next attempt (e.g. refresh a stale route); its values are ignored. */
  readonly beforeRetry?: (error: unknown, context: C) => ObservableInput<unknown> | void;
  /** Clock and timers; tests pass a TestScheduler. */
  readonly scheduler?: SchedulerLike;
  /**
   * The start of a send's first attempt when the caller already read the clock for it (scheduler time, e.g. the
   * send's start read a moment before in the same synchronous run, with only the send's own steps in between), else
   * `undefined`: the attempt reads the scheduler's clock itself.
   */
  readonly firstAttemptStart?: (context: C) => number | undefined;
  /**
   * Told of every attempt that produced a value (`error` null) or failed (not of one cut off by its deadline or
   * unsubscribed); a throw becomes the attempt's error.
   */
  readonly onAttemptSettled?: (context: C, error: unknown) => void;
}

/**
 * Whether a failed send attempt may succeed if tried again: broker errors whose code is in `retryResponseCodes`,
 * except ACL refusals (`MQAclError`), and any other rocketmq-rx error flagged `retriable` (connect, write and timeout
 * failures). Anything else (a bug, a refused send, a too-much-request error) is final.
 * @internal
 */
export function isRetriableSendError(error: unknown, retryResponseCodes: ReadonlySet<number>): boolean {
  // Every broker of a cluster shares the ACL: unlike Java (code 1 is in its retry list), a refusal is final.
  if (error instanceof MQAclError) return false;
  if (error instanceof MQBrokerError) return retryResponseCodes.has(error.responseCode);
  if (error instanceof RocketMQError) return error.retriable;
  return false;
}

/** What an attempt subscriber does with its attempt's outcome. */
const enum Role {
  /** Passes everything on (oneway, and the async attempts under RxJS `retry`). */
  Plain,
  /** The first async attempt: its error goes to the retry decision (`retry`'s first error, see {@link retrySend}). */
  FirstAsync,
  /** A sync attempt: the sync loop's decision (next attempt, last result or last error). */
  Sync,
}

/** The per-send-mode decisions an {@link AttemptSubscriber} hands its outcome to. */
interface AttemptLoop<C, R> {
  /** A sync attempt's value (kept as the send's result): whether another attempt should follow it. */
  syncRetries(value: R, context: C): boolean;
  /** Starts the next sync attempt into `downstream`. */
  syncNext(context: C, downstream: Subscriber<R>): void;
  /** A sync attempt's error: the next attempt, the stored result, or the error. */
  syncError(error: unknown, context: C, downstream: Subscriber<R>): void;
  /** The first async attempt's error: `retry`'s decision. */
  firstAsyncError(error: unknown, context: C, downstream: Subscriber<R>): void;
  /** Told of every attempt that produced a value or an error (not of one cut off by its deadline). */
  settled: ((context: C, error: unknown) => void) | undefined;
}

/**
 * One attempt's subscriber, whatever the mode: the attempt's cut-off (as `timeout({ first })` with a
 * `RemotingTimeoutError`, one timer entry), the "attempt settled" notification, and the retry decision of its mode
 * — one object per attempt, alive for the attempt's round trip, and one class for every mode, so that the call
 * sites it goes through stay monomorphic whatever mix of sync and async sends a process makes.
 */
class AttemptSubscriber<C, R> extends LinkedSubscriber<R, R> implements CoarseTimerEntry {
  private timer: Subscription | null = null;
  /** The shared coarse timer this attempt is its own entry of, while armed there. */
  private coarse: CoarseTimerScheduler | null = null;
  bucket: CoarseTimerBucket | null = null;
  slot = -1;
  private seen = false;
  /** A sync attempt whose value started the next attempt: what it does after that is of no interest. */
  private superseded = false;

  constructor(
    downstream: Subscriber<R>,
    private readonly context: C,
    private readonly loop: AttemptLoop<C, R>,
    private readonly role: Role,
    private readonly timeoutMillis: number,
    private readonly attempt: number,
  ) {
    super(downstream);
  }

  /** Arms the deadline; `now` is the scheduler's time when the attempt started. */
  arm(scheduler: SchedulerLike, now: number): void {
    if (this.seen || this.closed) return;
    if (scheduler instanceof CoarseTimerScheduler) {
      // The attempt is its own timer entry: no action (a Subscription) per attempt.
      this.coarse = scheduler;
      scheduler.enqueue(this, this.timeoutMillis, now);
      return;
    }
    this.timer = scheduler.schedule(expireDeadline, this.timeoutMillis, this as AttemptSubscriber<unknown, unknown>);
  }

  /** @internal The deadline, when armed on the coarse timer. */
  onTimer(): void {
    this.coarse = null;
    this.expire();
  }

  expire(): void {
    this.timer = null;
    const downstream = this.downstream;
    // As `timeout`: the attempt is unsubscribed first, then the error goes on (to the retry decision, as an error
    // of the attempt would).
    this.unsubscribe();
    this.decideError(
      new RemotingTimeoutError(`send attempt ${this.attempt} timed out after ${this.timeoutMillis} ms`, this.timeoutMillis),
      downstream,
    );
  }

  protected onNext(value: R): void {
    this.seen = true;
    this.disarm();
    const settled = this.loop.settled;
    if (settled !== undefined) {
      try {
        settled(this.context, null);
      } catch (error) {
        this.error(error);
        return;
      }
    }
    if (this.role !== Role.Sync) {
      this.downstream.next(value);
      return;
    }
    const downstream = this.downstream;
    if (!this.loop.syncRetries(value, this.context)) {
      downstream.next(value);
      return;
    }
    this.superseded = true;
    this.unsubscribe();
    this.loop.syncNext(this.context, downstream);
  }

  override error(error: unknown): void {
    if (this.stopped) return;
    this.disarm();
    let failure = error;
    const settled = this.loop.settled;
    if (settled !== undefined) {
      try {
        settled(this.context, error);
      } catch (thrown) {
        failure = thrown;
      }
    }
    const downstream = this.downstream;
    // As `retry`/`catchError`: the failed attempt is torn down before anything else happens.
    this.unsubscribe();
    this.decideError(failure, downstream);
  }

  override complete(): void {
    if (this.stopped) return;
    this.disarm();
    const downstream = this.downstream;
    const superseded = this.superseded;
    this.unsubscribe();
    if (!superseded) downstream.complete();
  }

  override unsubscribe(): void {
    this.disarm();
    super.unsubscribe();
  }

  private decideError(error: unknown, downstream: Subscriber<R>): void {
    if (this.superseded) return;
    try {
      if (this.role === Role.Sync) this.loop.syncError(error, this.context, downstream);
      else if (this.role === Role.FirstAsync) this.loop.firstAsyncError(error, this.context, downstream);
      else downstream.error(error);
    } catch (thrown) {
      downstream.error(thrown);
    }
  }

  private disarm(): void {
    const coarse = this.coarse;
    if (coarse != null) {
      this.coarse = null;
      coarse.dequeue(this);
    }
    const timer = this.timer;
    // `!= null`: unsubscribe() can run from the base constructor (a closed downstream), before this field is set.
    if (timer != null) {
      this.timer = null;
      timer.unsubscribe();
    }
  }
}

function expireDeadline(this: SchedulerAction<AttemptSubscriber<unknown, unknown>>, subscriber?: AttemptSubscriber<unknown, unknown>): void {
  subscriber!.expire();
}

/** Work before a retry (its values ignored): its completion starts the next attempt; its error fails the send. */
class RetryNotifierSubscriber<C, R> extends LinkedSubscriber<unknown, R> {
  constructor(
    downstream: Subscriber<R>,
    private readonly context: C,
    private readonly lastError: unknown,
    private readonly start: (context: C, lastError: unknown, downstream: Subscriber<R>) => void,
  ) {
    super(downstream);
  }

  protected onNext(): void {}

  protected override onComplete(): void {
    this.start(this.context, this.lastError, this.downstream);
  }
}

/** `retry`'s notifier subscriber: a value starts the next attempts, an error fails the send, completion completes it. */
class RetryValueSubscriber<R> extends LinkedSubscriber<unknown, R> {
  constructor(
    downstream: Subscriber<R>,
    private readonly next$: Observable<R>,
  ) {
    super(downstream);
  }

  protected onNext(): void {
    const downstream = this.downstream;
    this.unsubscribe();
    this.next$.subscribe(downstream);
  }
}

/**
 * An attempt given as "subscribe this subscriber to one attempt for this context", so that the attempt's chain can
 * be built once per pipeline (see `contextSource` in `light-step.ts`) instead of as an Observable per attempt.
 * @internal
 */
export interface AttemptInto<C, R> {
  readonly into: (context: C, subscriber: Subscriber<R>) => void;
}

/**
 * The one place send retries happen, in the two shapes of the Java client:
 * - `sync`: up to `1 + retryTimesWhenSendFailed` attempts; a retriable error (or, with
 *   `retryAnotherBrokerWhenNotStoreOK`, a non-`SEND_OK` result) starts the next one; when they run out the last error
 *   is reported (or the last non-OK result returned, as Java does);
 * - `async`: RxJS `retry({ count: retryTimesWhenSendAsyncFailed })` around the same attempt, on the same retriable
 *   errors;
 * - `oneway`: exactly one attempt.
 *
 * `deadline` is one budget over every attempt: each attempt gets the time left (capped by
 * `sendMsgMaxTimeoutPerRequest` when a retry could follow) and is cut off with `RemotingTimeoutError` when it runs
 * out; no attempt starts once it is spent. Each attempt re-enters the per-attempt pipeline (`attempt`), which picks
 * a queue on another broker.
 *
 * @param attempt - one attempt: select queue → … → result (emits at most one value; none for oneway).
 * @param options - retry counts, classification, clock.
 * @returns an operator from the prepared context to the send result.
 * @internal
 */
export function retrySend<C extends RetryState<R>, R extends { readonly sendStatus: string }>(
  attempt: ((context: C) => Observable<R>) | AttemptInto<C, R>,
  options: RetrySendOptions<C>,
): OperatorFunction<C, R> {
  const into =
    typeof attempt === 'function'
      ? (context: C, subscriber: Subscriber<R>): void => {
          attempt(context).subscribe(subscriber);
        }
      : attempt.into;
  const scheduler = options.scheduler ?? asyncScheduler;
  const total =
    options.mode === 'sync'
      ? 1 + options.retryTimesWhenSendFailed
      : options.mode === 'async'
        ? 1 + options.retryTimesWhenSendAsyncFailed
        : 1;

  const pause = (error: unknown, context: C): Observable<unknown> => {
    const work = options.beforeRetry?.(error, context);
    return work ? concat(from(work).pipe(ignoreElements()), of(0)) : of(0);
  };

  // The async retry is RxJS `retry({ count: retryTimesWhenSendAsyncFailed })` around the attempt. Nearly every send
  // succeeds on its first attempt, so the first attempt runs without it (one subscriber instead of retry's
  // subscriber and closures, alive for the whole round trip); its error does exactly what `retry` does with a first
  // error, and the attempts after it run under `retry` with the count that is left.
  const asyncDelay = (error: unknown, context: C): ObservableInput<unknown> =>
    !options.isRetriable(error) || scheduler.now() >= context.deadline ? throwError(() => error) : pause(error, context);

  // The sync loop (Java `sendDefaultImpl`): an attempt's outcome decides whether the next one starts.
  const syncMore = (context: C): boolean => context.attempt < total && scheduler.now() < context.deadline;
  const loop: AttemptLoop<C, R> = {
    settled: options.onAttemptSettled,
    syncRetries: (value, context) => {
      context.result = value;
      return value.sendStatus !== 'SEND_OK' && options.retryAnotherBrokerWhenNotStoreOK && syncMore(context);
    },
    syncNext: (context, downstream) => startAttemptInto(context, null, downstream, Role.Sync),
    syncError: (error, context, downstream) => {
      if (syncMore(context) && options.isRetriable(error)) {
        const work = options.beforeRetry?.(error, context);
        if (!work) startAttemptInto(context, error, downstream, Role.Sync);
        else from(work).subscribe(new RetryNotifierSubscriber<C, R>(downstream, context, error, startSync));
        return;
      }
      // Java hands back a stored (non-OK) result of an earlier attempt rather than the later error.
      if (context.result !== null) {
        downstream.next(context.result);
        downstream.complete();
        return;
      }
      downstream.error(error);
    },
    firstAsyncError: (error, context, downstream) => {
      let lastError: unknown = error;
      const notifier = from(asyncDelay(error, context));
      const rest = defer(() => startAttempt(context, lastError)).pipe(
        retry({
          count: options.retryTimesWhenSendAsyncFailed - 1,
          resetOnSuccess: false,
          delay: (later: unknown) => {
            lastError = later;
            return asyncDelay(later, context);
          },
        }),
      );
      notifier.subscribe(new RetryValueSubscriber<R>(downstream, rest));
    },
  };

  // One attempt into `downstream`: its attempt subscriber and whatever `into` subscribes, no Observable of its own.
  const firstAttemptStart = options.firstAttemptStart;
  const startAttemptInto = (context: C, lastError: unknown, downstream: Subscriber<R>, role: Role): void => {
    const known = context.attempt === 0 && firstAttemptStart !== undefined ? firstAttemptStart(context) : undefined;
    const now = known ?? scheduler.now();
    const left = context.deadline - now;
    if (left <= 0) {
      downstream.error(lastError ?? new RemotingTimeoutError('send timed out before an attempt could start', 0));
      return;
    }
    context.attempt += 1;
    context.attemptStartedAt = now;
    const cap = options.sendMsgMaxTimeoutPerRequest;
    const perAttempt = cap > -1 && context.attempt < total && left > cap ? cap : left;
    context.attemptTimeout = perAttempt;
    const subscriber = new AttemptSubscriber<C, R>(downstream, context, loop, role, perAttempt, context.attempt);
    into(context, subscriber);
    subscriber.arm(scheduler, now);
  };
  const startSync = (context: C, lastError: unknown, downstream: Subscriber<R>): void =>
    startAttemptInto(context, lastError, downstream, Role.Sync);
  const startAttempt = (context: C, lastError: unknown): Observable<R> =>
    new Observable<R>((downstream) => startAttemptInto(context, lastError, downstream, Role.Plain));

  return lightSwitchInto<C, R>((context, downstream) => {
    switch (options.mode) {
      case 'sync':
        startAttemptInto(context, null, downstream, Role.Sync);
        return;
      case 'async':
        // `retry` with count 0 is the identity.
        startAttemptInto(context, null, downstream, options.retryTimesWhenSendAsyncFailed <= 0 ? Role.Plain : Role.FirstAsync);
        return;
      default:
        startAttemptInto(context, null, downstream, Role.Plain);
    }
  });
}
