/**
 * `producer.publish()` (issue 5): a stream of messages piped through the backpressure-aware publish operator, with
 * and without batching, plus the RSS check (100k vs 1M messages through one stream).
 */
import { pullFrom, type Message, type Producer, type PublishBatchOptions, type PublishOutcome } from '../../src/index.js';
import { collectGarbage, cpuDelta, sampleRss, type Measurement } from '../lib/measure.js';
import { summarizeLatencies } from '../lib/stats.js';
import { BENCH_TOPIC } from '../lib/fixtures.js';

/** Options of one publish row. */
export interface PublishRowOptions {
  body: Buffer;
  messages: number;
  warmup: number;
  /** `publish({ maxInFlight })`. */
  maxInFlight: number;
  /** `publish({ batch })`, or none. */
  batch?: PublishBatchOptions;
  /** CPU time so far of the broker process, µs. */
  brokerCpu?: () => number | null;
}

interface Phase {
  completed: number;
  errors: number;
  firstError: unknown;
}

/** The source: a generator pulled by `publish` (through `pullFrom`) only when it has room. */
function* messages(count: number, body: Buffer, starts: Float64Array | null): Generator<Message> {
  for (let i = 0; i < count; i++) {
    if (starts !== null) starts[i] = performance.now();
    yield { topic: BENCH_TOPIC, body };
  }
}

function stream(
  producer: Producer,
  options: PublishRowOptions,
  count: number,
  /** Per-message issue and latency arrays (`null`: latency not recorded). */
  timing: { starts: Float64Array; latencies: Float64Array } | null,
  onOutcome?: (completed: number) => void,
): Promise<Phase> {
  return new Promise((resolve, reject) => {
    const phase: Phase = { completed: 0, errors: 0, firstError: undefined };
    pullFrom(messages(count, options.body, timing?.starts ?? null))
      .pipe(producer.publish({ maxInFlight: options.maxInFlight, ...(options.batch === undefined ? {} : { batch: options.batch }) }))
      .subscribe({
        next: (outcome: PublishOutcome) => {
          // `index` is the message's position in the source, which is also where its issue time was written.
          if (timing !== null) timing.latencies[outcome.index] = performance.now() - timing.starts[outcome.index]!;
          if (!outcome.ok) {
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
export async function measurePublish(producer: Producer, options: PublishRowOptions): Promise<Measurement> {
  const size = Math.max(options.messages, options.warmup);
  const starts = new Float64Array(size);
  const latencies = new Float64Array(size).fill(NaN);
  collectGarbage(); // before the warm-up, not after it: see collectGarbage
  if (options.warmup > 0) await stream(producer, options, options.warmup, { starts, latencies });
  latencies.fill(NaN);
  const rss = sampleRss();
  const broker0 = options.brokerCpu?.();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const phase = await stream(producer, options, options.messages, { starts, latencies });
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
export async function measurePublishRss(producer: Producer, body: Buffer, maxInFlight: number, checkpoints: number[]): Promise<RssCheckpoint[]> {
  const total = Math.max(...checkpoints);
  const results: RssCheckpoint[] = [];
  const pending = new Set(checkpoints);
  const options: PublishRowOptions = { body, messages: total, warmup: 0, maxInFlight };
  const phase = await stream(producer, options, total, null, (completed) => {
    if (!pending.has(completed)) return;
    pending.delete(completed);
    collectGarbage();
    const usage = process.memoryUsage();
    results.push({ messages: completed, rssMiB: usage.rss / (1024 * 1024), heapUsedMiB: usage.heapUsed / (1024 * 1024) });
  });
  if (phase.errors > 0) throw new Error(`${phase.errors} of ${total} messages failed in the RSS run`);
  return results;
}

/**
 * The publish row as the one-row scripts (`publish-row.ts`, `publish-row-split.ts`) run it: 1 KiB bodies, 64 × 8
 * batches in flight (the `publish batched` row of `npm run bench`) or 512 single messages, a tenth as warm-up.
 * @returns the line they print
 */
export async function publishRowLine(producer: Producer, batched: boolean, messages: number, brokerCpu: () => number | null): Promise<string> {
  const m = await measurePublish(producer, {
    body: Buffer.alloc(1024, 0x61),
    messages,
    warmup: Math.round(messages / 10),
    maxInFlight: batched ? 8 : 512,
    brokerCpu,
    ...(batched ? { batch: { maxMessages: 64 } } : {}),
  });
  const broker = m.brokerCpuMicros === null ? '—' : (m.brokerCpuMicros / m.messages).toFixed(2);
  return (
    `${batched ? 'publish batched 64×8' : 'publish 512'}: ${Math.round(m.messages / m.seconds)} msgs/s, ` +
    `client ${(m.cpuMicros / m.messages).toFixed(2)} µs/msg, broker ${broker} µs/msg, errors ${m.errors}`
  );
}
