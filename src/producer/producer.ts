import type { OperatorFunction, Subscriber } from 'rxjs';
import { Observable, Subscription, defer, firstValueFrom, lastValueFrom, map, throwError } from 'rxjs';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ProducerEvent } from './diagnostics.js';
import { InvalidOptionError, MQClientError } from '../errors.js';
import type { Message, SendResult } from '../message/message.js';
import { localIPv4 } from '../message/message-id.js';
import { AsyncSendObserver } from './async-send-observer.js';
import type { InflightTracker, SelfTracked } from './async-send-observer.js';
import { InflightSends } from './inflight-sends.js';
import { ClientInstance } from './client-instance.js';
import type { ProducerOptions, ResolvedProducerOptions } from './config.js';
import { LATENCY_TABLES_4_9, resolveOptions } from './config.js';
import { FaultTolerancePresets, MQFaultStrategy } from './fault/mq-fault-strategy.js';
import type { CheckForbiddenHook, SendMessageHook, SendMode } from './hooks.js';
import { withNamespace } from './namespace.js';
import { notRunningError } from './operators/validate.js';
import type { ProducerState } from './operators/validate.js';
import { createSendRunner } from './send-pipeline.js';
import type { SendPipelineDeps, SendRunner } from './send-pipeline.js';
import { pinnedSend$, queueChoiceOf } from './pinned-send.js';
import type { SendExtras } from './send-context.js';
import { withoutNamespace } from './namespace.js';
import { sendInTransaction$, TransactionChecker } from '../transaction/transaction-flow.js';
import type { TransactionSteps } from '../transaction/transaction-flow.js';
import type { TransactionSendResult } from '../transaction/transaction-listener.js';
import { createCorrelationId } from '../request-reply/request-futures.js';
import type { ReplyMessage } from '../request-reply/reply-message.js';
import { requestSettledChannel } from '../request-reply/diagnostics.js';
import type { BatchSender } from './batch/batch-pipeline.js';
import { createBatchSender } from './batch/batch-pipeline.js';
import { prepareBatchList, splitBatch } from './batch/batch-message.js';
import type { PublishOptions, PublishOutcome } from './publish/publish.js';
import type { RequestOptions, SendCallback, SendOptions } from './send-options.js';
import { PublishSend, publishOperator } from './publish/publish.js';
import type { BatchItem } from './batch/batch-message.js';
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from '../message/properties.js';
import { resolveTelemetry } from '../telemetry/otel.js';
import { ProducerTelemetry } from '../telemetry/send-telemetry.js';
import type { RocketMQMessageKind, SendSpan, StepSpan } from '../telemetry/send-telemetry.js';
import { AsyncTraceDispatcher } from '../trace/async-trace-dispatcher.js';
import { SendTraceHook } from '../trace/send-trace-hook.js';
import { BrokerLatencyRecorder } from './broker-latency.js';
import type { ProducerMetrics } from './producer-metrics.js';
import { attachLogger } from './producer-logger.js';
import { SyncSendObservable, SyncSendSubscriber } from './sync-send.js';
import type { SyncSendStart } from './sync-send.js';

