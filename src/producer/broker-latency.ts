/**
 * Per-broker send-attempt latency since the producer started, for `producer.metrics()`: a log-bucketed histogram
 * per broker (buckets 10 % wide), so recording allocates nothing and p50/p99 are read to within a bucket.
 * @internal
 */

const GROWTH = 1.1;
const LOG_GROWTH = Math.log(GROWTH);
const BUCKETS = 220; // 1.1^219 ms ≈ 1.1 × 10^9 ms: beyond any send deadline

function bucketOf(millis: number): number {
  if (!(millis >= 1)) return 0;
  return Math.min(BUCKETS - 1, 1 + Math.floor(Math.log(millis) / LOG_GROWTH));
}

/** Upper bound of bucket `i`, ms. */
function upperBound(i: number): number {
  return i === 0 ? 1 : GROWTH ** i;
}

/** One broker's attempt latencies. */
export interface BrokerLatency {
  /** Broker name. */
  readonly brokerName: string;
  /** Attempts that settled (successful or not). */
  readonly attempts: number;
  /** Of them, failed ones. */
  readonly failures: number;
  /** Median attempt latency, ms (upper bound of its 10 % bucket). */
  readonly p50Millis: number;
  /** 99th percentile, ms (upper bound of its bucket). */
  readonly p99Millis: number;
  /** Largest latency seen, ms. */
  readonly maxMillis: number;
}

class Histogram {
  readonly counts = new Uint32Array(BUCKETS);
  attempts = 0;
  failures = 0;
  max = 0;

  quantile(q: number): number {
    if (this.attempts === 0) return 0;
    const rank = Math.ceil(q * this.attempts);
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i]!;
      if (seen >= rank) return Math.min(upperBound(i), this.max);
    }
    return this.max;
  }
}

/** @internal */
export class BrokerLatencyRecorder {
  private readonly brokers = new Map<string, Histogram>();

  /** Records one settled attempt. */
  record(brokerName: string, millis: number, failed: boolean): void {
    let h = this.brokers.get(brokerName);
    if (h === undefined) {
      h = new Histogram();
      this.brokers.set(brokerName, h);
    }
    h.counts[bucketOf(millis)]!++;
    h.attempts++;
    if (failed) h.failures++;
    if (millis > h.max) h.max = millis;
  }

  /** Every broker's numbers, by name. */
  snapshot(): BrokerLatency[] {
    return [...this.brokers]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([brokerName, h]) => ({
        brokerName,
        attempts: h.attempts,
        failures: h.failures,
        p50Millis: h.quantile(0.5),
        p99Millis: h.quantile(0.99),
        maxMillis: h.max,
      }));
  }
}
