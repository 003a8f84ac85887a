/**
 * Per-broker fault bookkeeping for latency-based fault avoidance (Java `LatencyFaultToleranceImpl`, 5.x semantics).
 */

/** Options of {@link LatencyFaultTolerance}. */
export interface LatencyFaultToleranceOptions {
  /**
   * Clock in milliseconds; inject a fake one in tests.
   * @defaultValue `Date.now`
   */
  now?: () => number;
  /**
   * Randomness in `[0, 1)` for {@link LatencyFaultTolerance.pickOneAtLeast}.
   * @defaultValue `Math.random`
   */
  random?: () => number;
}

/** What is known about one broker. */
export interface FaultItem {
  /** Broker name. */
  readonly name: string;
  /** Latency of the last send to it, in milliseconds. */
  readonly currentLatency: number;
  /** The broker is avoided until this time (epoch milliseconds of the injected clock). */
  readonly startTimestamp: number;
  /** `false` after a failure that suggests the broker cannot be reached at all. */
  readonly reachable: boolean;
}

interface MutableFaultItem {
  name: string;
  currentLatency: number;
  startTimestamp: number;
  reachable: boolean;
}

/**
 * Remembers, per broker name, until when it should be avoided and whether it is reachable.
 *
 * As in Java 5.x, a penalty only ever extends: a later, shorter (or zero) penalty does not shorten an earlier one.
 *
 * @example
 * ```ts
 * const faults = new LatencyFaultTolerance();
 * faults.updateFaultItem('broker-a', 3200, 10_000);
 * faults.isAvailable('broker-a'); // false for the next 10 s
 * ```
 */
export class LatencyFaultTolerance {
  private readonly items = new Map<string, MutableFaultItem>();
  private readonly now: () => number;
  private readonly random: () => number;

  /** @param options - Clock and randomness. */
  constructor(options: LatencyFaultToleranceOptions = {}) {
    this.now = options.now ?? Date.now;
    this.random = options.random ?? Math.random;
  }

  /**
   * Records the outcome of a send to a broker.
   *
   * @param name - Broker name.
   * @param currentLatency - Latency of the send, in milliseconds.
   * @param notAvailableDuration - How long to avoid the broker from now; 0 leaves an existing penalty alone.
   * @param reachable - Whether the broker is still considered reachable.
   * @defaultValue reachable `true`
   */
  updateFaultItem(name: string, currentLatency: number, notAvailableDuration: number, reachable = true): void {
    let item = this.items.get(name);
    if (item === undefined) {
      item = { name, currentLatency, startTimestamp: 0, reachable };
      this.items.set(name, item);
    }
    item.currentLatency = currentLatency;
    item.reachable = reachable;
    if (notAvailableDuration > 0) {
      const until = this.now() + notAvailableDuration;
      if (until > item.startTimestamp) item.startTimestamp = until;
    }
  }

  /**
   * @param name - Broker name.
   * @returns `true` when the broker has no penalty running (unknown brokers are available).
   */
  isAvailable(name: string): boolean {
    const item = this.items.get(name);
    return item === undefined || this.now() >= item.startTimestamp;
  }

  /**
   * @param name - Broker name.
   * @returns `true` unless the last update marked the broker unreachable (unknown brokers are reachable).
   */
  isReachable(name: string): boolean {
    return this.items.get(name)?.reachable ?? true;
  }

  /**
   * Forgets a broker.
   *
   * @param name - Broker name.
   */
  remove(name: string): void {
    this.items.delete(name);
  }

  /**
   * A broker to try when every broker is being avoided: a random one among those still reachable (Java 5.x).
   *
   * @returns A broker name, or `null` when no known broker is reachable.
   */
  pickOneAtLeast(): string | null {
    const reachable = [...this.items.values()].filter((item) => item.reachable);
    if (reachable.length === 0) return null;
    const pick = reachable[Math.floor(this.random() * reachable.length)] ?? reachable[0]!;
    return pick.name;
  }

  /**
   * A snapshot of what is known, for metrics and tests.
   *
   * @returns One entry per broker that has had a send recorded.
   */
  faultItems(): FaultItem[] {
    return [...this.items.values()].map((item) => ({ ...item }));
  }
}
