/**
 * `producer.publish(options)`: the backpressure-aware publish operator. One run per subscription holds:
 *
 * - the work waiting for a send slot (a {@link ReadyQueue}: FIFO, or per ordering key),
 * - the batcher (with `batch`): consecutive messages of one topic become one SEND_BATCH_MESSAGE request,
 * - the sends in flight (at most `maxInFlight` requests and `maxInFlightBytes` of bodies), each one
 *   {@link PublishSend} object: the request's messages, its slot and the subscriber of its send at once,
 * - the outcomes not yet emitted (with `ordered`, held back until every earlier one was emitted).
 *
 * A send's slot is freed when its outcomes have been emitted; the source is asked for more (pull sources) only
 * while the messages held stay under the limits.
 */
import type { OperatorFunction } from 'rxjs';
import { Observable, Subscriber } from 'rxjs';
import { InvalidOptionError, MQClientError } from '../../errors.js';
import { encodeBody } from '../../message/body-codec.js';
import type { Message, SendResult } from '../../message/message.js';
import type { BatchItem } from '../batch/batch-message.js';
import { prepareBatchItem, sameBatch } from '../batch/batch-message.js';
import type { BatchSender } from '../batch/batch-pipeline.js';
import { releaseTracker, type InflightTracker } from '../async-send-observer.js';
import { SlotSubscriber } from '../operators/light-step.js';
import type { SendOptions } from '../send-options.js';
import { selectByHash } from '../queue-selector.js';
import type { Demand } from './pull-source.js';
import { subscribeWithDemand } from './pull-source.js';
import type { Keyed, ReadyQueue } from './ready-queue.js';
import { FifoReadyQueue, KeyedReadyQueue } from './ready-queue.js';

/** Grouping of consecutive messages into SEND_BATCH_MESSAGE requests (see {@link PublishOptions.batch}). */
export interface PublishBatchOptions {
  /**
   * Most messages in one batch.
   * @defaultValue `100`
   */
  maxMessages?: number;
  /**
   * Most bytes of one batch body (records, §10.2); never above the producer's `maxMessageSize`.
   * @defaultValue `1048576` (1 MiB)
   */
  maxBytes?: number;
  /**
   * Longest time a partial batch waits for more messages before it is sent, ms. A batch is also sent at once when
   * no more messages can come before a send completes (the in-flight limits are reached) or the source completes.
   * @defaultValue `5`
   */
  maxDelayMs?: number;
}

/** Options of {@link Producer.publish}. */
export interface PublishOptions<M extends Message = Message> {
  /**
   * Most sends (requests: a batch counts once) in flight at once. Also bounds how many messages the operator holds
   * from a pull source (`maxInFlight`, or `maxInFlight × batch.maxMessages` with batching).
   * @defaultValue `1024`
   */
  maxInFlight?: number;
  /**
   * Most body bytes of the messages held (in flight, waiting for a slot, or waiting to be emitted in order). A single
   * message larger than this is still sent, alone.
   * @defaultValue `67108864` (64 MiB)
   */
  maxInFlightBytes?: number;
  /**
   * Emit outcomes in input order (a slow send holds back the outcomes after it, and their slots).
   * @defaultValue `false` (in completion order)
   */
  ordered?: boolean;
  /**
   * End the output with the first failed send's error (after emitting its outcome); sends in flight are abandoned.
   * @defaultValue `false` (a failure is just an outcome)
   */
  stopOnError?: boolean;
  /**
   * Deadline of each send over its attempts, ms.
   * @defaultValue the producer's `sendMsgTimeout`
   */
  timeout?: number;
  /**
   * Group consecutive messages of one topic (and one `waitStoreMsgOK`) into SEND_BATCH_MESSAGE requests; `true` =
   * the defaults. A message that cannot be batched (delay level, `%RETRY%` topic) gets a failed outcome with a
   * `BatchErrorCode`. Not combinable with `orderBy`.
   * @defaultValue none (one request per message)
   */
  batch?: PublishBatchOptions | boolean;
  /**
   * Ordering key of a message: messages with the same key are sent one at a time, in input order, to the key's queue
   * (`selectByHash` of the key, no retry on another queue), while different keys run in parallel within
   * `maxInFlight`.
   * @defaultValue none (no per-key order)
   */
  orderBy?: (message: M) => string | number;
}

