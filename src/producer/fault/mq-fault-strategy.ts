/**
 * Queue selection with optional latency-based fault avoidance (Java `MQFaultStrategy`, 5.x algorithm, with the
 * 5.1.4+ or the 4.9 penalty tables).
 */
import type { MessageQueue } from '../../route/message-queue.js';
import { routeNotFoundError, invalidArgumentError } from '../../route/route-errors.js';
import type { TopicPublishInfo } from '../../route/topic-publish-info.js';
import { LatencyFaultTolerance } from './latency-fault-tolerance.js';

/** Penalty tables and isolation latency of one Java release line. */
export interface FaultTables {
  /** Latency thresholds in milliseconds, ascending. */
  readonly latencyMax: readonly number[];
  /** Penalty for a latency at or above the threshold of the same index, in milliseconds. */
  readonly notAvailableDuration: readonly number[];
  /** Latency assumed for a failed send (`isolation`), in milliseconds. */
  readonly isolationLatencyMillis: number;
}

/**
 * The Java client's tables: `V5` (5.1.4 and later, the default) and `V4_9` (4.9.x). A failed send counts as 10 s of
 * latency in 5.x (→ a 10 s penalty) and as 30 s in 4.9 (→ 600 s).
 */
export const FaultTolerancePresets = {
  /** Java 5.1.4 and later (the default). */
  V5: Object.freeze({
    latencyMax: Object.freeze([50, 100, 550, 1800, 3000, 5000, 15000]),
    notAvailableDuration: Object.freeze([0, 0, 2000, 5000, 6000, 10000, 30000]),
    isolationLatencyMillis: 10000,
  }),
  /** Java 4.9.x. */
  V4_9: Object.freeze({
    latencyMax: Object.freeze([50, 100, 550, 1000, 2000, 3000, 15000]),
    notAvailableDuration: Object.freeze([0, 0, 30000, 60000, 120000, 180000, 600000]),
    isolationLatencyMillis: 30000,
  }),
} as const satisfies Record<string, FaultTables>;

/** Options of {@link MQFaultStrategy}. */
export interface MQFaultStrategyOptions {
  /**
   * Default of `faultEnabled` in {@link MQFaultStrategy.selectOneMessageQueue} (Java `sendLatencyFaultEnable`).
   * @defaultValue false
   */
  sendLatencyFaultEnable?: boolean;
  /**
   * Latency thresholds in milliseconds, ascending.
   * @defaultValue `[50, 100, 550, 1800, 3000, 5000, 15000]` (5.1.4+)
   */
  latencyMax?: readonly number[];
  /**
   * Penalty per threshold in milliseconds; same length as `latencyMax`.
   * @defaultValue `[0, 0, 2000, 5000, 6000, 10000, 30000]` (5.1.4+)
   */
  notAvailableDuration?: readonly number[];
  /**
   * Latency assumed for a send that failed with `isolation` set.
   * @defaultValue 10000 (5.x; 4.9 used 30000)
   */
  isolationLatencyMillis?: number;
  /**
   * Clock in milliseconds.
   * @defaultValue `Date.now`
   */
  now?: () => number;
  /**
   * Randomness in `[0, 1)` (round-robin reset on retries, {@link MQFaultStrategy.pickOneAtLeast}).
   * @defaultValue `Math.random`
   */
  random?: () => number;
}

type QueueFilter = (queue: MessageQueue) => boolean;

function validateTables(latencyMax: readonly number[], notAvailableDuration: readonly number[]): void {
  if (latencyMax.length !== notAvailableDuration.length) {
    throw invalidArgumentError('latencyMax and notAvailableDuration must have the same length');
  }
  for (let i = 0; i < latencyMax.length; i++) {
    const latency = latencyMax[i]!;
    const duration = notAvailableDuration[i]!;
    if (!Number.isFinite(latency) || latency < 0 || (i > 0 && latency < latencyMax[i - 1]!)) {
      throw invalidArgumentError('latencyMax must be non-negative and ascending');
    }
    if (!Number.isFinite(duration) || duration < 0) {
      throw invalidArgumentError('notAvailableDuration must be non-negative');
    }
  }
}

/**
 * Picks the queue for each send attempt and learns from each attempt's latency.
 *
 * Without fault avoidance: round robin over the topic's queues, and on a retry the next queue of a broker other than
 * the last one (falling back to plain round robin when there is only one broker). With fault avoidance: on a retry
 * the round-robin counter jumps to a random place; the next queue whose broker is available (and not the last
 * broker) wins; else one whose broker is reachable; else plain round robin.
 *
 * @example
 * ```ts
 * const strategy = new MQFaultStrategy({ sendLatencyFaultEnable: true });
 * const queue = strategy.selectOneMessageQueue(info, null);
 * // … send, measure …
 * strategy.updateFaultItem(queue.brokerName, latencyMillis, failed);
 * ```
 */
export class MQFaultStrategy {
  /** The per-broker bookkeeping. */
  readonly latencyFaultTolerance: LatencyFaultTolerance;
  /** Default of `faultEnabled`. */
  readonly sendLatencyFaultEnable: boolean;
  /** Latency thresholds in use. */
  readonly latencyMax: readonly number[];
  /** Penalties in use. */
  readonly notAvailableDuration: readonly number[];
  /** Latency assumed for an isolated (failed) send. */
  readonly isolationLatencyMillis: number;

