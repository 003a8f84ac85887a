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

/** Most sends that start on one clock read (see `startTime` in {@link publishOperator}). */
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
class SourceSubscriber<M> extends Subscriber<M> {
  private done = false;

  constructor(
    private readonly onMessage: (message: M) => void,
    private readonly onError: (error: unknown) => void,
    private readonly onComplete: () => void,
  ) {
    super();
  }

  override next(message: M): void {
    if (!this.done) this.onMessage(message);
  }

  override error(error: unknown): void {
    if (this.done) return;
    this.done = true;
    this.onError(error);
    this.unsubscribe();
  }

  override complete(): void {
    if (this.done) return;
    this.done = true;
    this.onComplete();
    this.unsubscribe();
  }
}

/** An outcome held back for input order, with what its emission frees. */
interface Stashed<M extends Message> {
  readonly outcome: PublishOutcome<M>;
  readonly send: PublishSend<M> | null;
  readonly bytes: number;
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
  const ordered = options.ordered === true;
  const stopOnError = options.stopOnError === true;
  const maxHeld = batching ? maxInFlight * batchMaxMessages : maxInFlight;
  /** Held messages at or below which a waiting pull source is asked for more (see `refilled`). */
  const resumeAt = maxHeld - Math.max(1, Math.floor(maxHeld / 4));

