/**
 * Latency statistics over a preallocated sample array (pure).
 */

/** Latency summary of one row, milliseconds. */
export interface LatencySummary {
  count: number;
  mean: number;
  p50: number;
  p99: number;
  p999: number;
  max: number;
}

/**
 * Nearest-rank percentile of an ascending array: the smallest sample such that at least `p` of all samples are ≤ it.
 * Using a rank rather than interpolation keeps p99.9 of a short run equal to a sample that was actually observed.
 * @param sorted - ascending samples; only `[0, count)` is read.
 * @param p - in `[0, 1]`.
 * @returns the percentile, or `NaN` when there are no samples.
 */
export function percentile(sorted: ArrayLike<number>, p: number, count = sorted.length): number {
  if (count <= 0) return NaN;
  if (!(p >= 0 && p <= 1)) throw new RangeError(`percentile: p must be in [0, 1], got ${p}`);
  const rank = Math.max(1, Math.ceil(p * count));
  return sorted[Math.min(rank, count) - 1]!;
}

/**
 * Sorts the first `count` samples in place (typed-array sort is numeric) and summarises them.
 * NaN samples (messages whose completion was never recorded) are dropped.
 */
export function summarizeLatencies(samples: Float64Array, count = samples.length): LatencySummary {
  const view = samples.subarray(0, count).sort();
  // A typed-array sort puts NaN last.
  let n = view.length;
  while (n > 0 && Number.isNaN(view[n - 1])) n--;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += view[i]!;
  return {
    count: n,
    mean: n === 0 ? NaN : sum / n,
    p50: percentile(view, 0.5, n),
    p99: percentile(view, 0.99, n),
    p999: percentile(view, 0.999, n),
    max: n === 0 ? NaN : view[n - 1]!,
  };
}

/** `a / b`, or `null` when either side is missing or `b` is 0. */
export function ratio(a: number | null | undefined, b: number | null | undefined): number | null {
  if (a === null || a === undefined || b === null || b === undefined || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) {
    return null;
  }
  return a / b;
}

/** Relative change `(to − from) / from`, e.g. RSS from 100k to 1M messages. */
export function relativeChange(from: number, to: number): number {
  return (to - from) / from;
}

/**
 * The round with the median throughput (the lower middle one for an even count), so the reported latency, CPU and
 * RSS all come from one real round rather than being mixed across rounds.
 * @throws RangeError when `rounds` is empty.
 */
export function medianBy<T>(rounds: readonly T[], value: (round: T) => number): { median: T; min: number; max: number } {
  if (rounds.length === 0) throw new RangeError('medianBy: no rounds');
  const sorted = [...rounds].sort((a, b) => value(a) - value(b));
  return { median: sorted[(sorted.length - 1) >> 1]!, min: value(sorted[0]!), max: value(sorted[sorted.length - 1]!) };
}
