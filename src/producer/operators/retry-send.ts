import type { ObservableInput, OperatorFunction, SchedulerAction, SchedulerLike, Subscriber, Subscription } from 'rxjs';
import {
  Observable,
  asyncScheduler,
  catchError,
  concat,
  defer,
  from,
  ignoreElements,
  map,
  mergeMap,
  of,
  retry,
  throwError,
} from 'rxjs';
import { LinkedSubscriber, lightSwitchInto } from './light-step.js';
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

/**
 * The attempt's cut-off, as `timeout({ first })` with a `RemotingTimeoutError`, but one subscriber object and one
 * timer entry per attempt (no closures): it stays alive for the attempt's whole round trip.
 */
class DeadlineSubscriber<R> extends LinkedSubscriber<R, R> {
  private timer: Subscription | null = null;
  private seen = false;

  constructor(
    downstream: Subscriber<R>,
    private readonly timeoutMillis: number,
    private readonly attempt: number,
  ) {
    super(downstream);
  }

  arm(scheduler: SchedulerLike): void {
    if (!this.seen && !this.closed) this.timer = scheduler.schedule(expireDeadline, this.timeoutMillis, this as DeadlineSubscriber<unknown>);
  }

  expire(): void {
    this.timer = null;
    const downstream = this.downstream;
    // As `timeout`: the attempt is unsubscribed first, then the error goes downstream.
    this.unsubscribe();
    downstream.error(
      new RemotingTimeoutError(`send attempt ${this.attempt} timed out after ${this.timeoutMillis} ms`, this.timeoutMillis),
    );
  }

  protected onNext(value: R): void {
    this.seen = true;
    this.disarm();
    this.downstream.next(value);
  }

  protected override onError(error: unknown): void {
    this.disarm();
    this.downstream.error(error);
  }

  protected override onComplete(): void {
    this.disarm();
    this.downstream.complete();
  }

  override unsubscribe(): void {
    this.disarm();
    super.unsubscribe();
  }

  private disarm(): void {
    const timer = this.timer;
    // `!= null`: unsubscribe() can run from the base constructor (a closed downstream), before this field is set.
    if (timer != null) {
      this.timer = null;
      timer.unsubscribe();
    }
  }
}

function expireDeadline(this: SchedulerAction<DeadlineSubscriber<unknown>>, subscriber?: DeadlineSubscriber<unknown>): void {
  subscriber!.expire();
}

/** The first async attempt: passes everything on, except that its error goes to `onError` (the retry decision). */
class FirstAsyncAttempt<C, R> extends LinkedSubscriber<R, R> {
  constructor(
    downstream: Subscriber<R>,
    private readonly context: C,
    private readonly onFailure: (error: unknown, context: C, downstream: Subscriber<R>) => void,
  ) {
    super(downstream);
  }

  protected onNext(value: R): void {
    this.downstream.next(value);
  }

  override error(error: unknown): void {
    if (this.closed) return;
    const downstream = this.downstream;
    // As `retry`: the failed attempt is torn down before the next one is subscribed.
    this.unsubscribe();
    try {
      this.onFailure(error, this.context, downstream);
    } catch (thrown) {
      downstream.error(thrown);
    }
  }
}

/** `retry`'s notifier subscriber: a value starts the next attempts, an error fails the send, completion completes it. */
class RetryNotifierSubscriber<R> extends LinkedSubscriber<unknown, R> {
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

type Outcome<R> = { readonly ok: true; readonly value: R } | { readonly ok: false; readonly error: unknown };

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

  // One attempt into `downstream`: the deadline subscriber and whatever `into` subscribes, no Observable of its own.
  const startAttemptInto = (context: C, lastError: unknown, downstream: Subscriber<R>): void => {
    const now = scheduler.now();
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
    const subscriber = new DeadlineSubscriber<R>(downstream, perAttempt, context.attempt);
    into(context, subscriber);
    subscriber.arm(scheduler);
  };
  const startAttempt = (context: C, lastError: unknown): Observable<R> =>
    new Observable<R>((downstream) => startAttemptInto(context, lastError, downstream));

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
  const afterFirstAsyncError = (error: unknown, context: C, downstream: Subscriber<R>): void => {
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
    notifier.subscribe(new RetryNotifierSubscriber<R>(downstream, rest));
  };

  const syncLoop = (context: C, lastError: unknown): Observable<R> =>
    startAttempt(context, lastError).pipe(
      map((value): Outcome<R> => ({ ok: true, value })),
      catchError((error: unknown) => of<Outcome<R>>({ ok: false, error })),
      mergeMap((outcome): Observable<R> => {
        const more = context.attempt < total && scheduler.now() < context.deadline;
        if (outcome.ok) {
          context.result = outcome.value;
          if (outcome.value.sendStatus !== 'SEND_OK' && options.retryAnotherBrokerWhenNotStoreOK && more) {
            return syncLoop(context, lastError);
          }
          return of(outcome.value);
        }
        if (more && options.isRetriable(outcome.error)) {
          return concat(pause(outcome.error, context).pipe(ignoreElements()), defer(() => syncLoop(context, outcome.error)));
        }
        // Java hands back a stored (non-OK) result of an earlier attempt rather than the later error.
        if (context.result !== null) return of(context.result);
        return throwError(() => outcome.error);
      }),
    );

  return lightSwitchInto<C, R>((context, downstream) => {
    switch (options.mode) {
      case 'sync':
        syncLoop(context, null).subscribe(downstream);
        return;
      case 'async':
        // `retry` with count 0 is the identity.
        if (options.retryTimesWhenSendAsyncFailed <= 0) startAttemptInto(context, null, downstream);
        else startAttemptInto(context, null, new FirstAsyncAttempt<C, R>(downstream, context, afterFirstAsyncError));
        return;
      default:
        startAttemptInto(context, null, downstream);
    }
  });
}
