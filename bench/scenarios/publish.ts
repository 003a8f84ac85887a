/**
 * `producer.publish()` (issue 5): a stream of messages piped through the backpressure-aware publish operator, with
 * and without batching, plus the RSS check (100k vs 1M messages through one stream).
 */
import { from, type Observable } from 'rxjs';
import { collectGarbage, cpuDelta, sampleRss, type Measurement } from '../lib/measure.js';
import { summarizeLatencies } from '../lib/stats.js';
import { BENCH_TOPIC } from '../lib/fixtures.js';

/** Marks each message with its index, so an outcome can be matched to its issue time without touching the wire. */
const INDEX = Symbol('bench.index');

interface BenchMessage {
  topic: string;
  body: Buffer;
  [INDEX]: number;
}

/** What the harness reads from an outcome: the input message, and an error when the send failed. */
interface OutcomeLike {
  message?: unknown;
  error?: unknown;
}

/** `producer.publish(options)` as an operator; typed loosely so the harness builds before issue 5 lands. */
export type PublishFn = (options: Record<string, unknown>) => (source: Observable<BenchMessage>) => Observable<unknown>;

/** Options of one publish row. */
export interface PublishRowOptions {
  body: Buffer;
  messages: number;
  warmup: number;
  /** `publish({ maxInFlight })`. */
  maxInFlight: number;
  /** `publish({ batch })`, or none. */
  batch?: { maxMessages: number; maxBytes?: number; maxDelayMs?: number };
  /** CPU time so far of the broker process, µs. */
  brokerCpu?: () => number | null;
}

interface Phase {
  completed: number;
  errors: number;
  firstError: unknown;
}

async function* messages(count: number, body: Buffer, starts: Float64Array | null): AsyncGenerator<BenchMessage> {
  for (let i = 0; i < count; i++) {
    if (starts !== null) starts[i] = performance.now();
    yield { topic: BENCH_TOPIC, body, [INDEX]: i };
  }
}

function stream(
  publish: PublishFn,
  options: PublishRowOptions,
  count: number,
  /** Per-message issue and latency arrays (`null`: latency not recorded). */
  timing: { starts: Float64Array; latencies: Float64Array } | null,
  onOutcome?: (completed: number) => void,
): Promise<Phase> {
  const publishOptions: Record<string, unknown> = { maxInFlight: options.maxInFlight };
  if (options.batch !== undefined) publishOptions['batch'] = options.batch;
  return new Promise((resolve, reject) => {
    const phase: Phase = { completed: 0, errors: 0, firstError: undefined };
    from(messages(count, options.body, timing?.starts ?? null))
      .pipe(publish(publishOptions))
      .subscribe({
        next: (value) => {
          const outcome = value as OutcomeLike;
          const message = outcome.message as Partial<BenchMessage> | undefined;
          const index = message?.[INDEX];
          if (timing !== null && index !== undefined) timing.latencies[index] = performance.now() - timing.starts[index]!;
          if (outcome.error !== undefined && outcome.error !== null) {
            phase.errors++;
            phase.firstError ??= outcome.error;
          }
          phase.completed++;
          onOutcome?.(phase.completed);
        },
        error: reject,
        complete: () => resolve(phase),
      });
  });
}

/** One publish row: warm-up stream, then a measured stream of `messages`. */
export async function measurePublish(publish: PublishFn, options: PublishRowOptions): Promise<Measurement> {
  const size = Math.max(options.messages, options.warmup);
  const starts = new Float64Array(size);
  const latencies = new Float64Array(size).fill(NaN);
  if (options.warmup > 0) await stream(publish, options, options.warmup, { starts, latencies });
  latencies.fill(NaN);
  collectGarbage();
  const rss = sampleRss();
  const broker0 = options.brokerCpu?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const phase = await stream(publish, options, options.messages, { starts, latencies });
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const brokerCpuMicros = cpuDelta(broker0, options.brokerCpu?.());
  return {
    messages: options.messages,
    errors: phase.errors,
    seconds,
    latency: summarizeLatencies(latencies, options.messages),
    cpuMicros: cpu.user + cpu.system,
    brokerCpuMicros,
    peakRssBytes: rss.stop(),
    firstError: phase.firstError,
  };
}

/** RSS (and heap) when the stream had produced a given number of outcomes. */
export interface RssCheckpoint {
  messages: number;
  rssMiB: number;
  heapUsedMiB: number;
}

/**
 * One long publish stream; RSS is read at each checkpoint after a full GC, so it is what is retained, not garbage
 * waiting for collection. Latency is not recorded here: its arrays would grow with the count.
 */
export async function measurePublishRss(publish: PublishFn, body: Buffer, maxInFlight: number, checkpoints: number[]): Promise<RssCheckpoint[]> {
  const total = Math.max(...checkpoints);
  const results: RssCheckpoint[] = [];
  const pending = new Set(checkpoints);
  const options: PublishRowOptions = { body, messages: total, warmup: 0, maxInFlight };
  const phase = await stream(publish, options, total, null, (completed) => {
    if (!pending.has(completed)) return;
    pending.delete(completed);
    collectGarbage();
    const usage = process.memoryUsage();
    results.push({ messages: completed, rssMiB: usage.rss / (1024 * 1024), heapUsedMiB: usage.heapUsed / (1024 * 1024) });
  });
  if (phase.errors > 0) throw new Error(`${phase.errors} of ${total} messages failed in the RSS run`);
  return results;
}
