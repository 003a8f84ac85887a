/**
 * The one place the send operators are piped together, in order. Everything a send does is here, top to bottom:
 *
 *   validate → prepareMessage → resolveRoute → retrySend( selectQueue → compress → runHooks( encodeRequest →
 *   writeWire → correlate → toSendResult ) )
 *
 * `retrySend` re-enters the per-attempt part at `selectQueue`, so each retry picks a queue (on another broker) and
 * builds a fresh request for it; message preparation (unique id, properties, body) and compression happen once.
 * @internal
 */
import type { OperatorFunction, SchedulerLike, Subscriber } from 'rxjs';
import { catchError, defer, EMPTY, from, Observable, pipe, tap } from 'rxjs';
import { coarseTimerScheduler } from './coarse-timer-scheduler.js';
import { sendChannel } from './diagnostics.js';
import type { SendEvent } from './diagnostics.js';
import { MQBrokerError } from '../errors.js';
import type { Message, SendResult } from '../message/message.js';
import type { RemotingClient } from '../remoting/remoting-client.js';
import { ResponseCode } from '../remoting/response-code.js';
import type { TopicPublishInfo } from '../route/topic-publish-info.js';
import type { SendTrace } from '../telemetry/send-telemetry.js';
import type { ResolvedProducerOptions } from './config.js';
import type { MQFaultStrategy } from './fault/mq-fault-strategy.js';
import type { SendMode } from './hooks.js';
import {
  compress,
  correlate,
  encodeRequest,
  isRetriableSendError,
  prepareMessage,
  resolveRoute,
  retrySend,
  runHooks,
  selectQueue,
  toSendResult,
  validate,
  writeWire,
} from './operators/index.js';
import type { ProducerState } from './operators/index.js';
import { contextSource } from './operators/light-step.js';
import type { CompressedContext, PreparedContext, QueuedContext, SendContext, SendExtras } from './send-context.js';
import { createSendContext } from './send-context.js';

/** What the pipeline needs from its producer and client instance. @internal */
export interface SendPipelineDeps {
  readonly options: ResolvedProducerOptions;
  /** Producer group as sent (namespaced). */
  readonly producerGroup: string;
  /** Tags the diagnostics events. */
  readonly producerId: number;
  /** Client IP (hooks' `bornHost`). */
  readonly clientIP: string;
  readonly state: () => ProducerState;
  readonly client: Pick<RemotingClient, 'invoke$' | 'invokeOneway' | 'closeConnection'> & Partial<Pick<RemotingClient, 'peerVersion'>>;
  /** Route cache look-up (NameServer and TBW102 fallback behind it). */
  readonly lookupRoute: (topic: string) => Promise<TopicPublishInfo>;
  /** The route cache's synchronous answer (fresh route with a send queue), else `undefined`. */
  readonly cachedRoute?: (topic: string) => TopicPublishInfo | undefined;
  /** Drops a cached route so that the next look-up asks the NameServer. */
  readonly invalidateRoute: (topic: string) => void;
  readonly faultStrategy: Pick<MQFaultStrategy, 'selectOneMessageQueue' | 'updateFaultItem'>;
  /** Clock and timers of the send deadlines (tests pass a TestScheduler); default: one shared coarse timer. */
  readonly scheduler?: SchedulerLike;
  readonly createUniqueId?: () => string;
}

/**
 * The context of the send whose start is running right now (set by the send runner around its synchronous start,
 * cleared by the first attempt that takes its start time, or when the start returns): a first attempt that starts
 * within that run (the route came from the cache, so only the send's own steps ran since its clock read) takes the
 * send's `startedAt` as its own start instead of reading the clock again, as Java's first attempt starts at the
 * send's start when nothing waited in between. A clock read costs ~0.1 µs here; a send made four.
 */
let startingContext: object | null = null;

/** The first attempt's start of the send starting right now (see {@link startingContext}), else `undefined`. */
function firstAttemptStart(context: Routed): number | undefined {
  if (context !== startingContext) return undefined;
  startingContext = null;
  return context.startedAt;
}

/** Broker codes after which the topic's route is refreshed before the retry. */
const ROUTE_STALE_CODES: ReadonlySet<number> = new Set([ResponseCode.TOPIC_NOT_EXIST]);

type Routed = PreparedContext & SendContext & { route: TopicPublishInfo };