  private readonly availableFilter: QueueFilter;
  private readonly reachableFilter: QueueFilter;

  /**
   * @param options - Tables, clock and randomness.
   * @throws MQClientError `RMQ_ERR_INVALID_ARGUMENT` when the tables differ in length, are not ascending or negative.
   */
  constructor(options: MQFaultStrategyOptions = {}) {
    const preset = FaultTolerancePresets.V5;
    this.latencyMax = Object.freeze([...(options.latencyMax ?? preset.latencyMax)]);
    this.notAvailableDuration = Object.freeze([...(options.notAvailableDuration ?? preset.notAvailableDuration)]);
    validateTables(this.latencyMax, this.notAvailableDuration);
    this.isolationLatencyMillis = options.isolationLatencyMillis ?? preset.isolationLatencyMillis;
    this.sendLatencyFaultEnable = options.sendLatencyFaultEnable ?? false;
    this.latencyFaultTolerance = new LatencyFaultTolerance({
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.random === undefined ? {} : { random: options.random }),
    });
    this.availableFilter = (queue) => this.latencyFaultTolerance.isAvailable(queue.brokerName);
    this.reachableFilter = (queue) => this.latencyFaultTolerance.isReachable(queue.brokerName);
  }

  /**
   * The penalty for a latency: the duration of the highest threshold the latency reaches, or 0.
   *
   * @param latencyMillis - A send's latency.
   * @returns Milliseconds the broker is to be avoided.
   */
  computeNotAvailableDuration(latencyMillis: number): number {
    for (let i = this.latencyMax.length - 1; i >= 0; i--) {
      if (latencyMillis >= this.latencyMax[i]!) return this.notAvailableDuration[i]!;
    }
    return 0;
  }

  /**
   * Records a send attempt's outcome. The penalty comes from `latencyMillis`, or from `isolationLatencyMillis` when
   * `isolation` is set (a failed send). Recorded whether or not fault avoidance is on, so switching it on later uses
   * the history.
   *
   * @param brokerName - The broker the attempt went to.
   * @param latencyMillis - How long the attempt took.
   * @param isolation - `true` when the attempt failed.
   * @param reachable - `false` when the broker looks unreachable (Java passes `false` for broker error responses).
   * @defaultValue reachable `true`
   */
  updateFaultItem(brokerName: string, latencyMillis: number, isolation: boolean, reachable = true): void {
    const duration = this.computeNotAvailableDuration(isolation ? this.isolationLatencyMillis : latencyMillis);
    this.latencyFaultTolerance.updateFaultItem(brokerName, latencyMillis, duration, reachable);
  }

  /**
   * @param brokerName - Broker name.
   * @returns `true` when the broker has no penalty running.
   */
  isAvailable(brokerName: string): boolean {
    return this.latencyFaultTolerance.isAvailable(brokerName);
  }

  /**
   * @returns A random reachable broker among those with a record, or `null`.
   */
  pickOneAtLeast(): string | null {
    return this.latencyFaultTolerance.pickOneAtLeast();
  }

  /**
   * Chooses the queue for the next send attempt.
   *
   * @param info - The topic's publish info (its round-robin counter advances).
   * @param lastBrokerName - Broker of the previous, failed attempt; `null` on the first attempt.
   * @param faultEnabled - Whether to avoid brokers with a running penalty.
   * @param resetIndex - Jump the counter to a random place first (with `faultEnabled` only).
   * @defaultValue faultEnabled `sendLatencyFaultEnable`; resetIndex `lastBrokerName !== null` (Java resets on retries)
   * @returns The queue.
   * @throws MQClientError `RMQ_ERR_ROUTE_NOT_FOUND` (10005) when the topic has no send queue.
   */
  selectOneMessageQueue(
    info: TopicPublishInfo,
    lastBrokerName: string | null | undefined,
    faultEnabled: boolean = this.sendLatencyFaultEnable,
    resetIndex: boolean = lastBrokerName != null,
  ): MessageQueue {
    if (info.messageQueues.length === 0) throw routeNotFoundError(info.topic, null);
    const otherBroker: QueueFilter | null =
      lastBrokerName == null ? null : (queue) => queue.brokerName !== lastBrokerName;
    if (faultEnabled) {
      if (resetIndex) info.sendWhichQueue.reset();
      return (
        selectFiltered(info, this.availableFilter, otherBroker) ??
        selectFiltered(info, this.reachableFilter, otherBroker) ??
        selectNext(info)
      );
    }
    return (otherBroker === null ? null : selectFiltered(info, otherBroker, null)) ?? selectNext(info);
  }
}

function selectNext(info: TopicPublishInfo): MessageQueue {
  const queues = info.messageQueues;
  return queues[info.sendWhichQueue.incrementAndGet() % queues.length]!;
}

/** One round over the queues from the counter on; the first queue every filter accepts, or null. */
function selectFiltered(info: TopicPublishInfo, first: QueueFilter, second: QueueFilter | null): MessageQueue | null {
  const queues = info.messageQueues;
  for (let i = 0; i < queues.length; i++) {
    const queue = queues[info.sendWhichQueue.incrementAndGet() % queues.length]!;
    if (first(queue) && (second === null || second(queue))) return queue;
  }
  return null;
}
