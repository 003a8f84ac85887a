import type { OperatorFunction, Subscriber } from 'rxjs';
import { Observable, Subscription, defer, firstValueFrom, lastValueFrom, map, throwError } from 'rxjs';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { ProducerEvent } from './diagnostics.js';
import { InvalidOptionError, MQClientError } from '../errors.js';
import type { Message, SendResult } from '../message/message.js';
import { localIPv4 } from '../message/message-id.js';
import { AsyncSendObserver } from './async-send-observer.js';
import { ClientInstance } from './client-instance.js';
import type { ProducerOptions, ResolvedProducerOptions } from './config.js';
import { LATENCY_TABLES_4_9, resolveOptions } from './config.js';
import { FaultTolerancePresets, MQFaultStrategy } from './fault/mq-fault-strategy.js';
import type { CheckForbiddenHook, SendMessageHook } from './hooks.js';
import { withNamespace } from './namespace.js';
import { notRunningError } from './operators/validate.js';
import type { ProducerState } from './operators/validate.js';
import { createSendRunner } from './send-pipeline.js';
import type { SendPipelineDeps, SendRunner } from './send-pipeline.js';
import { pinnedSend$, queueChoiceOf } from './pinned-send.js';
import type { SendExtras } from './send-context.js';
import { withoutNamespace } from './namespace.js';
import { sendInTransaction$, TransactionChecker } from '../transaction/transaction-flow.js';
import type { TransactionSendResult } from '../transaction/transaction-listener.js';
import { createCorrelationId } from '../request-reply/request-futures.js';
import type { ReplyMessage } from '../request-reply/reply-message.js';
import { requestSettledChannel } from '../request-reply/diagnostics.js';
import type { BatchSender } from './batch/batch-pipeline.js';
import { createBatchSender } from './batch/batch-pipeline.js';
import { prepareBatchList, splitBatch } from './batch/batch-message.js';
import type { PublishOptions, PublishOutcome } from './publish/publish.js';
import type { RequestOptions, SendCallback, SendOptions } from './send-options.js';
import { publishOperator } from './publish/publish.js';

function sameTables(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

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
  private readonly inflight = new Set<Subscriber<never>>();
  private drained: (() => void) | null = null;

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
    } catch (error) {
      this.instance = null;
      this.serviceState = 'START_FAILED';
      await instance.release(this.groupOnWire, 0);
      throw error;
    }
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
      faultStrategy: this.faultStrategy,
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
    // Waiting for the sends and unregistering overlap: the unregister requests are written now, not after the wait.
    await instance.release(this.groupOnWire, Math.min(this.options.mqClientApiTimeout, 3000), this.settleInflight());
  }

  /**
   * Resolves once every send in flight has settled, or after `shutdownTimeoutMillis`: the sends still pending then
   * fail with `RMQ_ERR_PRODUCER_SHUT_DOWN` (exactly once, as any settlement).
   */
  private settleInflight(): Promise<void> {
    if (this.inflight.size === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        this.drained = null;
        const error = notRunningError('SHUTDOWN_ALREADY');
        for (const subscriber of [...this.inflight]) subscriber.error(error);
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
    const mode = options.mode ?? 'sync';
    const timeoutMillis = options.timeout ?? this.options.sendMsgTimeout;
    // One Observable per call and nothing else until subscribed; the usual send runs straight into the subscriber.
    return new Observable<SendResult>((subscriber) => {
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
      this.track(subscriber);
      if (choice === null) pipeline(message, mode, timeoutMillis, subscriber);
      else pinnedSend$(deps, choice, message, mode, timeoutMillis).subscribe(subscriber);
    });
  }

  /** Counts a send in {@link inflightCount} while it is subscribed (shutdown waits for it); its teardown ends that. */
  private track(subscriber: Subscriber<never>): void {
    this.inflight.add(subscriber);
    subscriber.add(() => {
      this.inflight.delete(subscriber);
      if (this.inflight.size === 0) this.drained?.();
    });
  }

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
      return this.tracked(
        sendInTransaction$(
          {
            producerId: this.id,
            producerGroup: this.groupOnWire,
            listener: this.options.transactionListener,
            sendHalf: (half) =>
              new Observable<SendResult>((subscriber) => pipeline(half, 'sync', this.options.sendMsgTimeout, subscriber, extras)),
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
        const send$ =
          choice === null
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
      this.track(subscriber);
      sender(items, mode, timeoutMillis).subscribe(subscriber);
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
   * Sends and waits for the broker's answer, retrying retriable failures on other brokers
   * (`1 + retryTimesWhenSendFailed` attempts within `sendMsgTimeout`).
   * @returns the `SendResult` (its `sendStatus` may be a non-OK store status, as in Java).
   * @throws the last attempt's error (see {@link Producer.send$} for the codes).
   */
  send(message: Message, options: Omit<SendOptions, 'mode'> = {}): Promise<SendResult> {
    return firstValueFrom(this.send$(message, { ...options, mode: 'sync' }));
  }

  /**
   * Sends without waiting: exactly one callback fires, exactly once (a throwing callback is reported on
   * `rocketmq:producer:callbackError` and does not fire the other). Retried by RxJS `retry` up to
   * `retryTimesWhenSendAsyncFailed` times. Callbacks always run after `sendAsync` has returned.
   * @returns the Subscription: unsubscribe to abandon the send (then no callback fires).
   */
  sendAsync(message: Message, callback: SendCallback = {}, options: Omit<SendOptions, 'mode'> = {}): Subscription {
    const observer = new AsyncSendObserver(callback, this.id, this.groupOnWire);
    const subscription = this.send$(message, { ...options, mode: 'async' }).subscribe(observer);
    observer.returned = true;
    return subscription;
  }

  /**
   * Sends without a response: settles once the request is written to the socket. Never retried.
   * @throws as {@link Producer.send$} before the write (validation, route, connect, write errors).
   */
  sendOneway(message: Message, options: Omit<SendOptions, 'mode'> = {}): Promise<void> {
    return lastValueFrom(this.send$(message, { ...options, mode: 'oneway' }).pipe(map(() => undefined)), {
      defaultValue: undefined,
    });
  }
}
