/**
 * `producer.publish(options)`: the backpressure-aware publish operator. One run per subscription holds:
 *
 * - the work waiting for a send slot (a {@link ReadyQueue}: FIFO, or per ordering key),
 * - the batcher (with `batch`): consecutive messages of one topic become one SEND_BATCH_MESSAGE unit,
 * - the sends in flight (at most `maxInFlight` units and `maxInFlightBytes` of bodies),
 * - the outcomes not yet emitted (with `ordered`, held back until every earlier one was emitted).
 *
 * A unit's slot is freed when its outcomes have been emitted; the source is asked for more (pull sources) only
 * while the messages held stay under the limits.
 */
import type { OperatorFunction, Subscription } from 'rxjs';
import { Observable, Subscriber } from 'rxjs';
import { InvalidOptionError, MQClientError } from '../../errors.js';
import { encodeBody } from '../../message/body-codec.js';
import type { Message, SendResult } from '../../message/message.js';
import type { BatchItem } from '../batch/batch-message.js';
import { prepareBatchItem, sameBatch } from '../batch/batch-message.js';
import type { BatchSender } from '../batch/batch-pipeline.js';
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
  /** From the start of its send to its result, ms. */
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
  /** From the start of its send to its failure, ms (0 when refused before sending). */
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

interface Item<M> {
  readonly message: M;
  readonly index: number;
  readonly bytes: number;
  readonly batchItem: BatchItem | null;
  unit: Unit<M> | null;
}

interface Unit<M> extends Keyed {
  readonly items: Item<M>[];
  bytes: number;
  /** Outcomes of this unit not emitted yet; the slot is freed at 0. */
  pending: number;
  startedAt: number;
}

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

/** How a unit's send ends: its results (one per item, in order) or one error for all of them. */
interface UnitSettler<M> {
  settle(unit: Unit<M>, results: readonly SendResult[] | null, error: unknown): void;
}

/**
 * The subscriber of one unit's send: the send's result (or error, or completion without a result) goes to
 * `settle` once. One object per send, built from RxJS's public API only (the public notifications overridden), so a
 * published message costs no operator chain and no closures of its own.
 */
class UnitSubscriber<M, R extends SendResult | SendResult[]> extends Subscriber<R> {
  private settled = false;

  constructor(
    private readonly settler: UnitSettler<M>,
    private readonly unit: Unit<M>,
  ) {
    super();
  }

  override next(value: R): void {
    if (this.settled) return;
    this.settled = true;
    this.settler.settle(this.unit, Array.isArray(value) ? value : [value as SendResult], null);
  }

  override error(error: unknown): void {
    if (!this.settled) {
      this.settled = true;
      this.settler.settle(this.unit, null, error);
    }
    this.unsubscribe();
  }