/** A message the broker stored. */
export interface PublishSuccess<M extends Message = Message> {
  /** `true`: the message was stored (tells the two outcomes apart). */
  readonly ok: true;
  /** The input message. */
  readonly message: M;
  /** Its send result (own `msgId`, `offsetMsgId` and `queueOffset`, also when it went in a batch). */
  readonly result: SendResult;
  /** Position of the message in the source (0-based). */
  readonly index: number;
  /**
   * From the start of its send to its result, ms. The sends publish starts together (a pull source's burst) share
   * one clock read for their start, taken just before the first of them (at most 64 sends per read).
   */
  readonly latencyMillis: number;
}

/** A message that could not be delivered (after the async retries). */
export interface PublishFailure<M extends Message = Message> {
  /** `false`: the message was not stored (tells the two outcomes apart). */
  readonly ok: false;
  /** The input message. */
  readonly message: M;
  /** Why: a `RocketMQError` (see its `code`) in all but bug cases. */
  readonly error: Error;
  /** Position of the message in the source (0-based). */
  readonly index: number;
  /** From the start of its send to its failure, ms (0 when refused before sending); see {@link PublishSuccess.latencyMillis}. */
  readonly latencyMillis: number;
}

/**
 * The outcome of one published message; `ok` tells which.
 * @example
 * ```ts
 * if (outcome.ok) console.log(outcome.result.msgId); else console.error(outcome.error);
 * ```
 */
export type PublishOutcome<M extends Message = Message> = PublishSuccess<M> | PublishFailure<M>;

/** What `publish` needs from its producer. @internal */
export interface PublishTarget {
  readonly options: { readonly maxMessageSize: number; readonly sendMsgTimeout: number };
  send$(message: Message, options?: SendOptions): Observable<SendResult>;
  /**
   * Runs one send straight into `subscriber`, as subscribing `send$(message, options)` would, without building an
   * Observable for it. Optional: without it, publish subscribes `send$`.
   * @param startedAt - the `Date.now()` that publish read for this send's start (see `PublishSend.startedAt`): the
   *   send may take it as its own start instead of reading the clock again
   */
  sendInto?(message: Message, options: SendOptions, subscriber: Subscriber<SendResult>, startedAt?: number): void;
  batchSend$(items: Parameters<BatchSender>[0], mode: 'sync' | 'async', timeoutMillis?: number): Observable<SendResult[]>;
}

/** Defaults of {@link PublishOptions}. */
export const PUBLISH_DEFAULTS = Object.freeze({
  maxInFlight: 1024,
  maxInFlightBytes: 64 * 1024 * 1024,
  batchMaxMessages: 100,
  batchMaxBytes: 1024 * 1024,
  batchMaxDelayMs: 5,
});

/** Most sends that start on one clock read (see `PublishRun.startTime`). */
const START_CLOCK_SHARE = 64;

function positiveInteger(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!(Number.isInteger(v) && v > 0)) throw new InvalidOptionError(name, `expected a positive integer, got ${String(v)}`);
  return v;
}

