/**
 * The soak's report: the flat-memory check and the Markdown the soak prints (and RELIABILITY.md quotes).
 */

/** One memory sample, taken after a forced GC (when `--expose-gc`) in a fault-free moment. */
export interface MemorySample {
  atSeconds: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** Sends not settled when the sample was taken. */
  pending: number;
}

/** Everything one soak run measured. */
export interface SoakReport {
  seed: number;
  minutes: number;
  publishSeconds: number;
  ratePerSecond: number;
  bodyBytes: number;
  timeoutMillis: number;
  slackMillis: number;
  sends: number;
  settled: number;
  /** `SEND_OK` (and other store statuses) or the error `code` of each failed send. */
  outcomes: Record<string, number>;
  doubleCallbacks: number;
  unsettled: number;
  untypedErrors: number;
  maxSettleMillis: number;
  faults: Record<string, number>;
  faultErrors: number;
  eventLoopLagP99Millis: number;
  eventLoopLagMaxMillis: number;
  warmupSeconds: number;
  samples: MemorySample[];
  /** (max − min) / first, of the samples after warm-up. */
  rssSpread: number | null;
  heapSpread: number | null;
  shutdownMillis: number;
  openHandles: string[];
  /** Broken invariants; empty when the run passed. */
  violations: string[];
}

/** Allowed deviation of any sample after warm-up from the first one after warm-up. */
export const FLAT_TOLERANCE = 0.1;

/**
 * Whether memory stayed flat: the heap within ±{@link FLAT_TOLERANCE} of the first sample, RSS no more than
 * {@link FLAT_TOLERANCE} above it (the samples given are those after warm-up; fewer than two cannot show a trend
 * and pass). RSS may fall further: that is the allocator returning pages to the OS, not a leak; the spread reports
 * it.
 */
export function checkFlat(samples: readonly MemorySample[]): { rssSpread: number | null; heapSpread: number | null; violations: string[] } {
  const first = samples[0];
  if (first === undefined || samples.length < 2) return { rssSpread: null, heapSpread: null, violations: [] };
  const violations: string[] = [];
  const spread = (pick: (s: MemorySample) => number, name: string, mayFall: boolean): number => {
    const base = pick(first);
    let min = base;
    let max = base;
    for (const s of samples) {
      const value = pick(s);
      min = Math.min(min, value);
      max = Math.max(max, value);
      const change = value / base - 1;
      if (change > FLAT_TOLERANCE || (!mayFall && change < -FLAT_TOLERANCE)) {
        violations.push(`${name} at ${s.atSeconds}s is ${mib(value)} MiB, ${(change * 100).toFixed(1)} % from ${mib(base)} MiB at ${first.atSeconds}s`);
      }
    }
    return (max - min) / base;
  };
  return { rssSpread: spread((s) => s.rssBytes, 'RSS', true), heapSpread: spread((s) => s.heapUsedBytes, 'heap', false), violations };
}

function mib(bytes: number): string {
  return (bytes / 2 ** 20).toFixed(1);
}

function percent(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(1)} %`;
}

/** The report as Markdown. */
export function formatSoakReport(r: SoakReport): string {
  const lines = [
    `## Soak: ${r.minutes} min, ${r.ratePerSecond} msg/s of ${r.bodyBytes} B, seed ${r.seed}`,
    '',
    `| | |`,
    `|---|---|`,
    `| sends | ${r.sends} in ${r.publishSeconds.toFixed(0)} s |`,
    `| settled | ${r.settled} (unsettled: ${r.unsettled}) |`,
    `| exactly-once violations | ${r.doubleCallbacks} second callbacks, ${r.unsettled} missing |`,
    `| failures that are not RocketMQErrors | ${r.untypedErrors} |`,
    `| max settle time | ${r.maxSettleMillis} ms (timeout ${r.timeoutMillis} ms, slack ${r.slackMillis} ms) |`,
    `| event-loop lag | p99 ${r.eventLoopLagP99Millis} ms, max ${r.eventLoopLagMaxMillis} ms |`,
    `| memory after ${r.warmupSeconds} s warm-up | RSS spread ${percent(r.rssSpread)}, heap spread ${percent(r.heapSpread)} (limits: heap ±${FLAT_TOLERANCE * 100} %, RSS +${FLAT_TOLERANCE * 100} %) |`,
    `| shutdown | ${r.shutdownMillis} ms |`,
    `| open handles at the end | ${r.openHandles.length === 0 ? 'none' : r.openHandles.join(', ')} |`,
    '',
    'Outcomes:',
    '',
    '| outcome | count |',
    '|---|---|',
    ...Object.entries(r.outcomes).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    `Faults (${Object.values(r.faults).reduce((a, b) => a + b, 0)} applied, ${r.faultErrors} could not be applied):`,
    '',
    '| fault | times |',
    '|---|---|',
    ...Object.entries(r.faults).map(([k, v]) => `| ${k} | ${v} |`),
    '',
    'Memory (after a forced GC, in a fault-free moment):',
    '',
    '| t | RSS MiB | heap MiB | pending sends |',
    '|---|---|---|---|',
    ...r.samples.map((s) => `| ${s.atSeconds} s${s.atSeconds < r.warmupSeconds ? ' (warm-up)' : ''} | ${mib(s.rssBytes)} | ${mib(s.heapUsedBytes)} | ${s.pending} |`),
    '',
    r.violations.length === 0 ? '**PASS**: every invariant held.' : `**FAIL**:\n${r.violations.map((v) => `- ${v}`).join('\n')}`,
    '',
  ];
  return lines.join('\n');
}
