import type { Subscription } from 'rxjs';
import { Observable, defer, finalize, firstValueFrom, lastValueFrom, map, throwError } from 'rxjs';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { CallbackErrorEvent, ProducerEvent } from './diagnostics.js';
import { callbackErrorChannel } from './diagnostics.js';
import { InvalidOptionError, MQClientError } from '../errors.js';
import type { Message, SendResult } from '../message/message.js';
import { localIPv4 } from '../message/message-id.js';
import { ClientInstance } from './client-instance.js';
import type { ProducerOptions, ResolvedProducerOptions } from './config.js';
import { LATENCY_TABLES_4_9, resolveOptions } from './config.js';
import { FaultTolerancePresets, MQFaultStrategy } from './fault/mq-fault-strategy.js';
import type { CheckForbiddenHook, SendMessageHook, SendMode } from './hooks.js';
import { withNamespace } from './namespace.js';
import { notRunningError } from './operators/validate.js';
import type { ProducerState } from './operators/validate.js';
import { createSendPipeline } from './send-pipeline.js';

/** Options of one send. */
export interface SendOptions {
  /**
   * `sync` (wait for the broker's answer, retry up to `retryTimesWhenSendFailed`), `async` (same, retried by RxJS
   * `retry` up to `retryTimesWhenSendAsyncFailed`), or `oneway` (write and forget: no result, no retry).
   * @defaultValue `'sync'`
   */
  mode?: SendMode;
  /**
   * Deadline of this send over all its attempts, ms.
   * @defaultValue the producer's `sendMsgTimeout`
   */
  timeout?: number;
}

/** Callbacks of {@link Producer.sendAsync}: exactly one of them is called, exactly once. */
export interface SendCallback {
  /** The broker stored the message. */
  onSuccess?(result: SendResult): void;
  /** The send failed after its retries (or could not start). */
  onException?(error: Error): void;
}


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
  private pipeline: ((message: Message, mode: SendMode, timeoutMillis: number) => Observable<SendResult>) | null = null;
  private readonly checkForbiddenHooks: CheckForbiddenHook[];
  private readonly sendMessageHooks: SendMessageHook[];
  private readonly faultStrategy: MQFaultStrategy;
  private readonly groupOnWire: string;
  private clientIP: string;
  private inflight = 0;
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
    return this.inflight;
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
      this.instance = ClientInstance.acquire(`${this.clientIP}@${instanceName}`, this.groupOnWire, o);
    } catch (error) {
      this.serviceState = 'START_FAILED';
      throw error;
    }
    const instance = this.instance;
    this.pipeline = createSendPipeline({
      options: { ...o, checkForbiddenHooks: this.checkForbiddenHooks, sendMessageHooks: this.sendMessageHooks },
      producerGroup: this.groupOnWire,
      producerId: this.id,
      clientIP: this.clientIP,
      state: () => this.serviceState,
      client: instance.remoting,
      lookupRoute: (topic) => instance.routes.getPublishInfo(topic),
      invalidateRoute: (topic) => instance.routes.invalidate(topic),
      faultStrategy: this.faultStrategy,
    });
    this.serviceState = 'RUNNING';
  }

  /**
   * Stops the producer: new sends fail with `RMQ_ERR_PRODUCER_SHUT_DOWN`, sends in flight get up to
   * `shutdownTimeoutMillis` to settle, then UNREGISTER_CLIENT goes to every broker and (for the last producer of
   * the client instance) timers stop and connections close, failing whatever is still pending. Idempotent.
   */
  async shutdown(): Promise<void> {
    const previous = this.serviceState;
    this.serviceState = 'SHUTDOWN_ALREADY';
    if (previous !== 'RUNNING' || this.instance === null) return;
    if (this.inflight > 0 && this.options.shutdownTimeoutMillis > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, this.options.shutdownTimeoutMillis);
        this.drained = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.drained = null;
    }
    const instance = this.instance;
    this.instance = null;
    await instance.release(this.groupOnWire, Math.min(this.options.mqClientApiTimeout, 3000));
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
    return defer(() => {
      if (!(Number.isInteger(timeoutMillis) && timeoutMillis > 0)) {
        return throwError(() => new InvalidOptionError('timeout', `expected a positive integer, got ${String(timeoutMillis)}`));
      }
      const pipeline = this.pipeline;
      if (this.serviceState !== 'RUNNING' || pipeline === null) return throwError(() => notRunningError(this.serviceState));
      this.inflight += 1;
      return pipeline(message, mode, timeoutMillis).pipe(
        finalize(() => {
          this.inflight -= 1;
          if (this.inflight === 0) this.drained?.();
        }),
      );
    });
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
    let fired = false;
    let returned = false;
    const call = (which: 'onSuccess' | 'onException', value: SendResult | Error): void => {
      try {
        if (which === 'onSuccess') callback.onSuccess?.(value as SendResult);
        else callback.onException?.(value as Error);
      } catch (error) {
        if (callbackErrorChannel.hasSubscribers) {
          callbackErrorChannel.publish({
            producerId: this.id,
            producerGroup: this.groupOnWire,
            callback: which,
            error,
          } satisfies CallbackErrorEvent);
        }
      }
    };
    const fire = (which: 'onSuccess' | 'onException', value: SendResult | Error): void => {
      if (fired) return;
      fired = true;
      // A send refused before any I/O settles during subscribe(); the callback still runs after sendAsync returned.
      if (returned) call(which, value);
      else queueMicrotask(() => call(which, value));
    };
    const subscription = this.send$(message, { ...options, mode: 'async' }).subscribe({
      next: (result) => fire('onSuccess', result),
      error: (error: unknown) => fire('onException', error instanceof Error ? error : new Error(String(error))),
      // Runs after every successful send too (next, then complete): build the error only when it will be used, as
      // capturing its stack costs more than the rest of the callback path.
      complete: () => {
        if (!fired) fire('onException', new MQClientError('the send completed without a result', -1, { code: 'RMQ_ERR_NO_RESULT' }));
      },
    });
    returned = true;
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