/**
 * The per-attempt part of a send — `selectQueue → compress → runHooks(encodeRequest → writeWire → correlate →
 * toSendResult)` — wrapped in `retrySend` for each mode. Single messages and batches share it; a batch skips
 * `compress` (batches are never compressed) and encodes SEND_BATCH_MESSAGE.
 * @internal
 */
export function createRetryingAttempt(
  deps: SendPipelineDeps,
  kind: 'message' | 'batch',
): Record<SendMode, OperatorFunction<Routed, SendResult>> {
  const o = deps.options;
  // Deadlines share one timer (a send's deadline is nearly always cancelled by its response long before it is due).
  const scheduler = deps.scheduler ?? coarseTimerScheduler;
  const now = (): number => scheduler.now();
  // No new attempt starts once the producer is shutting down: shutdown waits for the sends in flight, not for
  // their retries.
  const isRetriable = (error: unknown): boolean => deps.state() === 'RUNNING' && isRetriableSendError(error, o.retryResponseCodes);
  type Queued = Routed & QueuedContext;
  const compressStep: OperatorFunction<Queued, Queued & CompressedContext> =
    kind === 'batch'
      ? // The batch's wireBody is its records as they are (set when its context is built).
        (source) => source as Observable<Queued & CompressedContext>
      : compress<Queued>({
          compressMsgBodyOverHowmuch: o.compressMsgBodyOverHowmuch,
          compressLevel: o.compressLevel,
          compressType: o.compressType,
        });

  const attemptSteps = pipe(
    selectQueue<Routed>({
      faultStrategy: deps.faultStrategy,
      sendLatencyFaultEnable: o.sendLatencyFaultEnable,
      sendMessageWithVIPChannel: o.sendMessageWithVIPChannel,
    }),
    compressStep,
    runHooks(
      {
        checkForbiddenHooks: o.checkForbiddenHooks,
        sendMessageHooks: o.sendMessageHooks,
        producerGroup: deps.producerGroup,
        producerId: deps.producerId,
        nameSrvAddr: o.namesrvAddr.join(';'),
        bornHost: deps.clientIP,
        namespace: o.namespace,
        unitMode: o.unitMode,
      },
      pipe(
        encodeRequest({
          producerGroup: deps.producerGroup,
          createTopicKey: o.createTopicKey,
          defaultTopicQueueNums: o.defaultTopicQueueNums,
          unitMode: o.unitMode,
          batch: kind === 'batch',
          // The attempt's start is read from the wall clock when the deadlines run on the producer's own timer.
          bornAtAttemptStart: deps.scheduler === undefined,
          ...(deps.client.peerVersion ? { peerVersion: (addr: string) => deps.client.peerVersion!(addr) } : {}),
        }),
        writeWire({ client: deps.client, faultStrategy: deps.faultStrategy, now }),
        correlate(),
        toSendResult({
          namespace: o.namespace,
          retryResponseCodes: o.retryResponseCodes,
          faultStrategy: deps.faultStrategy,
          now,
        }),
      ),
    ),
  );
  // Every settled attempt goes to the send's telemetry and the diagnostics channel (nothing to do without either).
  const onAttemptSettled = (context: Routed, error: unknown): void => {
    if (context.trace !== null) context.trace.attemptSettled(context, error);
    if (!sendChannel.hasSubscribers) return;
    sendChannel.publish({
      producerId: deps.producerId,
      producerGroup: deps.producerGroup,
      topic: context.topic,
      brokerName: context.queue?.brokerName ?? null,
      attempt: context.attempt,
      durationMillis: now() - context.attemptStartedAt,
      error,
    } satisfies SendEvent);
  };
  // The attempt's chain is built once, over a reusable context source; an attempt is then its subscribers only.
  const attemptContext = contextSource<Routed>();
  const attempt$ = attemptSteps(attemptContext.source);
  const attempt = {
    into: (context: Routed, subscriber: Subscriber<SendResult>): void => attemptContext.run(context, attempt$, subscriber),
  };

  const beforeRetry = (error: unknown, context: Routed): Observable<unknown> => {
    if (!(error instanceof MQBrokerError)) return EMPTY;
    if (error.responseCode === ResponseCode.GO_AWAY && context.brokerAddr !== null) {
      // The broker is going away: drop its connection so that a later send reconnects (likely to its successor).
      deps.client.closeConnection(context.brokerAddr);
    }
    if (!ROUTE_STALE_CODES.has(error.responseCode)) return EMPTY;
    deps.invalidateRoute(context.topic);
    return defer(() => from(deps.lookupRoute(context.topic))).pipe(
      tap((info) => {
        context.route = info;
      }),
      // Keep the old route if the refresh fails: the retry still goes to another broker.
      catchError(() => EMPTY),
    );
  };

  const retryFor = (mode: SendMode): OperatorFunction<Routed, SendResult> =>
    retrySend<Routed, SendResult>(attempt, {
      mode,
      retryTimesWhenSendFailed: o.retryTimesWhenSendFailed,
      retryTimesWhenSendAsyncFailed: o.retryTimesWhenSendAsyncFailed,
      retryAnotherBrokerWhenNotStoreOK: o.retryAnotherBrokerWhenNotStoreOK,
      sendMsgMaxTimeoutPerRequest: o.sendMsgMaxTimeoutPerRequest,
      beforeRetry,
      isRetriable,
      scheduler,
      onAttemptSettled,
      firstAttemptStart,
    });
  return { sync: retryFor('sync'), async: retryFor('async'), oneway: retryFor('oneway') };
}