function sameTables(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/** The `messaging.rocketmq.message.type` of a send. */
function messageKind(message: Message, ordered: boolean): RocketMQMessageKind {
  const props = message.properties;
  if (props?.['TRAN_MSG'] === 'true') return 'transaction';
  if ((message.delayTimeLevel ?? 0) > 0 || props?.['__STARTDELIVERTIME'] !== undefined || props?.['TIMER_DELIVER_MS'] !== undefined) {
    return 'delay';
  }
  return ordered ? 'fifo' : 'normal';
}

/** The local transaction and END_TRANSACTION as child spans of the half message's send span. */
function transactionSteps(telemetry: ProducerTelemetry, halfSpan: () => SendSpan | null): TransactionSteps {
  const topicOf = (result: SendResult): string => result.messageQueue.topic;
  return {
    localTransaction: (result) => {
      const step = telemetry.startStep(halfSpan(), {
        topic: topicOf(result),
        operation: 'local_transaction',
        kind: 'internal',
        attributes: { 'messaging.message.id': result.msgId, 'rocketmq.transaction.id': result.transactionId ?? result.msgId },
      });
      return (state, error) => step?.end(error, { 'rocketmq.transaction.state': state });
    },
    endTransaction: (result, state) => {
      const step = telemetry.startStep(halfSpan(), {
        topic: topicOf(result),
        operation: 'end_transaction',
        kind: 'client',
        attributes: { 'messaging.message.id': result.msgId, 'rocketmq.transaction.state': state, 'rocketmq.broker.name': result.messageQueue.brokerName },
      });
      return (error) => step?.end(error);
    },
  };
}

/** A prepared properties string (no trailing separator, as the Java client writes it) with `extra` appended. */
function withExtraProperties(properties: string, extra: Record<string, string>): string {
  const pairs = Object.entries(extra).map(([name, value]) => name + NAME_VALUE_SEPARATOR + value);
  return (properties === '' ? '' : properties + PROPERTY_SEPARATOR) + pairs.join(PROPERTY_SEPARATOR);
}

/** Java `TraceConstants.GROUP_NAME_PREFIX` / `TRACE_INSTANCE_NAME`. */
const TRACE_GROUP_PREFIX = '_INNER_TRACE_PRODUCER';
const TRACE_INSTANCE_NAME = 'PID_CLIENT_INNER_TRACE_PRODUCER';
let traceProducerSeq = 0;

function detectClientIP(): string {
  const bytes = localIPv4();
  return bytes === null ? '127.0.0.1' : [...bytes].join('.');
}

let instanceSeq = 0;
let producerSeq = 0;

const EVENT_CHANNELS = [
  ['send', 'rocketmq:producer:send'],
  ['hookError', 'rocketmq:producer:hookError'],
  ['callbackError', 'rocketmq:producer:callbackError'],
  ['localTransaction', 'rocketmq:transaction:local'],
  ['transactionCheck', 'rocketmq:transaction:check'],
  ['transactionCheckDropped', 'rocketmq:transaction:checkDropped'],
  ['endTransactionFailed', 'rocketmq:transaction:endFailed'],
  ['requestSettled', 'rocketmq:request:settled'],
  ['credentialsError', 'rocketmq:producer:credentialsError'],
] as const;

/**
 * An Apache RocketMQ producer: the Java `DefaultMQProducer` send path (routes, queue selection with latency fault
 * tolerance, compression, hooks, retries), built as one RxJS pipeline per send.
 *
 * @example
 * ```ts
 * const producer = new Producer({ producerGroup: 'PG', namesrvAddr: '127.0.0.1:9876' });
 * await producer.start();
 * const result = await producer.send({ topic: 'TopicTest', tags: 'TagA', keys: ['OrderID188'], body: 'Hello' });
 * await producer.shutdown();
 * ```
 */
export class Producer {
  /** The resolved options (defaults applied). */
  readonly options: ResolvedProducerOptions;
  /** Process-unique number of this producer; tags its diagnostics events. */
  readonly id: number = ++producerSeq;
  /**
   * This producer's diagnostics as an Observable: one value per settled send attempt (`type: 'send'`), per throwing
   * send hook (`'hookError'`) and per throwing `sendAsync` callback (`'callbackError'`). Hot, never completes; a
   * thin view over the `rocketmq:producer:*` diagnostics channels (nothing is built while nobody listens).
   */
  readonly events$: Observable<ProducerEvent>;

  private serviceState: ProducerState = 'CREATE_JUST';
  private instance: ClientInstance | null = null;
  private pipeline: SendRunner | null = null;
  private sendDeps: SendPipelineDeps | null = null;
  private batchSender: BatchSender | null = null;
  private readonly checkForbiddenHooks: CheckForbiddenHook[];
  private readonly sendMessageHooks: SendMessageHook[];
  private readonly faultStrategy: MQFaultStrategy;
  private readonly groupOnWire: string;
  private clientIP: string;
  /** The subscribers of the sends in flight: shutdown waits for them, then fails those still there. */
  private readonly inflight = new InflightSends();
  private drained: (() => void) | null = null;
  /** OpenTelemetry of this producer; `null` without a provider (the send path then checks only this). */
  private telemetry: ProducerTelemetry | null = null;
  private traceDispatcher: AsyncTraceDispatcher | null = null;
  private traceProducer: Producer | null = null;
  private detachLogger: (() => void) | null = null;
  private readonly latencies = new BrokerLatencyRecorder();

  /**
   * @param options - Java client option names and defaults, see {@link ProducerOptions}.
   * @throws InvalidOptionError (`RMQ_ERR_INVALID_OPTION`, `option` names the field) on a bad option.
   */
  constructor(options: ProducerOptions = {}) {
    this.options = resolveOptions(options);
    this.events$ = new Observable<ProducerEvent>((subscriber) => {
      const listeners = EVENT_CHANNELS.map(([type, name]) => {
        const listener = (message: unknown): void => {
          if ((message as { producerId?: unknown }).producerId === this.id) {
            subscriber.next({ type, ...(message as object) } as ProducerEvent);
          }
        };
        diagnosticsChannel.subscribe(name, listener);
        return [name, listener] as const;
      });
      return () => {
        for (const [name, listener] of listeners) diagnosticsChannel.unsubscribe(name, listener);
      };
    });
    this.checkForbiddenHooks = [...this.options.checkForbiddenHooks];
    this.sendMessageHooks = [...this.options.sendMessageHooks];
    this.groupOnWire = withNamespace(this.options.namespace, this.options.producerGroup);
    this.clientIP = this.options.clientIP ?? '';
    const tables49 = sameTables(this.options.notAvailableDuration, LATENCY_TABLES_4_9.notAvailableDuration);
    this.faultStrategy = new MQFaultStrategy({
      sendLatencyFaultEnable: this.options.sendLatencyFaultEnable,
      latencyMax: this.options.latencyMax,
      notAvailableDuration: this.options.notAvailableDuration,
      // A failed send counts as 30 s of latency with the 4.9 tables (as the 4.9 client), 10 s otherwise.
      isolationLatencyMillis: (tables49 ? FaultTolerancePresets.V4_9 : FaultTolerancePresets.V5).isolationLatencyMillis,
    });
  }

  /** Java `ServiceState`: `CREATE_JUST` → `RUNNING` → `SHUTDOWN_ALREADY` (or `START_FAILED`). */
  get state(): ProducerState {
    return this.serviceState;
  }

  /** `clientIP@instanceName` of the client instance, once started; `null` before. */
  get clientId(): string | null {
    return this.instance?.clientId ?? null;
  }

  /** Sends subscribed and not settled yet. */
  get inflightCount(): number {
    return this.inflight.size;
  }

  /**
   * Adds a hook run before/after every send attempt (Java `registerSendMessageHook`).
   * @param hook - a plain object; its throws are isolated.
   */
  registerSendMessageHook(hook: SendMessageHook): void {
    this.sendMessageHooks.push(hook);
  }

  /**
   * Adds a hook that may refuse a send (Java `registerCheckForbiddenHook`).
   * @param hook - throws from `checkForbidden` to refuse.
   */
  registerCheckForbiddenHook(hook: CheckForbiddenHook): void {
    this.checkForbiddenHooks.push(hook);
  }

  /**
   * Starts the producer: joins (or creates) its client instance, which refreshes the routes in use every
   * `pollNameServerInterval` and heartbeats the master brokers every `heartbeatBrokerInterval`. Connects nothing
   * eagerly.
   * @throws MQClientError `RMQ_ERR_PRODUCER_ALREADY_STARTED` when not freshly created; `RMQ_ERR_PRODUCER_GROUP_IN_USE`
   *   when a running producer of the same client instance has the same group.
   */
  async start(): Promise<void> {
    if (this.serviceState !== 'CREATE_JUST') {
      throw new MQClientError(`The producer service state is ${this.serviceState}: a producer starts once`, -1, {
        code: 'RMQ_ERR_PRODUCER_ALREADY_STARTED',
      });
    }
    const o = this.options;
    this.clientIP = o.clientIP ?? detectClientIP();
    // As Java's changeInstanceNameToPID: the default name becomes unique per producer, so nothing is shared by accident.
    const instanceName = o.instanceName === 'DEFAULT' ? `${process.pid}#${process.hrtime.bigint()}${instanceSeq++}` : o.instanceName;
    try {
      this.instance = ClientInstance.acquire(`${this.clientIP}@${instanceName}`, this.groupOnWire, o, {
        producerId: this.id,
        producerGroup: this.groupOnWire,
      });
    } catch (error) {
      this.serviceState = 'START_FAILED';
      throw error;
    }
    const instance = this.instance;
    try {
      // The first credentials (a credentials function is called now, once) before anything is sent.
      await instance.ready;
      await this.startObservability(instance);
    } catch (error) {
      this.serviceState = 'START_FAILED';
      this.detachLogger?.();
      this.instance = null;
      await instance.release(this.groupOnWire, 0);
      throw error;
    }
    const strategy = this.faultStrategy;
    const latencies = this.latencies;
    this.sendDeps = {
      options: { ...o, checkForbiddenHooks: this.checkForbiddenHooks, sendMessageHooks: this.sendMessageHooks },
      producerGroup: this.groupOnWire,
      producerId: this.id,
      clientIP: this.clientIP,
      state: () => this.serviceState,
      client: instance.remoting,
      lookupRoute: (topic) => instance.routes.getPublishInfo(topic),
      cachedRoute: (topic) => instance.routes.cachedPublishInfo(topic),
      invalidateRoute: (topic) => instance.routes.invalidate(topic),
      // Every settled attempt reports its latency here: the per-broker numbers of metrics().
      faultStrategy: {
        selectOneMessageQueue: (info, lastBrokerName) => strategy.selectOneMessageQueue(info, lastBrokerName),
        updateFaultItem: (brokerName, latencyMillis, isolation, reachable) => {
          latencies.record(brokerName, latencyMillis, isolation);
          strategy.updateFaultItem(brokerName, latencyMillis, isolation, reachable);
        },
      },
    };
    this.pipeline = createSendRunner(this.sendDeps);
    instance.registerTransactionChecker(
      this.groupOnWire,
      new TransactionChecker({
        producerId: this.id,
        producerGroup: this.groupOnWire,
        listener: o.transactionListener,
        checkConcurrency: o.checkConcurrency,
        checkRequestHoldMax: o.checkRequestHoldMax,
        invokeOneway: (addr, request, timeoutMillis) => instance.remoting.invokeOneway(addr, request, timeoutMillis),
        ...(o.namespace === null ? {} : { withoutNamespace: (topic: string) => withoutNamespace(o.namespace, topic) }),
      }),
    );
    this.batchSender = createBatchSender(this.sendDeps);
    this.serviceState = 'RUNNING';
    o.logger?.info({ producerGroup: o.producerGroup, clientId: instance.clientId, namesrvAddr: o.namesrvAddr }, 'producer started');
  }

  /** Logger, OpenTelemetry and message trace, as the options ask (before the producer runs). */
  private async startObservability(instance: ClientInstance): Promise<void> {
    const o = this.options;
    if (o.logger !== null) {
      this.detachLogger = attachLogger(o.logger, {
        id: this.id,
        clientId: instance.clientId,
        hasConnection: (addr) => instance.remoting.hasConnection(addr),
        hasRoute: (topic) => instance.routes.peek(topic) !== undefined,
      });
    }
    const resolved = await resolveTelemetry(o.telemetry);
    if (resolved !== null) {
      this.telemetry = new ProducerTelemetry(resolved, {
        producerGroup: o.producerGroup,
        clientId: instance.clientId,
        inflight: () => this.inflightCount,
        permitWaits: () => {
          const stats = instance.remoting.permitStats();
          return { async: stats.async.waits, oneway: stats.oneway.waits };
        },
      });
    }
    if (o.enableMsgTrace) {
      // Java's trace producer: its own group and instance, 5 s timeout, 128 000-byte messages, never traced itself.
      const traceProducer = new Producer({
        producerGroup: `${TRACE_GROUP_PREFIX}-${o.producerGroup}-PRODUCE-${++traceProducerSeq}`,
        namesrvAddr: [...o.namesrvAddr],
        instanceName: `${TRACE_INSTANCE_NAME}_${o.namesrvAddr.join(';')}`,
        ...(o.clientIP === null ? {} : { clientIP: o.clientIP }),
        sendMsgTimeout: 5000,
        maxMessageSize: 128_000,
        rpcHooks: o.rpcHooks,
        // The same ACL credentials and TLS as the producer it traces (Java hands the trace producer its RPC hook).
        credentials: o.credentials?.reveal() ?? null,
        credentialsRefreshInterval: o.credentialsRefreshInterval,
        tls: o.tls?.reveal() ?? false,
        telemetry: false,
        logger: null,
      });
      await traceProducer.start();
      const dispatcher = new AsyncTraceDispatcher({
        traceTopic: o.customizedTraceTopic,
        logger: o.logger,
        send: (topic, keys, body) =>
          new Promise((resolve, reject) => {
            traceProducer.sendAsync({ topic, keys: [...keys], body: Buffer.from(body, 'utf8') }, { onSuccess: resolve, onException: reject }, { timeout: 5000 });
          }),
      });
      dispatcher.start();
      this.traceProducer = traceProducer;
      this.traceDispatcher = dispatcher;
      this.sendMessageHooks.push(new SendTraceHook(dispatcher, (resource) => withoutNamespace(o.namespace, resource)));
    }
  }

  /**
   * A snapshot of what the producer is doing: sends in flight, the permit pools, per-broker attempt latency (p50/p99
   * since start) and fault state, and route ages. Cheap enough to poll every second.
   * @returns a fresh plain object
   * @example
   * ```ts
   * const { inflightSends, brokers } = producer.metrics();
   * for (const b of brokers) console.log(b.brokerName, b.p99Millis);
   * ```
   */
  metrics(): ProducerMetrics {
    const instance = this.instance;
    const lft = this.faultStrategy.latencyFaultTolerance;
    return {
      inflightSends: this.inflightCount,
      permits: instance === null ? null : instance.remoting.permitStats(),
      brokers: this.latencies.snapshot(),
      faults: lft.faultItems().map((item) => ({
        brokerName: item.name,
        currentLatencyMillis: item.currentLatency,
        available: lft.isAvailable(item.name),
        notAvailableUntil: item.startTimestamp,
        reachable: item.reachable,
      })),
      routes: instance === null ? [] : instance.routes.routeAges(),
      trace: this.traceDispatcher?.stats() ?? null,
    };
  }

  /**
   * Stops the producer: new sends (and retries of sends in flight) fail with `RMQ_ERR_PRODUCER_SHUT_DOWN`; sends in
   * flight get up to `shutdownTimeoutMillis` to settle (those still pending then fail with
   * `RMQ_ERR_PRODUCER_SHUT_DOWN`) while, at the same time, UNREGISTER_CLIENT goes to every broker (within
   * `mqClientApiTimeout`, at most 3 s). An unregister still stuck behind a broker that stopped reading is given up
   * as soon as the sends have settled. The last producer of the client instance also stops the timers and closes
   * every connection, so nothing keeps the process alive afterwards. Idempotent.
   *
   * Bound: `max(min(shutdownTimeoutMillis, time the sends in flight need), min(mqClientApiTimeout, 3000))`.
   */
  async shutdown(): Promise<void> {
    const previous = this.serviceState;
    this.serviceState = 'SHUTDOWN_ALREADY';
    if (previous !== 'RUNNING' || this.instance === null) return;
    const instance = this.instance;
    this.instance = null;
    const dispatcher = this.traceDispatcher;
    // Waiting for the sends and unregistering overlap: the unregister requests are written now, not after the wait.
    await instance.release(this.groupOnWire, Math.min(this.options.mqClientApiTimeout, 3000), this.settleInflight());
    if (dispatcher !== null) {
      // After the sends settled: their trace records are queued; the trace producer has its own client instance.
      await dispatcher.shutdown();
      await this.traceProducer?.shutdown();
    }
    this.telemetry?.shutdown();
    this.options.logger?.info({ producerGroup: this.options.producerGroup }, 'producer shut down');
    this.detachLogger?.();
    this.detachLogger = null;
  }

  /**
   * Resolves once every send in flight has settled, or after `shutdownTimeoutMillis`: the sends still pending then
   * fail with `RMQ_ERR_PRODUCER_SHUT_DOWN` (exactly once, as any settlement).
   */
  private settleInflight(): Promise<void> {
    if (this.inflightCount === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.drained = null;
        const error = notRunningError('SHUTDOWN_ALREADY');
        for (const subscriber of this.inflight.snapshot()) subscriber.error(error);
        resolve();
      };
      const timer = setTimeout(finish, this.options.shutdownTimeoutMillis);
      this.drained = finish;
    });
  }

  /**
   * The send pipeline itself: a cold Observable; each subscription is one send (nothing is written before it).
   * Unsubscribing before the write writes nothing; after it, the pending response is dropped.
   *
   * @param message - topic, body and the optional fields; never mutated.
   * @param options - mode (default `sync`) and timeout (default `sendMsgTimeout`).
   * @returns emits one `SendResult` then completes (sync/async); completes without a value once written (oneway).
   *   Errors: `RMQ_ERR_PRODUCER_NOT_STARTED` / `_SHUT_DOWN`, a validation code (`RMQ_ERR_BLANK_TOPIC`, …),
   *   `RMQ_ERR_ROUTE_NOT_FOUND`, `RMQ_ERR_BROKER` (`MQBrokerError`), `RMQ_ERR_REMOTING_*`, `RMQ_ERR_SEND_FORBIDDEN`.
   */
  send$(message: Message, options: SendOptions = {}): Observable<SendResult> {
    return this.modeSend$(message, options, options.mode ?? 'sync');
  }

  /** {@link Producer.send$} in `mode` (whatever `options.mode` says), without copying `options` to set it. */
  private modeSend$(message: Message, options: SendOptions, mode: SendMode): Observable<SendResult> {
    const timeoutMillis = options.timeout ?? this.options.sendMsgTimeout;
    // One Observable per call and nothing else until subscribed; the usual send runs straight into the subscriber.
    return new Observable<SendResult>((subscriber) => {
      this.startSend(message, options, mode, timeoutMillis, subscriber);
    });
  }

  /**
   * One send into `subscriber` (what subscribing {@link Producer.send$} does). `startedAt`: a `Date.now()` the caller
   * read for this send's start (publish), taken as the send's start when only the producer's own code can run
   * between that read and this call for later sends too (no send hooks; see `publishOperator`).
   */
  private startSend(
    message: Message,
    options: SendOptions,
    mode: SendMode,
    timeoutMillis: number,
    subscriber: Subscriber<SendResult>,
    startedAt?: number,
  ): void {
    if (!(Number.isInteger(timeoutMillis) && timeoutMillis > 0)) {
      subscriber.error(new InvalidOptionError('timeout', `expected a positive integer, got ${String(timeoutMillis)}`));
      return;
    }
    const pipeline = this.pipeline;
    const deps = this.sendDeps;
    if (this.serviceState !== 'RUNNING' || pipeline === null || deps === null) {
      subscriber.error(notRunningError(this.serviceState));
      return;
    }
    const choice = queueChoiceOf(message, options);
    if (subscriber instanceof SyncSendSubscriber || subscriber instanceof AsyncSendObserver || subscriber instanceof PublishSend) {
      // Counted in flight without a teardown closure: the observer lets go of itself when it is unsubscribed.
      this.inflight.addSelfTracked(subscriber as Subscriber<never> & SelfTracked);
      subscriber.tracker = this.inflightTracker;
    } else {
      this.track(subscriber);
    }
    const telemetry = this.telemetry;
    if (telemetry !== null) {
      this.tracedSend(telemetry, message, mode, timeoutMillis, choice, subscriber);
      return;
    }
    if (choice === null) {
      const known = startedAt !== undefined && this.checkForbiddenHooks.length === 0 && this.sendMessageHooks.length === 0 ? startedAt : undefined;
      pipeline(message, mode, timeoutMillis, subscriber, undefined, undefined, known);
    } else pinnedSend$(deps, choice, message, mode, timeoutMillis).subscribe(subscriber);
  }

  /** A send with its span: the trace context goes into a copy of the message; the span ends as the send settles. */
  private tracedSend(
    telemetry: ProducerTelemetry,
    message: Message,
    mode: SendMode,
    timeoutMillis: number,
    choice: ReturnType<typeof queueChoiceOf>,
    subscriber: Subscriber<SendResult>,
    extras?: SendExtras,
    kind: RocketMQMessageKind = messageKind(message, choice !== null),
    operation = 'send',
  ): SendSpan {
    const span = telemetry.startSend({ topic: message.topic, tags: message.tags, keys: message.keys, kind, operation });
    const sent = span.properties === null ? { ...message } : { ...message, properties: { ...message.properties, ...span.properties } };
    const pipeline = this.pipeline!;
    const deps = this.sendDeps!;
    const send = new Observable<SendResult>((inner) => {
      if (choice === null) pipeline(sent, mode, timeoutMillis, inner, extras, span);
      else pinnedSend$(deps, choice, sent, mode, timeoutMillis, extras, span).subscribe(inner);
    });
    this.observeSpan(span, send, 1, subscriber, (result) => result.msgId);
    return span;
  }

  /** Forwards `send` to `subscriber`, ending `span` with its outcome (an unsubscribe before it ends it abandoned). */
  private observeSpan<T>(
    span: SendSpan,
    send: Observable<T>,
    messages: number,
    subscriber: Subscriber<T>,
    idOf: (value: T) => string | null,
  ): void {
    subscriber.add(() => {
      if (!span.isEnded) span.failed(new MQClientError('send abandoned (unsubscribed) before it settled', -1, { code: 'RMQ_ERR_SEND_ABANDONED' }), messages);
    });
    subscriber.add(
      send.subscribe({
        next: (value) => {
          span.succeeded(idOf(value), messages);
          subscriber.next(value);
        },
        error: (error: unknown) => {
          span.failed(error, messages);
          subscriber.error(error);
        },
        complete: () => {
          span.succeeded(null, messages);
          subscriber.complete();
        },
      }),
    );
  }

  /** Counts a send in {@link inflightCount} while it is subscribed (shutdown waits for it); its teardown ends that. */
  private track(subscriber: Subscriber<never>): void {
    this.inflight.add(subscriber);
    subscriber.add(() => this.untrack(subscriber));
  }

  /** Ends what {@link track} started. */
  private untrack(subscriber: Subscriber<never>): void {
    this.inflight.delete(subscriber);
    if (this.inflightCount === 0) this.drained?.();
  }

  /** What the subscribers that let go of themselves (`sendAsync`'s and `publish`'s) tell when they do. */
  private readonly inflightTracker: InflightTracker = {
    untrack: (subscriber) => {
      this.inflight.deleteSelfTracked(subscriber as SelfTracked);
      if (this.inflightCount === 0) this.drained?.();
    },
  };

  /** `send`, counted as a send in flight while subscribed (see {@link track}). */
  private tracked<T>(send: Observable<T>): Observable<T> {
    return new Observable<T>((subscriber) => {
      this.track(subscriber as Subscriber<never>);
      return send.subscribe(subscriber);
    });
  }

  /**
   * Sends a transactional message (Java `TransactionMQProducer.sendMessageInTransaction`) as a cold Observable: the
   * half message (`TRAN_MSG=true`, `PGROUP`, sysFlag TRANSACTION_PREPARED; sync, with the usual retries; any delay
   * level is cleared), then — once the broker stored it with SEND_OK — `executeLocalTransaction(message, arg)` of the
   * producer's `transactionListener`, then END_TRANSACTION (oneway) with its outcome to the master of the broker
   * that stored it. A throwing or rejecting local transaction counts as `UNKNOW` (the broker checks back later).
   *
   * @param message - the message; `deliverTimeMs` / `delayMs` are refused
   * @param arg - handed to `executeLocalTransaction`
   * @returns emits one {@link TransactionSendResult} then completes. Errors: `RMQ_ERR_NO_TRANSACTION_LISTENER`,
   *   `RMQ_ERR_TRANSACTION_DELAY`, or any error of {@link Producer.send$} for the half message (then the local
   *   transaction does not run)
   */
  sendInTransaction$(message: Message, arg?: unknown): Observable<TransactionSendResult> {
    return defer(() => {
      const instance = this.instance;
      const pipeline = this.pipeline;
      if (this.serviceState !== 'RUNNING' || instance === null || pipeline === null) return throwError(() => notRunningError(this.serviceState));
      const extras: SendExtras = { transactional: true, systemProperties: null };
      const telemetry = this.telemetry;
      let halfSpan: SendSpan | null = null;
      const timeoutMillis = this.options.sendMsgTimeout;
      return this.tracked(
        sendInTransaction$(
          {
            producerId: this.id,
            producerGroup: this.groupOnWire,
            listener: this.options.transactionListener,
            sendHalf: (half) =>
              new Observable<SendResult>((subscriber) => {
                if (telemetry === null) pipeline(half, 'sync', timeoutMillis, subscriber, extras);
                else halfSpan = this.tracedSend(telemetry, half, 'sync', timeoutMillis, null, subscriber, extras, 'transaction');
              }),
            steps: telemetry === null ? null : transactionSteps(telemetry, () => halfSpan),
            masterAddressOf: (brokerName) => instance.routes.masterAddressOf(brokerName),
            invokeOneway: (addr, request, timeoutMillis) => instance.remoting.invokeOneway(addr, request, timeoutMillis),
            sendMsgTimeout: this.options.sendMsgTimeout,
          },
          message,
          arg,
        ),
      );
    });
  }

  /**
   * Promise form of {@link sendInTransaction$}.
   * @param message - the message
   * @param arg - handed to `executeLocalTransaction`
   * @returns the half message's result plus `localTransactionState` and `transactionId`
   * @example
   * ```ts
   * const producer = new Producer({
   *   producerGroup: 'OrderTxPG',
   *   transactionListener: {
   *     executeLocalTransaction: async (message, order) => { await db.insert(order); return LocalTransactionState.COMMIT_MESSAGE; },
   *     checkLocalTransaction: async (message) => ((await db.has(message.keys[0])) ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE'),
   *   },
   * });
   * await producer.start();
   * const result = await producer.sendMessageInTransaction({ topic: 'Orders', keys: order.id, body: order }, order);
   * ```
   */
  sendMessageInTransaction(message: Message, arg?: unknown): Promise<TransactionSendResult> {
    return firstValueFrom(this.sendInTransaction$(message, arg));
  }

  /**
   * Request/reply (Java `DefaultMQProducer.request`) as a cold Observable: sends the message (async, with retries)
   * with `CORRELATION_ID` (a new UUID), `REPLY_TO_CLIENT` (this client id) and `TTL` (the timeout), and emits the
   * reply the broker pushes back (PUSH_REPLY_MESSAGE_TO_CLIENT) for that correlation id. Before the first request to
   * a topic it fetches the route and heartbeats the brokers, so they know where to push the reply.
   *
   * @param message - the request
   * @param options - timeout, and an optional queue choice
   * @returns emits the {@link ReplyMessage} then completes. Errors: `RMQ_ERR_REQUEST_TIMEOUT` (no reply in time;
   *   a late reply is dropped), or the send's error (see {@link Producer.send$})
   */
  request$(message: Message, options: RequestOptions = {}): Observable<ReplyMessage> {
    const timeoutMillis = options.timeout ?? this.options.sendMsgTimeout;
    return new Observable<ReplyMessage>((subscriber) => {
      if (!(Number.isInteger(timeoutMillis) && timeoutMillis > 0)) {
        subscriber.error(new InvalidOptionError('timeout', `expected a positive integer, got ${String(timeoutMillis)}`));
        return;
      }
      const instance = this.instance;
      const pipeline = this.pipeline;
      const deps = this.sendDeps;
      if (this.serviceState !== 'RUNNING' || instance === null || pipeline === null || deps === null) {
        subscriber.error(notRunningError(this.serviceState));
        return;
      }
      const startedAt = Date.now();
      const correlationId = createCorrelationId();
      const topic = (message as Partial<Message> | null)?.topic;
      let outcome: unknown = undefined;
      const extras: SendExtras = {
        transactional: false,
        systemProperties: [
          ['CORRELATION_ID', correlationId],
          ['REPLY_TO_CLIENT', instance.clientId],
          ['TTL', String(timeoutMillis)],
        ],
      };
      let replyStep: StepSpan | null = null;
      instance.requests.register(correlationId, (reply) => {
        outcome = null;
        subscriber.next(reply);
        subscriber.complete();
      });
      const timer = setTimeout(() => {
        outcome = new MQClientError(`no reply to the request on ${String(topic)} within ${timeoutMillis} ms`, 10006, {
          code: 'RMQ_ERR_REQUEST_TIMEOUT',
        });
        subscriber.error(outcome);
      }, timeoutMillis);
      const sending = new Subscription();
      const wireTopic = typeof topic === 'string' ? withNamespace(this.options.namespace, topic) : '';
      // Java prepareSendRequest: without route data, fetch it and heartbeat, so the broker can find this client.
      const ready =
        wireTopic === '' || instance.routes.cachedPublishInfo(wireTopic) !== undefined
          ? Promise.resolve()
          : instance.routes.getPublishInfo(wireTopic).then(
              () => instance.sendHeartbeat(),
              () => undefined,
            );
      void ready.then(() => {
        if (subscriber.closed) return;
        const remaining = Math.max(1, timeoutMillis - (Date.now() - startedAt));
        const choice = queueChoiceOf(message, options);
        const telemetry = this.telemetry;
        const send$ =
          telemetry !== null
            ? new Observable<SendResult>((s) => {
                const span = this.tracedSend(telemetry, message, 'async', remaining, choice, s, extras, undefined, 'request');
                // Waiting for the reply: a child of the request's span, ended by the request's outcome below.
                replyStep = telemetry.startStep(span, {
                  topic: message.topic,
                  operation: 'receive_reply',
                  kind: 'internal',
                  attributes: { 'rocketmq.correlation_id': correlationId },
                });
              })
            : choice === null
              ? new Observable<SendResult>((s) => pipeline(message, 'async', remaining, s, extras))
              : pinnedSend$(deps, choice, message, 'async', remaining, extras);
        sending.add(
          this.tracked(send$).subscribe({
            error: (error: unknown) => {
              outcome = error;
              subscriber.error(error);
            },
          }),
        );
      });
      return () => {
        clearTimeout(timer);
        instance.requests.remove(correlationId);
        sending.unsubscribe();
        replyStep?.end(
          outcome === null
            ? null
            : (outcome ?? new MQClientError('request abandoned (unsubscribed) before its reply', -1, { code: 'RMQ_ERR_SEND_ABANDONED' })),
        );
        if (requestSettledChannel.hasSubscribers) {
          requestSettledChannel.publish({
            producerId: this.id,
            producerGroup: this.groupOnWire,
            topic: String(topic),
            correlationId,
            startedAt,
            durationMillis: Date.now() - startedAt,
            error: outcome === undefined ? new Error('unsubscribed') : outcome,
          });
        }
      };
    });
  }

  /**
   * Promise form of {@link request$}.
   * @param message - the request
   * @param options - timeout, and an optional queue choice
   * @returns the reply
   * @example
   * ```ts
   * const reply = await producer.request({ topic: 'PriceRequests', body: 'AAPL' }, { timeout: 3000 });
   * console.log(reply.body.toString());
   * ```
   */
  request(message: Message, options: RequestOptions = {}): Promise<ReplyMessage> {
    return firstValueFrom(this.request$(message, options));
  }

  /**
   * Sends a list of messages as SEND_BATCH_MESSAGE requests (sync), as Java `send(Collection<Message>)`, but a list
   * whose batch body would exceed `maxMessageSize` is split into several batches for you (sent one after another, in
   * order). Java's batch rules apply: one topic, one `waitStoreMsgOK`, no delay level, no `%RETRY%` topic, never
   * compressed; each message gets its own unique id.
   *
   * @param messages - the messages, all of one topic
   * @param options - `timeout` per batch request (default `sendMsgTimeout`)
   * @returns one `SendResult` per message, in list order: its own `msgId`, `offsetMsgId` and `queueOffset`
   * @throws `BatchMessageError` (`RMQ_ERR_BATCH_EMPTY`, `_TOPIC_MISMATCH`, `_WAIT_STORE_MISMATCH`,
   *   `_DELAY_NOT_SUPPORTED`, `_RETRY_TOPIC`, `_TOO_LARGE`; `index` names the message) or a validation
   *   `MQClientError` before anything is sent; else the error of the first batch that failed after its retries
   *   (the batches before it were delivered).
   * @example
   * ```ts
   * const results = await producer.sendBatch(orders.map((o) => ({ topic: 'Orders', keys: o.id, body: o })));
   * ```
   */
  async sendBatch(messages: readonly Message[], options: Pick<SendOptions, 'timeout'> = {}): Promise<SendResult[]> {
    if (this.serviceState !== 'RUNNING' || this.batchSender === null) throw notRunningError(this.serviceState);
    const timeoutMillis = options.timeout ?? this.options.sendMsgTimeout;
    const items = prepareBatchList(messages, { maxMessageSize: this.options.maxMessageSize });
    const results: SendResult[] = [];
    for (const chunk of splitBatch(items, this.options.maxMessageSize)) {
      results.push(...(await firstValueFrom(this.batchSend$(chunk, 'sync', timeoutMillis))));
    }
    return results;
  }

  /** @internal One batch request (prepared items), tracked like any send. */
  batchSend$(
    items: Parameters<BatchSender>[0],
    mode: Parameters<BatchSender>[1],
    timeoutMillis: number = this.options.sendMsgTimeout,
  ): Observable<SendResult[]> {
    return new Observable<SendResult[]>((subscriber) => {
      const sender = this.batchSender;
      if (this.serviceState !== 'RUNNING' || sender === null) {
        subscriber.error(notRunningError(this.serviceState));
        return;
      }
      if (subscriber instanceof PublishSend && !subscriber.closed) {
        // A publish batch is counted in a numbered slot, as publish's single sends are, not in the Set of other
        // sends: measured on the `publish batched` row, a Set with an add and a delete per request kept every batch
        // send (its messages, records and ids) alive through the scavenges into the old generation until the next
        // full GC (2 MB promoted per scavenge; none in slots), through the replaced hash tables V8 keeps linked to
        // their successors.
        this.inflight.addSelfTracked(subscriber as Subscriber<never> & SelfTracked);
        subscriber.tracker = this.inflightTracker;
      } else {
        this.track(subscriber);
      }
      const telemetry = this.telemetry;
      if (telemetry === null) {
        sender(items, mode, timeoutMillis).subscribe(subscriber);
        return;
      }
      const span = telemetry.startSend({ topic: items[0]?.topic ?? '', kind: 'normal', operation: 'publish', batchCount: items.length });
      const extra = span.properties;
      const sent: BatchItem[] =
        extra === null
          ? [...items]
          : items.map((item) => {
              const properties = withExtraProperties(item.properties, extra);
              const added = Buffer.byteLength(properties) - Buffer.byteLength(item.properties);
              return { ...item, properties, recordBytes: item.recordBytes + added };
            });
      this.observeSpan(span, sender(sent, mode, timeoutMillis, span), items.length, subscriber, () => null);
    });
  }

  /**
   * The backpressure-aware publish operator: `source$.pipe(producer.publish({ maxInFlight: 1000 }))`. Sends every
   * message of the source (async mode, `retryTimesWhenSendAsyncFailed` retries), at most `maxInFlight` at a time and
   * `maxInFlightBytes` of bodies, and emits one {@link PublishOutcome} per message, exactly once: `{ ok: true,
   * result }` or `{ ok: false, error }`. A failed message does not end the stream unless `stopOnError`. With
   * `batch`, consecutive messages of one topic go as SEND_BATCH_MESSAGE requests; with `orderBy`, messages of one key
   * are sent one at a time, in order, to the key's queue; with `ordered`, outcomes come out in input order.
   *
   * The source is pulled no faster than results come back when it is a pull source ({@link pullFrom} over an
   * iterable, async iterable or Node Readable): memory then stays flat however long it is. A plain push Observable
   * cannot be slowed down; what it emits beyond the limits waits in the operator.
   *
   * @param options - limits, batching, ordering; see {@link PublishOptions}
   * @returns an operator from messages to outcomes; it completes after the source completed and every outcome
   *   was emitted, and errors only with the source's error or (with `stopOnError`) the first failed send's error
   * @example
   * ```ts
   * pullFrom(readLines('orders.ndjson')).pipe(
   *   map((line) => ({ topic: 'Orders', body: line })),
   *   producer.publish({ maxInFlight: 1000 }),
   * ).subscribe((outcome) => { if (!outcome.ok) console.error(outcome.error); });
   * ```
   */
  publish<M extends Message = Message>(options: PublishOptions<M> = {}): OperatorFunction<M, PublishOutcome<M>> {
    return publishOperator<M>(this, options);
  }

  /**
   * One async send straight into `subscriber`, as subscribing `send$(message, { ...options, mode: 'async' })` would,
   * without the Observable (what `publish` runs per message). `startedAt`: the `Date.now()` publish read for the
   * send's start, which the send then takes as its own (one clock read for the sends publish starts together).
   * @internal
   */
  sendInto(message: Message, options: SendOptions, subscriber: Subscriber<SendResult>, startedAt?: number): void {
    try {
      this.startSend(message, options, 'async', options.timeout ?? this.options.sendMsgTimeout, subscriber, startedAt);
    } catch (error) {
      subscriber.error(error);
    }
  }

  /**
   * Sends and waits for the broker's answer, retrying retriable failures on other brokers
   * (`1 + retryTimesWhenSendFailed` attempts within `sendMsgTimeout`).
   * @returns the `SendResult` (its `sendStatus` may be a non-OK store status, as in Java).
   * @throws the last attempt's error (see {@link Producer.send$} for the codes).
   */
  send(message: Message, options: Omit<SendOptions, 'mode'> = {}): Promise<SendResult> {
    return firstValueFrom(new SyncSendObservable(this.startSync, message, options));
  }

  /** One sync send into its own subscriber (what {@link Producer.send}'s Observable does when subscribed). */
  private readonly startSync: SyncSendStart = (message, options, subscriber) => {
    this.startSend(message, options, 'sync', options.timeout ?? this.options.sendMsgTimeout, subscriber);
  };

  /**
   * Sends without waiting: exactly one callback fires, exactly once (a throwing callback is reported on
   * `rocketmq:producer:callbackError` and does not fire the other). Retried by RxJS `retry` up to
   * `retryTimesWhenSendAsyncFailed` times. Callbacks always run after `sendAsync` has returned.
   * @returns the Subscription: unsubscribe to abandon the send (then no callback fires).
   */
  sendAsync(message: Message, callback: SendCallback = {}, options: Omit<SendOptions, 'mode'> = {}): Subscription {
    const observer = new AsyncSendObserver(callback, this.id, this.groupOnWire);
    // What `send$(message, { ...options, mode: 'async' }).subscribe(observer)` does, without the Observable: a throw
    // fails the send, as `subscribe` would.
    try {
      this.startSend(message, options, 'async', options.timeout ?? this.options.sendMsgTimeout, observer);
    } catch (error) {
      observer.error(error);
    }
    observer.returned = true;
    return observer;
  }

  /**
   * Sends without a response: settles once the request is written to the socket. Never retried.
   * @throws as {@link Producer.send$} before the write (validation, route, connect, write errors).
   */
  sendOneway(message: Message, options: Omit<SendOptions, 'mode'> = {}): Promise<void> {
    return lastValueFrom(this.modeSend$(message, options, 'oneway').pipe(map(() => undefined)), {
      defaultValue: undefined,
    });
  }
}