function bodyBytes(message: Message): number {
  const body = message?.body as unknown;
  if (typeof body === 'string') return Buffer.byteLength(body, 'utf8');
  if (body instanceof Uint8Array) return body.length;
  try {
    return encodeBody(message.body).bytes.length;
  } catch {
    return 0; // the send's validation reports it
  }
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function noResult(): MQClientError {
  return new MQClientError('the send ended without a result for this message', -1, { code: 'RMQ_ERR_NO_RESULT' });
}

/** How a send ends, once: its result(s), or one error for all of its messages (`results` is then `null`). */
interface SendSettler<M> {
  settle(send: PublishSend<M>, results: SendResult | readonly SendResult[] | null, error: unknown): void;
}

/**
 * One request of a run, and the subscriber of its send: one message (`message`, `index`), or a batch (`messages`,
 * `indexes`, `items`, in order). It waits in the ready queue, then is in flight (linked into the run's in-flight
 * list, so that teardown can cancel it without a `Map` entry per send), then its outcomes are emitted; its slot is
 * freed when `pending` reaches 0. The send's result (or error, or completion without a result) goes to `settle`
 * once. Built from RxJS's public API only (the public notifications overridden), so a published message costs no
 * operator chain, no closure and no wrapper of its own. A `SlotSubscriber`, as `sendAsync`'s observer is: the send's
 * first subscriber is held in a field, not in a teardown array RxJS allocates per send (and searches on release).
 */
export class PublishSend<M> extends SlotSubscriber<SendResult | SendResult[]> implements Keyed {
  private settled = false;
  /** Counts this send in the producer's sends in flight until it is unsubscribed, without a teardown closure. */
  tracker: InflightTracker | null = null;
  trackedSlot = -1;
  /** Neighbours in the run's in-flight list. */
  before: PublishSend<M> | null = null;
  after: PublishSend<M> | null = null;
  linked = false;
  /** Outcomes of this send not emitted yet. */
  pending: number;
  /**
   * When it started (`Date.now()`): its outcome's `latencyMillis` counts from here, and the producer takes it as
   * the send's own start (its deadline) rather than reading the clock again.
   */
  startedAt = 0;

  constructor(
    private readonly settler: SendSettler<M>,
    readonly key: string | null,
    /** Body bytes of its messages. */
    readonly bytes: number,
    readonly message: M | null,
    readonly index: number,
    readonly messages: M[] | null,
    readonly indexes: number[] | null,
    readonly items: BatchItem[] | null,
  ) {
    super();
    this.pending = messages === null ? 1 : messages.length;
  }

  override next(value: SendResult | SendResult[]): void {
    if (this.settled) return;
    this.settled = true;
    this.settler.settle(this, value, null);
  }

  override error(error: unknown): void {
    if (!this.settled) {
      this.settled = true;
      this.settler.settle(this, null, error);
    }
    this.unsubscribe();
  }

  override complete(): void {
    if (!this.settled) {
      this.settled = true;
      // A send that completed without a value: settle() gives every message RMQ_ERR_NO_RESULT (built only then).
      this.settler.settle(this, EMPTY_RESULTS, null);
    }
    this.unsubscribe();
  }

  override unsubscribe(): void {
    if (this.closed) return;
    super.unsubscribe();
    releaseTracker(this);
  }
}

const EMPTY_RESULTS: readonly SendResult[] = Object.freeze([]);

/**
 * The run's subscriber to its source: a `Subscriber` itself, so that RxJS does not wrap it (a `SafeSubscriber` and
 * a `ConsumerObserver` hop per message); its notifications go straight to the run, each once.
 */
class SourceSubscriber<M extends Message> extends Subscriber<M> {
  private done = false;

  constructor(private readonly run: PublishRun<M>) {
    super();
  }

  override next(message: M): void {
    if (!this.done) this.run.onMessage(message);
  }

  override error(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.run.subscriber.error(error);
    this.unsubscribe();
  }

  override complete(): void {
    if (this.done) return;
    this.done = true;
    this.run.onSourceComplete();
    this.unsubscribe();
  }
}

/** An outcome held back for input order, with what its emission frees. */
interface Stashed<M extends Message> {
  readonly outcome: PublishOutcome<M>;
  readonly send: PublishSend<M> | null;
  readonly bytes: number;
}

/** The options of one operator, validated once, shared by its runs. */
interface PublishSettings<M extends Message> {
  readonly target: PublishTarget;
  readonly maxInFlight: number;
  readonly maxInFlightBytes: number;
  readonly timeout: number | undefined;
  readonly batching: boolean;
  readonly batchMaxMessages: number;
  readonly batchMaxBytes: number;
  readonly batchMaxDelay: number;
  readonly orderBy: ((message: M) => string | number) | undefined;
  readonly ordered: boolean;
  readonly stopOnError: boolean;
  /** Most messages held from a pull source. */
  readonly maxHeld: number;
  /** Held messages at or below which a waiting pull source is asked for more (see `refilled`). */
  readonly resumeAt: number;
}

/**
 * One subscription of the operator: its state, and as methods what it does per message and per request. Methods of
 * one class (not closures of each subscription) so that V8 compiles and optimizes this code once per process, not
 * again for every stream. The few functions RxJS or the platform must be handed (the batch timer's callback, the
 * end of a clock burst) are made once per run. It is the `SendSettler` of its sends and the `Demand` its pull source
 * sees.
 */
class PublishRun<M extends Message> implements SendSettler<M>, Demand {
  private readonly ready: ReadyQueue<PublishSend<M>>;
  /** Sends in flight, newest first (a doubly linked list through the sends themselves). */
  private inFlight: PublishSend<M> | null = null;
  /** Ordered mode: outcomes that arrived before an earlier one, by index. */
  private readonly stash = new Map<number, Stashed<M>>();
  private received = 0;
  private nextToEmit = 0;
  private held = 0;
  private heldBytes = 0;
  private active = 0;
  private activeBytes = 0;
  private sourceDone = false;
  private pumping = false;
  private pumpAgain = false;
  // The batch being filled: its messages, their positions and prepared records.
  private batchMessages: M[] = [];
  private batchIndexes: number[] = [];
  private batchItems: BatchItem[] = [];
  private batchBytes = 0;
  private batchBodyBytes = 0;
  private batchTimer: NodeJS.Timeout | null = null;
  private waiters: (() => void)[] = [];
  /** Bursts of a pull source under way (see `Demand.beginBurst`): their messages wait for its end to start. */
  private bursts = 0;
  // The outcomes of the responses one socket read settles share one clock read for the end of their latency: the
  // latest time read in this synchronous run (valid until its microtasks have run; a send's start is such a read
  // too, so a send that settles in the run it started in never gets a negative latency).
  private burstTime = 0;
  private burstTimeValid = false;
  /** Outcomes emitted so far: an outcome runs the subscriber's code (see `startTime`). */
  private emitted = 0;
  // The sends one pump starts share one clock read for their start: between the read and each of them only the
  // producer's own start of the sends before it runs (a few µs each), so a send's deadline and latency count from
  // at most that much before its own start, never after it. The clock is read again after an outcome was emitted
  // (the subscriber's code ran: a send refused at once) and every START_CLOCK_SHARE sends, which bounds the gap.
  private startClock = 0;
  private startClockUses = START_CLOCK_SHARE;
  private startClockEmitted = -1;
  /** Send options of an unkeyed message: the same object for every send of this run. */
  private readonly plainSendOptions: SendOptions;
  private readonly batchTimeout: number;
  private readonly prepareOptions: { maxMessageSize: number };
  private readonly hasSendInto: boolean;
  private readonly endBurstTime: () => void;
  private readonly onBatchTimer: () => void;

  constructor(
    private readonly settings: PublishSettings<M>,
    readonly subscriber: Subscriber<PublishOutcome<M>>,
  ) {
    this.ready = settings.orderBy === undefined ? new FifoReadyQueue<PublishSend<M>>() : new KeyedReadyQueue<PublishSend<M>>();
    const target = settings.target;
    this.plainSendOptions = settings.timeout === undefined ? { mode: 'async' } : { mode: 'async', timeout: settings.timeout };
    this.batchTimeout = settings.timeout ?? target.options.sendMsgTimeout;
    this.prepareOptions = { maxMessageSize: target.options.maxMessageSize };
    this.hasSendInto = target.sendInto !== undefined;
    this.endBurstTime = () => {
      this.burstTimeValid = false;
    };
    this.onBatchTimer = () => {
      this.batchTimer = null;
      this.flushBatch();
      this.pump();
    };
  }

  private open(): boolean {
    return this.held < this.settings.maxHeld && this.heldBytes < this.settings.maxInFlightBytes;
  }

  // A waiting pull source is woken once a quarter of the message limit is free again, not at every freed slot:
  // it then emits a burst (whose requests go out in one socket write) instead of one message per wake-up (a
  // promise and a microtask per message). Everything held still stays under the limits.
  private refilled(): boolean {
    return this.held <= this.settings.resumeAt && this.heldBytes < this.settings.maxInFlightBytes;
  }

  whenReady(): Promise<void> | null {
    return this.open() || this.subscriber.closed ? null : new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  beginBurst(): void {
    this.bursts += 1;
  }

  endBurst(): void {
    this.bursts -= 1;
    if (this.bursts === 0) this.pump();
  }

  private wake(): void {
    if (this.waiters.length === 0 || !(this.refilled() || this.subscriber.closed)) return;
    const woken = this.waiters;
    this.waiters = [];
    for (const resolve of woken) resolve();
  }

  private link(send: PublishSend<M>): void {
    send.linked = true;
    send.after = this.inFlight;
    if (this.inFlight !== null) this.inFlight.before = send;
    this.inFlight = send;
  }

  private unlink(send: PublishSend<M>): void {
    if (!send.linked) return;
    send.linked = false;
    if (send.before !== null) send.before.after = send.after;
    else this.inFlight = send.after;
    if (send.after !== null) send.after.before = send.before;
    send.before = null;
    send.after = null;
  }

  /** Emits one outcome; `send` (if any) and `bytes` are what it frees. */
  private emit(send: PublishSend<M> | null, bytes: number, outcome: PublishOutcome<M>): void {
    this.held -= 1;
    this.heldBytes -= bytes;
    if (send !== null) {
      send.pending -= 1;
      if (send.pending === 0) {
        this.active -= 1;
        this.activeBytes -= send.bytes;
        this.unlink(send);
        this.ready.release(send);
      }
    }
    const subscriber = this.subscriber;
    if (subscriber.closed) return;
    this.emitted += 1;
    subscriber.next(outcome);
    if (this.settings.stopOnError && !outcome.ok) subscriber.error(outcome.error);
  }

  private deliver(send: PublishSend<M> | null, bytes: number, outcome: PublishOutcome<M>): void {
    if (!this.settings.ordered) {
      this.emit(send, bytes, outcome);
      return;
    }
    const index = outcome.index;
    if (index !== this.nextToEmit) {
      this.stash.set(index, { outcome, send, bytes });
      return;
    }
    this.nextToEmit += 1;
    this.emit(send, bytes, outcome);
    // Then every stashed outcome that is now in order.
    const stash = this.stash;
    for (let next = stash.get(this.nextToEmit); next !== undefined && !this.subscriber.closed; next = stash.get(this.nextToEmit)) {
      stash.delete(this.nextToEmit);
      this.nextToEmit += 1;
      this.emit(next.send, next.bytes, next.outcome);
    }
  }

  private freshNow(): number {
    const now = Date.now();
    this.burstTime = now;
    if (!this.burstTimeValid) {
      this.burstTimeValid = true;
      queueMicrotask(this.endBurstTime);
    }
    return now;
  }

  private burstNow(): number {
    return this.burstTimeValid ? this.burstTime : this.freshNow();
  }

  private failure(message: M, index: number, error: unknown, startedAt: number | null): PublishFailure<M> {
    return {
      ok: false,
      message,
      error: asError(error),
      index,
      latencyMillis: startedAt === null ? 0 : this.burstNow() - startedAt,
    };
  }

  settle(send: PublishSend<M>, results: SendResult | readonly SendResult[] | null, error: unknown): void {
    this.unlink(send);
    const startedAt = send.startedAt;
    const latency = this.burstNow() - startedAt;
    const messages = send.messages;
    if (messages === null) {
      // One message: its result, or the error (an empty batch result cannot happen here; checked anyway).
      const message = send.message!;
      const result = results === null ? null : Array.isArray(results) ? ((results as readonly SendResult[])[0] ?? null) : (results as SendResult);
      if (result === null) this.deliver(send, send.bytes, this.failure(message, send.index, results === null ? error : noResult(), startedAt));
      else this.deliver(send, send.bytes, { ok: true, message, result, index: send.index, latencyMillis: latency });
    } else {
      const indexes = send.indexes!;
      const items = send.items!;
      const list = results === null ? null : Array.isArray(results) ? (results as readonly SendResult[]) : [results as SendResult];
      const shared = list === null ? asError(error) : null;
      for (let i = 0; i < messages.length; i++) {
        const message = messages[i]!;
        const bytes = items[i]!.body.length;
        const result = list === null ? undefined : list[i];
        if (result === undefined) this.deliver(send, bytes, this.failure(message, indexes[i]!, shared ?? noResult(), startedAt));
        else this.deliver(send, bytes, { ok: true, message, result, index: indexes[i]!, latencyMillis: latency });
      }
    }
    this.pump();
  }

  private start(send: PublishSend<M>, startedAt: number): void {
    this.active += 1;
    this.activeBytes += send.bytes;
    send.startedAt = startedAt;
    // Linked before subscribing: a send that settles during subscribe() unlinks itself again.
    this.link(send);
    const target = this.settings.target;
    if (send.items !== null) {
      target.batchSend$(send.items, 'async', this.batchTimeout).subscribe(send);
      return;
    }
    const sendOptions = send.key === null ? this.plainSendOptions : { ...this.plainSendOptions, selector: selectByHash, arg: send.key };
    if (this.hasSendInto) target.sendInto!(send.message!, sendOptions, send as Subscriber<SendResult>, startedAt);
    else target.send$(send.message!, sendOptions).subscribe(send);
  }

  // Whether a send of `bytes` may start now: under maxInFlight, and under maxInFlightBytes unless it is alone.
  private canStart(bytes: number): boolean {
    return this.active < this.settings.maxInFlight && (this.active === 0 || this.activeBytes + bytes <= this.settings.maxInFlightBytes);
  }

  private startTime(): number {
    if (this.startClockUses >= START_CLOCK_SHARE || this.startClockEmitted !== this.emitted) {
      this.startClock = this.freshNow();
      this.startClockUses = 0;
      this.startClockEmitted = this.emitted;
    }
    this.startClockUses += 1;
    return this.startClock;
  }

  pump(): void {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    const ready = this.ready;
    const subscriber = this.subscriber;
    try {
      do {
        this.pumpAgain = false;
        for (let send = ready.peek(); send !== undefined && !subscriber.closed; send = ready.peek()) {
          if (!this.canStart(send.bytes)) break;
          ready.shift();
          this.start(send, this.startTime());
        }
      } while (this.pumpAgain && !subscriber.closed);
    } finally {
      this.pumping = false;
      // The next pump reads the clock afresh (whatever ran between two pumps is not the producer's own start).
      this.startClockUses = START_CLOCK_SHARE;
    }
    this.wake();
    if (
      this.sourceDone &&
      this.batchMessages.length === 0 &&
      ready.waiting === 0 &&
      this.active === 0 &&
      this.held === 0 &&
      !subscriber.closed
    ) {
      subscriber.complete();
    }
  }

  private flushBatch(): void {
    if (this.batchTimer !== null) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    if (this.batchMessages.length === 0) return;
    this.ready.push(new PublishSend<M>(this, null, this.batchBodyBytes, null, -1, this.batchMessages, this.batchIndexes, this.batchItems));
    this.batchMessages = [];
    this.batchIndexes = [];
    this.batchItems = [];
    this.batchBytes = 0;
    this.batchBodyBytes = 0;
  }

  private addToBatch(message: M, index: number, batchItem: BatchItem): void {
    const settings = this.settings;
    const first = this.batchItems.length > 0 ? this.batchItems[0]! : null;
    if (
      first !== null &&
      (!sameBatch(first, batchItem) ||
        this.batchItems.length >= settings.batchMaxMessages ||
        this.batchBytes + batchItem.recordBytes > settings.batchMaxBytes)
    ) {
      this.flushBatch();
    }
    this.batchMessages.push(message);
    this.batchIndexes.push(index);
    this.batchItems.push(batchItem);
    this.batchBytes += batchItem.recordBytes;
    this.batchBodyBytes += batchItem.body.length;
    // A pull source stops at the limits; if nothing is in flight either, nothing would ever let it go on.
    if (this.batchItems.length >= settings.batchMaxMessages || (!this.open() && this.active === 0 && this.ready.waiting === 0)) {
      this.flushBatch();
    } else if (this.batchTimer === null) {
      this.batchTimer = setTimeout(this.onBatchTimer, settings.batchMaxDelay);
    }
  }

  onMessage(message: M): void {
    const index = this.received;
    this.received += 1;
    const settings = this.settings;
    if (settings.batching) {
      let batchItem: BatchItem;
      try {
        // Each id reads the clock itself: a burst can hold more messages than one time value's 65,536 counter values.
        batchItem = prepareBatchItem(message, index, this.prepareOptions);
      } catch (caught) {
        this.held += 1;
        this.deliver(null, 0, this.failure(message, index, caught, null));
        this.pump();
        return;
      }
      this.held += 1;
      this.heldBytes += batchItem.body.length;
      this.addToBatch(message, index, batchItem);
      this.pump();
      return;
    }
    const bytes = bodyBytes(message);
    this.held += 1;
    this.heldBytes += bytes;
    let key: string | null = null;
    const orderBy = settings.orderBy;
    if (orderBy !== undefined) {
      try {
        key = String(orderBy(message));
      } catch (caught) {
        this.deliver(null, bytes, this.failure(message, index, caught, null));
        this.pump();
        return;
      }
    }
    const send = new PublishSend<M>(this, key, bytes, message, index, null, null, null);
    if (this.bursts > 0) {
      // A pull source's burst: its messages start together at its end, in one pump (one clock read for them).
      this.ready.push(send);
      return;
    }
    // Nothing waits before it and it fits: it starts at once, as pump() would start it, without the round trip
    // through the ready queue. Nothing else pump() does can be due here: the source is emitting (so it waits for
    // no wake-up and has not completed), and this message only adds to what is held.
    if (key === null && !this.pumping && this.ready.waiting === 0 && this.canStart(bytes) && !this.subscriber.closed) {
      this.start(send, this.freshNow());
      return;
    }
    this.ready.push(send);
    this.pump();
  }

  onSourceComplete(): void {
    this.sourceDone = true;
    this.flushBatch();
    this.pump();
  }

  /** The subscription's teardown: cancels the sends in flight and wakes a waiting pull source. */
  teardown(): void {
    if (this.batchTimer !== null) clearTimeout(this.batchTimer);
    this.batchTimer = null;
    for (let send = this.inFlight; send !== null; ) {
      const after = send.after;
      send.linked = false;
      send.before = null;
      send.after = null;
      send.unsubscribe();
      send = after;
    }
    this.inFlight = null;
    this.wake();
  }
}

/**
 * Builds the publish operator of a producer (see `Producer.publish`).
 * @throws InvalidOptionError (`RMQ_ERR_INVALID_OPTION`) on a bad option
 * @internal
 */
export function publishOperator<M extends Message>(target: PublishTarget, options: PublishOptions<M>): OperatorFunction<M, PublishOutcome<M>> {
  const maxInFlight = positiveInteger('maxInFlight', options.maxInFlight, PUBLISH_DEFAULTS.maxInFlight);
  const maxInFlightBytes = positiveInteger('maxInFlightBytes', options.maxInFlightBytes, PUBLISH_DEFAULTS.maxInFlightBytes);
  const timeout = options.timeout;
  if (timeout !== undefined) positiveInteger('timeout', timeout, 1);
  const batchOptions = options.batch === true ? {} : options.batch === false ? undefined : options.batch;
  const batching = batchOptions !== undefined;
  const batchMaxMessages = positiveInteger('batch.maxMessages', batchOptions?.maxMessages, PUBLISH_DEFAULTS.batchMaxMessages);
  const batchMaxBytes = Math.min(
    positiveInteger('batch.maxBytes', batchOptions?.maxBytes, PUBLISH_DEFAULTS.batchMaxBytes),
    target.options.maxMessageSize,
  );
  const batchMaxDelay = batchOptions?.maxDelayMs ?? PUBLISH_DEFAULTS.batchMaxDelayMs;
  if (!(Number.isFinite(batchMaxDelay) && batchMaxDelay >= 0)) {
    throw new InvalidOptionError('batch.maxDelayMs', `expected a non-negative number, got ${String(batchMaxDelay)}`);
  }
  const orderBy = options.orderBy;
  if (orderBy !== undefined && typeof orderBy !== 'function') throw new InvalidOptionError('orderBy', 'expected a function');
  if (orderBy !== undefined && batching) throw new InvalidOptionError('orderBy', 'cannot be combined with batch');
  const maxHeld = batching ? maxInFlight * batchMaxMessages : maxInFlight;
  const settings: PublishSettings<M> = {
    target,
    maxInFlight,
    maxInFlightBytes,
    timeout,
    batching,
    batchMaxMessages,
    batchMaxBytes,
    batchMaxDelay,
    orderBy,
    ordered: options.ordered === true,
    stopOnError: options.stopOnError === true,
    maxHeld,
    resumeAt: maxHeld - Math.max(1, Math.floor(maxHeld / 4)),
  };

  return (source) =>
    new Observable<PublishOutcome<M>>((subscriber) => {
      const run = new PublishRun<M>(settings, subscriber);
      const sourceSubscription = subscribeWithDemand(run, () => source.subscribe(new SourceSubscriber<M>(run)));
      return () => {
        sourceSubscription.unsubscribe();
        run.teardown();
      };
    });
}