/**
 * Runs one send into `subscriber`: one subscription of the send Observable (`extras`: transactional/system
 * properties; `trace`: its telemetry; `startedAt`: a `Date.now()` the caller read for this send's start, taken as
 * the send's start instead of a clock read of its own — ignored when the deadlines run on a scheduler of their own).
 * @internal
 */
export type SendRunner = (
  message: Message,
  mode: SendMode,
  timeoutMillis: number,
  subscriber: Subscriber<SendResult>,
  extras?: SendExtras,
  trace?: SendTrace | null,
  startedAt?: number,
) => void;

/**
 * Builds the producer's send: the chain of every mode is composed once, over a reusable context source; each run is
 * one send with a fresh context (created when it is subscribed).
 * @internal
 */
export function createSendRunner(deps: SendPipelineDeps): SendRunner {
  const o = deps.options;
  const scheduler = deps.scheduler ?? coarseTimerScheduler;
  const now = (): number => scheduler.now();
  const prepareAndRoute = pipe(
    validate<SendContext>({ state: deps.state, maxMessageSize: o.maxMessageSize }),
    prepareMessage({
      namespace: o.namespace,
      producerGroup: deps.producerGroup,
      wallClockStart: deps.scheduler === undefined,
      ...(deps.createUniqueId ? { createUniqueId: deps.createUniqueId } : {}),
    }),
    resolveRoute({ lookup: deps.lookupRoute, cached: deps.cachedRoute, createTopicKey: o.createTopicKey, scheduler }),
  );
  const retry = createRetryingAttempt(deps, 'message');
  const sendContext = contextSource<SendContext>();
  const routed = prepareAndRoute(sendContext.source);
  const sends: Record<SendMode, Observable<SendResult>> = {
    sync: retry.sync(routed),
    async: retry.async(routed),
    oneway: retry.oneway(routed),
  };
  // A caller's wall-clock reading is the deadline clock's only when the deadlines run on the producer's own timer.
  const wallClock = deps.scheduler === undefined;
  return (message, mode, timeoutMillis, subscriber, extras, trace, startedAt) => {
    const context = createSendContext(message, mode, startedAt !== undefined && wallClock ? startedAt : now(), timeoutMillis, extras);
    if (trace !== undefined && trace !== null) {
      context.trace = trace;
      trace.attached(context);
    }
    // With a trace, its start ran since the clock read: the first attempt reads the clock itself.
    startingContext = trace === undefined || trace === null ? context : null;
    try {
      sendContext.run(context, sends[mode], subscriber);
    } finally {
      startingContext = null;
    }
  };
}

/**
 * Builds the producer's `send$`: a cold Observable per call; each subscription is one send with its own context.
 * @internal
 */
export function createSendPipeline(
  deps: SendPipelineDeps,
): (message: Message, mode: SendMode, timeoutMillis: number, extras?: SendExtras, trace?: SendTrace | null) => Observable<SendResult> {
  const run = createSendRunner(deps);
  return (message, mode, timeoutMillis, extras, trace) =>
    new Observable<SendResult>((subscriber) => {
      run(message, mode, timeoutMillis, subscriber, extras, trace);
    });
}