  return (source) =>
    new Observable<PublishOutcome<M>>((subscriber) => {
      const ready: ReadyQueue<PublishSend<M>> = orderBy === undefined ? new FifoReadyQueue<PublishSend<M>>() : new KeyedReadyQueue<PublishSend<M>>();
      /** Sends in flight, newest first (a doubly linked list through the sends themselves). */
      let inFlight: PublishSend<M> | null = null;
      /** Ordered mode: outcomes that arrived before an earlier one, by index. */
      const stash = new Map<number, Stashed<M>>();
      let received = 0;
      let nextToEmit = 0;
      let held = 0;
      let heldBytes = 0;
      let active = 0;
      let activeBytes = 0;
      let sourceDone = false;
      let pumping = false;
      let pumpAgain = false;
      // The batch being filled: its messages, their positions and prepared records.
      let batchMessages: M[] = [];
      let batchIndexes: number[] = [];
      let batchItems: BatchItem[] = [];
      let batchBytes = 0;
      let batchBodyBytes = 0;
      let batchTimer: NodeJS.Timeout | null = null;
      let waiters: (() => void)[] = [];

      const open = (): boolean => held < maxHeld && heldBytes < maxInFlightBytes;
      // A waiting pull source is woken once a quarter of the message limit is free again, not at every freed slot:
      // it then emits a burst (whose requests go out in one socket write) instead of one message per wake-up (a
      // promise and a microtask per message). Everything held still stays under the limits.
      const refilled = (): boolean => held <= resumeAt && heldBytes < maxInFlightBytes;
      /** Bursts of a pull source under way (see `Demand.beginBurst`): their messages wait for its end to start. */
      let bursts = 0;
      const demand: Demand = {
        whenReady: () => (open() || subscriber.closed ? null : new Promise<void>((resolve) => waiters.push(resolve))),
        beginBurst: () => {
          bursts += 1;
        },
        endBurst: () => {
          bursts -= 1;
          if (bursts === 0) pump();
        },
      };
      const wake = (): void => {
        if (waiters.length === 0 || !(refilled() || subscriber.closed)) return;
        const woken = waiters;
        waiters = [];
        for (const resolve of woken) resolve();
      };

      const link = (send: PublishSend<M>): void => {
        send.linked = true;
        send.after = inFlight;
        if (inFlight !== null) inFlight.before = send;
        inFlight = send;
      };
      const unlink = (send: PublishSend<M>): void => {
        if (!send.linked) return;
        send.linked = false;
        if (send.before !== null) send.before.after = send.after;
        else inFlight = send.after;
        if (send.after !== null) send.after.before = send.before;
        send.before = null;
        send.after = null;
      };

      /** Emits one outcome; `send` (if any) and `bytes` are what it frees. */
      const emit = (send: PublishSend<M> | null, bytes: number, outcome: PublishOutcome<M>): void => {
        held -= 1;
        heldBytes -= bytes;
        if (send !== null) {
          send.pending -= 1;
          if (send.pending === 0) {
            active -= 1;
            activeBytes -= send.bytes;
            unlink(send);
            ready.release(send);
          }
        }
        if (subscriber.closed) return;
        emitted += 1;
        subscriber.next(outcome);
        if (stopOnError && !outcome.ok) subscriber.error(outcome.error);
      };

      const deliver = (send: PublishSend<M> | null, bytes: number, outcome: PublishOutcome<M>): void => {
        if (!ordered) {
          emit(send, bytes, outcome);
          return;
        }
        const index = outcome.index;
        if (index !== nextToEmit) {
          stash.set(index, { outcome, send, bytes });
          return;
        }
        nextToEmit += 1;
        emit(send, bytes, outcome);
        // Then every stashed outcome that is now in order.
        for (let next = stash.get(nextToEmit); next !== undefined && !subscriber.closed; next = stash.get(nextToEmit)) {
          stash.delete(nextToEmit);
          nextToEmit += 1;
          emit(next.send, next.bytes, next.outcome);
        }
      };

      // The outcomes of the responses one socket read settles share one clock read for the end of their latency: the
      // latest time read in this synchronous run (valid until its microtasks have run; a send's start is such a read
      // too, so a send that settles in the run it started in never gets a negative latency).
      let burstTime = 0;
      let burstTimeValid = false;
      const endBurstTime = (): void => {
        burstTimeValid = false;
      };
      const freshNow = (): number => {
        burstTime = Date.now();
        if (!burstTimeValid) {
          burstTimeValid = true;
          queueMicrotask(endBurstTime);
        }
        return burstTime;
      };
      const burstNow = (): number => (burstTimeValid ? burstTime : freshNow());
      /** Outcomes emitted so far: an outcome runs the subscriber's code (see `startTime`). */
      let emitted = 0;

      const failure = (message: M, index: number, error: unknown, startedAt: number | null): PublishFailure<M> => ({
        ok: false,
        message,
        error: asError(error),
        index,
        latencyMillis: startedAt === null ? 0 : burstNow() - startedAt,
      });

      // Send options of an unkeyed message: the same object for every send of this run.
      const plainSendOptions: SendOptions = timeout === undefined ? { mode: 'async' } : { mode: 'async', timeout };
      const batchTimeout = timeout ?? target.options.sendMsgTimeout;
      const prepareOptions = { maxMessageSize: target.options.maxMessageSize };
      const sendInto = target.sendInto?.bind(target);
      const settler: SendSettler<M> = {
        settle: (send, results, error) => {
          unlink(send);
          const startedAt = send.startedAt;
          const latency = burstNow() - startedAt;
          const messages = send.messages;
          if (messages === null) {
            // One message: its result, or the error (an empty batch result cannot happen here; checked anyway).
            const message = send.message!;
            const result = results === null ? null : Array.isArray(results) ? ((results as readonly SendResult[])[0] ?? null) : (results as SendResult);
            if (result === null) deliver(send, send.bytes, failure(message, send.index, results === null ? error : noResult(), startedAt));
            else deliver(send, send.bytes, { ok: true, message, result, index: send.index, latencyMillis: latency });
          } else {
            const indexes = send.indexes!;
            const items = send.items!;
            const list = results === null ? null : Array.isArray(results) ? (results as readonly SendResult[]) : [results as SendResult];
            const shared = list === null ? asError(error) : null;
            for (let i = 0; i < messages.length; i++) {
              const message = messages[i]!;
              const bytes = items[i]!.body.length;
              const result = list === null ? undefined : list[i];
              if (result === undefined) deliver(send, bytes, failure(message, indexes[i]!, shared ?? noResult(), startedAt));
              else deliver(send, bytes, { ok: true, message, result, index: indexes[i]!, latencyMillis: latency });
            }
          }
          pump();
        },
      };

      const start = (send: PublishSend<M>, startedAt: number): void => {
        active += 1;
        activeBytes += send.bytes;
        send.startedAt = startedAt;
        // Linked before subscribing: a send that settles during subscribe() unlinks itself again.
        link(send);
        if (send.items !== null) {
          target.batchSend$(send.items, 'async', batchTimeout).subscribe(send);
          return;
        }
        const sendOptions = send.key === null ? plainSendOptions : { ...plainSendOptions, selector: selectByHash, arg: send.key };
        if (sendInto !== undefined) sendInto(send.message!, sendOptions, send as Subscriber<SendResult>, startedAt);
        else target.send$(send.message!, sendOptions).subscribe(send);
      };

      // Whether a send of `bytes` may start now: under maxInFlight, and under maxInFlightBytes unless it is alone.
      const canStart = (bytes: number): boolean => active < maxInFlight && (active === 0 || activeBytes + bytes <= maxInFlightBytes);

      // The sends one pump starts share one clock read for their start: between the read and each of them only the
      // producer's own start of the sends before it runs (a few µs each), so a send's deadline and latency count from
      // at most that much before its own start, never after it. The clock is read again after an outcome was emitted
      // (the subscriber's code ran: a send refused at once) and every START_CLOCK_SHARE sends, which bounds the gap.
      let startClock = 0;
      let startClockUses = START_CLOCK_SHARE;
      let startClockEmitted = -1;
      const startTime = (): number => {
        if (startClockUses >= START_CLOCK_SHARE || startClockEmitted !== emitted) {
          startClock = freshNow();
          startClockUses = 0;
          startClockEmitted = emitted;
        }
        startClockUses += 1;
        return startClock;
      };

      const pump = (): void => {
        if (pumping) {
          pumpAgain = true;
          return;
        }
        pumping = true;
        try {
          do {
            pumpAgain = false;
            for (let send = ready.peek(); send !== undefined && !subscriber.closed; send = ready.peek()) {
              if (!canStart(send.bytes)) break;
              ready.shift();
              start(send, startTime());
            }
          } while (pumpAgain && !subscriber.closed);
        } finally {
          pumping = false;
          // The next pump reads the clock afresh (whatever ran between two pumps is not the producer's own start).
          startClockUses = START_CLOCK_SHARE;
        }
        wake();
        if (sourceDone && batchMessages.length === 0 && ready.waiting === 0 && active === 0 && held === 0 && !subscriber.closed) {
          subscriber.complete();
        }
      };

      const flushBatch = (): void => {
        if (batchTimer !== null) clearTimeout(batchTimer);
        batchTimer = null;
        if (batchMessages.length === 0) return;
        ready.push(new PublishSend<M>(settler, null, batchBodyBytes, null, -1, batchMessages, batchIndexes, batchItems));
        batchMessages = [];
        batchIndexes = [];
        batchItems = [];
        batchBytes = 0;
        batchBodyBytes = 0;
      };

      const addToBatch = (message: M, index: number, batchItem: BatchItem): void => {
        const first = batchItems.length > 0 ? batchItems[0]! : null;
        if (
          first !== null &&
          (!sameBatch(first, batchItem) || batchItems.length >= batchMaxMessages || batchBytes + batchItem.recordBytes > batchMaxBytes)
        ) {
          flushBatch();
        }
        batchMessages.push(message);
        batchIndexes.push(index);
        batchItems.push(batchItem);
        batchBytes += batchItem.recordBytes;
        batchBodyBytes += batchItem.body.length;
        // A pull source stops at the limits; if nothing is in flight either, nothing would ever let it go on.
        if (batchItems.length >= batchMaxMessages || (!open() && active === 0 && ready.waiting === 0)) flushBatch();
        else if (batchTimer === null) {
          batchTimer = setTimeout(() => {
            batchTimer = null;
            flushBatch();
            pump();
          }, batchMaxDelay);
        }
      };

      const onMessage = (message: M): void => {
        const index = received;
        received += 1;
        if (batching) {
          let batchItem: BatchItem;
          try {
            // The burst's clock read is the time of its messages' ids (as a single send's first attempt time is).
            batchItem = prepareBatchItem(message, index, prepareOptions, burstNow());
          } catch (caught) {
            held += 1;
            deliver(null, 0, failure(message, index, caught, null));
            pump();
            return;
          }
          held += 1;
          heldBytes += batchItem.body.length;
          addToBatch(message, index, batchItem);
          pump();
          return;
        }
        const bytes = bodyBytes(message);
        held += 1;
        heldBytes += bytes;
        let key: string | null = null;
        if (orderBy !== undefined) {
          try {
            key = String(orderBy(message));
          } catch (caught) {
            deliver(null, bytes, failure(message, index, caught, null));
            pump();
            return;
          }
        }
        const send = new PublishSend<M>(settler, key, bytes, message, index, null, null, null);
        if (bursts > 0) {
          // A pull source's burst: its messages start together at its end, in one pump (one clock read for them).
          ready.push(send);
          return;
        }
        // Nothing waits before it and it fits: it starts at once, as pump() would start it, without the round trip
        // through the ready queue. Nothing else pump() does can be due here: the source is emitting (so it waits for
        // no wake-up and has not completed), and this message only adds to what is held.
        if (
          key === null &&
          !pumping &&
          ready.waiting === 0 &&
          canStart(bytes) &&
          !subscriber.closed
        ) {
          start(send, freshNow());
          return;
        }
        ready.push(send);
        pump();
      };

      const sourceSubscription = subscribeWithDemand(demand, () =>
        source.subscribe(
          new SourceSubscriber<M>(
            onMessage,
            (error) => subscriber.error(error),
            () => {
              sourceDone = true;
              flushBatch();
              pump();
            },
          ),
        ),
      );

      return () => {
        sourceSubscription.unsubscribe();
        if (batchTimer !== null) clearTimeout(batchTimer);
        batchTimer = null;
        for (let send = inFlight; send !== null; ) {
          const after = send.after;
          send.linked = false;
          send.before = null;
          send.after = null;
          send.unsubscribe();
          send = after;
        }
        inFlight = null;
        wake();
      };
    });
}
