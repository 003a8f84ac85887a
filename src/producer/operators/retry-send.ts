import type { ObservableInput, OperatorFunction, SchedulerLike ,
  Observable} from 'rxjs';
import {
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
  timeout,
} from 'rxjs';
import { MQBrokerError, RemotingTimeoutError, RocketMQError } from '../../errors.js';
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
 * and any other rocketmq-rx error flagged `retriable` (connect, write and timeout failures). Anything else (a bug,
 * a refused send, a too-much-request error) is final.
 * @internal
 */
export function isRetriableSendError(error: unknown, retryResponseCodes: ReadonlySet<number>): boolean {
  if (error instanceof MQBrokerError) return retryResponseCodes.has(error.responseCode);
  if (error instanceof RocketMQError) return error.retriable;
  return false;
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
  attempt: (context: C) => Observable<R>,
  options: RetrySendOptions<C>,
): OperatorFunction<C, R> {
  const scheduler = options.scheduler ?? asyncScheduler;
  const total =
    options.mode === 'sync'
      ? 1 + options.retryTimesWhenSendFailed
      : options.mode === 'async'
        ? 1 + options.retryTimesWhenSendAsyncFailed
        : 1;

  const startAttempt = (context: C, lastError: unknown): Observable<R> =>
    defer(() => {
      const now = scheduler.now();
      const left = context.deadline - now;
      if (left <= 0) {
        return throwError(() => lastError ?? new RemotingTimeoutError('send timed out before an attempt could start', 0));
      }
      context.attempt += 1;
      context.attemptStartedAt = now;
      const cap = options.sendMsgMaxTimeoutPerRequest;
      const perAttempt = cap > -1 && context.attempt < total && left > cap ? cap : left;
      context.attemptTimeout = perAttempt;
      return attempt(context).pipe(
        timeout({
          first: perAttempt,
          scheduler,
          with: () =>
            throwError(() => new RemotingTimeoutError(`send attempt ${context.attempt} timed out after ${perAttempt} ms`, perAttempt)),
        }),
      );
    });

  const pause = (error: unknown, context: C): Observable<unknown> => {
    const work = options.beforeRetry?.(error, context);
    return work ? concat(from(work).pipe(ignoreElements()), of(0)) : of(0);
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

  return (source) =>
    source.pipe(
      mergeMap((context) => {
        switch (options.mode) {
          case 'sync':
            return syncLoop(context, null);
          case 'async': {
            let lastError: unknown = null;
            return defer(() => startAttempt(context, lastError)).pipe(
              retry({
                count: options.retryTimesWhenSendAsyncFailed,
                resetOnSuccess: false,
                delay: (error: unknown) => {
                  lastError = error;
                  if (!options.isRetriable(error) || scheduler.now() >= context.deadline) return throwError(() => error);
                  return pause(error, context);
                },
              }),
            );
          }
          default:
            return startAttempt(context, null);
        }
      }),
    );
}
