/**
 * The measuring loops: warm-up, then N messages with per-message latency in a preallocated Float64Array, CPU time
 * from `process.cpuUsage`, peak RSS sampled on a timer.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { summarizeLatencies, type LatencySummary } from './stats.js';

/** What a measuring loop produced. */
export interface Measurement {
  messages: number;
  errors: number;
  seconds: number;
  /** `null` when the scenario has no per-message completion. */
  latency: LatencySummary | null;
  cpuMicros: number;
  /** CPU of the broker process over the measured phase, µs (`null` when not read). */
  brokerCpuMicros: number | null;
  peakRssBytes: number;
  /** The first error seen, for the row's note. */
  firstError: unknown;
}

/** Called by a windowed driver when message `index` completed (with an error or not). */
export type Done = (index: number, error?: unknown) => void;

/** Starts message `index`; must eventually call `done(index, error?)` exactly once. May call it synchronously. */
export type Issue = (index: number, done: Done) => void;

// A full GC between rows keeps one row's garbage out of the next row's numbers. `npm run bench` runs through tsx,
// where `--expose-gc` cannot be passed, so expose it at run time.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * Collects garbage twice (the second pass frees what finalizers of the first released). The loops call it before
 * their warm-up, not between warm-up and measured phase: a full GC while no send is in flight lets V8 drop the
 * optimized code of the send path (its weakly held maps died, "weak objects" deopts), so a measured phase right
 * after it would pay for re-optimizing what the warm-up had optimized, and the sync rows most (fewer messages).
 */
export function collectGarbage(): void {
  gc();
  gc();
}

/** Samples RSS every `intervalMillis` until stopped; `stop()` returns the peak (including a last sample). */
export function sampleRss(intervalMillis = 25): { stop(): number } {
  let peak = process.memoryUsage.rss();
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    if (rss > peak) peak = rss;
  }, intervalMillis);
  return {
    stop(): number {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage.rss());
    },
  };
}

interface Phase {
  completed: number;
  errors: number;
  firstError: unknown;
}

/**
 * Keeps up to `inFlight` messages outstanding until `count` completed. `latencies[i]` is set to the completion time
 * of message `offset + i` minus its issue time (ms).
 */
function windowed(issue: Issue, count: number, inFlight: number, starts: Float64Array, latencies: Float64Array): Promise<Phase> {
  return new Promise((resolve) => {
    const phase: Phase = { completed: 0, errors: 0, firstError: undefined };
    let issued = 0;
    let outstanding = 0;
    let pumping = false;
    const done: Done = (index, error) => {
      latencies[index] = performance.now() - starts[index]!;
      outstanding--;
      phase.completed++;
      if (error !== undefined) {
        phase.errors++;
        phase.firstError ??= error;
      }
      if (phase.completed === count) resolve(phase);
      else if (!pumping) pump();
    };
    // A loop rather than recursion: a driver may call `done` synchronously.
    const pump = (): void => {
      pumping = true;
      while (outstanding < inFlight && issued < count) {
        const index = issued++;
        outstanding++;
        starts[index] = performance.now();
        issue(index, done);
      }
      pumping = false;
    };
    if (count === 0) resolve(phase);
    else pump();
  });
}

/** Options of {@link measureWindowed} and {@link measureSequential}. */
export interface MeasureOptions {
  /** Messages measured. */
  messages: number;
  /** Messages sent first and not measured (JIT, connections, routes, pools). */
  warmup: number;
  /** For windowed loops: most messages outstanding. */
  inFlight?: number;
  /** Oneway-style rows: no per-message latency in the result. */
  noLatency?: boolean;
  /**
   * Awaited after each phase's messages completed, inside the timed phase (e.g. "until the broker has them all").
   * Gets the number of messages completed so far over all phases (warm-up included).
   */
  settle?: (completedSoFar: number) => Promise<void>;
  /** CPU time so far of the broker process, µs; read at the start and end of the measured phase. */
  brokerCpu?: () => number | null;
}

/** Broker CPU between two readings, or `null` if either is missing. */
export function cpuDelta(before: number | null | undefined, after: number | null | undefined): number | null {
  return before === null || before === undefined || after === null || after === undefined ? null : after - before;
}

/** Windowed loop: async sends with up to `inFlight` outstanding. */
export async function measureWindowed(issue: Issue, options: MeasureOptions): Promise<Measurement> {
  const inFlight = options.inFlight ?? 1;
  const size = Math.max(options.messages, options.warmup);
  const starts = new Float64Array(size);
  const latencies = new Float64Array(size).fill(NaN);
  collectGarbage();
  if (options.warmup > 0) {
    await windowed(issue, options.warmup, inFlight, starts, latencies);
    await options.settle?.(options.warmup);
  }
  latencies.fill(NaN);
  const rss = sampleRss();
  const broker0 = options.brokerCpu?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const phase = await windowed(issue, options.messages, inFlight, starts, latencies);
  await options.settle?.(options.warmup + options.messages);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const brokerCpuMicros = cpuDelta(broker0, options.brokerCpu?.());
  const peakRssBytes = rss.stop();
  return {
    messages: options.messages,
    errors: phase.errors,
    seconds,
    latency: options.noLatency ? null : summarizeLatencies(latencies, options.messages),
    cpuMicros: cpu.user + cpu.system,
    brokerCpuMicros,
    peakRssBytes,
    firstError: phase.firstError,
  };
}

/** Sequential loop: `await sendOnce()` N times, as an application doing `await producer.send()` would. */
export async function measureSequential(sendOnce: (index: number) => Promise<unknown>, options: MeasureOptions): Promise<Measurement> {
  const latencies = new Float64Array(Math.max(options.messages, 1)).fill(NaN);
  let errors = 0;
  let firstError: unknown;
  collectGarbage();
  for (let i = 0; i < options.warmup; i++) {
    try {
      await sendOnce(i);
    } catch {
      // counted in the measured phase only
    }
  }
  const rss = sampleRss();
  const broker0 = options.brokerCpu?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let i = 0; i < options.messages; i++) {
    const start = performance.now();
    try {
      await sendOnce(i);
    } catch (error) {
      errors++;
      firstError ??= error;
    }
    latencies[i] = performance.now() - start;
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const brokerCpuMicros = cpuDelta(broker0, options.brokerCpu?.());
  const peakRssBytes = rss.stop();
  return {
    messages: options.messages,
    errors,
    seconds,
    latency: summarizeLatencies(latencies, options.messages),
    cpuMicros: cpu.user + cpu.system,
    brokerCpuMicros,
    peakRssBytes,
    firstError,
  };
}