  override complete(): void {
    if (!this.settled) {
      this.settled = true;
      // A send that completed without a value: settle() gives every item RMQ_ERR_NO_RESULT (built only then).
      this.settler.settle(this.unit, [], null);
    }
    this.unsubscribe();
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
  const ordered = options.ordered === true;
  const stopOnError = options.stopOnError === true;
  const maxHeld = batching ? maxInFlight * batchMaxMessages : maxInFlight;
  /** Held messages at or below which a waiting pull source is asked for more (see `refilled`). */
  const resumeAt = maxHeld - Math.max(1, Math.floor(maxHeld / 4));

  return (source) =>
    new Observable<PublishOutcome<M>>((subscriber) => {
      const ready: ReadyQueue<Unit<M>> = orderBy === undefined ? new FifoReadyQueue<Unit<M>>() : new KeyedReadyQueue<Unit<M>>();
      const sends = new Map<Unit<M>, Subscription>();
      const stash = new Map<number, PublishOutcome<M>>();
      let received = 0;
      let nextToEmit = 0;
      let held = 0;
      let heldBytes = 0;
      let active = 0;
      let activeBytes = 0;
      let sourceDone = false;
      let pumping = false;
      let pumpAgain = false;
      let batch: Item<M>[] = [];
      let batchBytes = 0;
      let batchTimer: NodeJS.Timeout | null = null;
      let waiters: (() => void)[] = [];

      const open = (): boolean => held < maxHeld && heldBytes < maxInFlightBytes;
      // A waiting pull source is woken once a quarter of the message limit is free again, not at every freed slot:
      // it then emits a burst (whose requests go out in one socket write) instead of one message per wake-up (a
      // promise and a microtask per message). Everything held still stays under the limits.
      const refilled = (): boolean => held <= resumeAt && heldBytes < maxInFlightBytes;
      const demand: Demand = {
        whenReady: () => (open() || subscriber.closed ? null : new Promise<void>((resolve) => waiters.push(resolve))),
      };
      const wake = (): void => {
        if (waiters.length === 0 || !(refilled() || subscriber.closed)) return;
        const woken = waiters;
        waiters = [];
        for (const resolve of woken) resolve();
      };

      const emit = (item: Item<M>, outcome: PublishOutcome<M>): void => {
        held -= 1;
        heldBytes -= item.bytes;
        const unit = item.unit;
        if (unit !== null) {
          unit.pending -= 1;
          if (unit.pending === 0) {
            active -= 1;
            activeBytes -= unit.bytes;
            sends.delete(unit);
            ready.release(unit);
          }
        }
        if (subscriber.closed) return;
        subscriber.next(outcome);
        if (stopOnError && !outcome.ok) subscriber.error(outcome.error);
      };

      const deliver = (item: Item<M>, outcome: PublishOutcome<M>): void => {
        if (!ordered) {
          emit(item, outcome);
          return;
        }
        stash.set(item.index, outcome);
        if (item.index !== nextToEmit) return;
        // Emit every outcome that is now in order; items are found again through their outcome's message index.
        for (let next = stash.get(nextToEmit); next !== undefined; next = stash.get(nextToEmit)) {
          stash.delete(nextToEmit);
          nextToEmit += 1;
          emit(itemsByIndex.get(next.index)!, next);
          itemsByIndex.delete(next.index);
          if (subscriber.closed) return;
        }
      };
      // Only needed to find items of stashed outcomes in ordered mode.
      const itemsByIndex = new Map<number, Item<M>>();

      const fail = (item: Item<M>, error: unknown, startedAt: number | null): void => {
        deliver(item, {
          ok: false,
          message: item.message,
          error: asError(error),
          index: item.index,
          latencyMillis: startedAt === null ? 0 : Date.now() - startedAt,
        });
      };

      // Send options of an unkeyed message: the same object for every send of this run.
      const plainSendOptions: SendOptions = timeout === undefined ? { mode: 'async' } : { mode: 'async', timeout };
      const settler: UnitSettler<M> = {
        settle: (unit, results, error) => {
          sends.delete(unit);
          const latency = Date.now() - unit.startedAt;
          const items = unit.items;
          for (let i = 0; i < items.length; i++) {
            const item = items[i]!;
            const value =
              results === null
                ? asError(error)
                : (results[i] ?? new MQClientError('the send ended without a result for this message', -1, { code: 'RMQ_ERR_NO_RESULT' }));
            if (value instanceof Error) fail(item, value, unit.startedAt);
            else deliver(item, { ok: true, message: item.message, result: value, index: item.index, latencyMillis: latency });
          }
          pump();
        },
      };

      const start = (unit: Unit<M>): void => {
        active += 1;
        activeBytes += unit.bytes;
        unit.startedAt = Date.now();
        const first = unit.items[0]!;
        if (first.batchItem !== null) {
          const items = unit.items.map((item) => item.batchItem!);
          const batchSubscriber = new UnitSubscriber<M, SendResult[]>(settler, unit);
          sends.set(unit, batchSubscriber);
          target.batchSend$(items, 'async', timeout ?? target.options.sendMsgTimeout).subscribe(batchSubscriber);
          return;
        }
        let sendOptions = plainSendOptions;
        if (unit.key !== null) {
          sendOptions = { ...plainSendOptions, selector: selectByHash, arg: unit.key };
        }
        const subscriber = new UnitSubscriber<M, SendResult>(settler, unit);
        // Registered before subscribing: a send that settles during subscribe() removes itself again.
        sends.set(unit, subscriber);
        target.send$(first.message, sendOptions).subscribe(subscriber);
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
            for (let unit = ready.peek(); unit !== undefined && !subscriber.closed; unit = ready.peek()) {
              if (active >= maxInFlight || (active > 0 && activeBytes + unit.bytes > maxInFlightBytes)) break;
              ready.shift();
              start(unit);
            }
          } while (pumpAgain && !subscriber.closed);
        } finally {
          pumping = false;
        }
        wake();
        if (sourceDone && batch.length === 0 && ready.waiting === 0 && active === 0 && held === 0 && !subscriber.closed) {
          subscriber.complete();
        }
      };

      const enqueue = (items: Item<M>[], key: string | null): void => {
        const unit: Unit<M> = { items, key, bytes: 0, pending: items.length, startedAt: 0 };
        for (const item of items) {
          item.unit = unit;
          unit.bytes += item.bytes;
        }
        ready.push(unit);
      };

      const flushBatch = (): void => {
        if (batchTimer !== null) clearTimeout(batchTimer);
        batchTimer = null;
        if (batch.length === 0) return;
        const items = batch;
        batch = [];
        batchBytes = 0;
        enqueue(items, null);
      };

      const addToBatch = (item: Item<M>): void => {
        const batchItem = item.batchItem!;
        const first = batch.length > 0 ? batch[0]!.batchItem : null;
        if (
          first !== null &&
          (!sameBatch(first, batchItem) || batch.length >= batchMaxMessages || batchBytes + batchItem.recordBytes > batchMaxBytes)
        ) {
          flushBatch();
        }
        batch.push(item);
        batchBytes += batchItem.recordBytes;
        // A pull source stops at the limits; if nothing is in flight either, nothing would ever let it go on.
        if (batch.length >= batchMaxMessages || (!open() && active === 0 && ready.waiting === 0)) flushBatch();
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
        let batchItem: BatchItem | null = null;
        let error: unknown = null;
        if (batching) {
          try {
            batchItem = prepareBatchItem(message, index, { maxMessageSize: target.options.maxMessageSize });
          } catch (caught) {
            error = caught;
          }
        }
        const item: Item<M> = {
          message,
          index,
          bytes: batchItem !== null ? batchItem.body.length : error === null ? bodyBytes(message) : 0,
          batchItem,
          unit: null,
        };
        held += 1;
        heldBytes += item.bytes;
        if (ordered) itemsByIndex.set(index, item);
        if (error !== null) {
          fail(item, error, null);
        } else if (batching) {
          addToBatch(item);
        } else {
          let key: string | null = null;
          if (orderBy !== undefined) {
            try {
              key = String(orderBy(message));
            } catch (caught) {
              fail(item, caught, null);
              pump();
              return;
            }
          }
          enqueue([item], key);
        }
        pump();
      };

      const sourceSubscription = subscribeWithDemand(demand, () =>
        source.subscribe({
          next: onMessage,
          error: (error: unknown) => subscriber.error(error),
          complete: () => {
            sourceDone = true;
            flushBatch();
            pump();
          },
        }),
      );

      return () => {
        sourceSubscription.unsubscribe();
        if (batchTimer !== null) clearTimeout(batchTimer);
        batchTimer = null;
        for (const subscription of sends.values()) subscription.unsubscribe();
        sends.clear();
        wake();
      };
    });
}
