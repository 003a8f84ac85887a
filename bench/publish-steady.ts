/**
 * The `publish batched` row's client over time: one long stream of 1 KiB messages, 64 per batch, 8 batches in
 * flight (as the row), against a broker started by `publish-row-split.ts broker <port>`, printing the client's CPU
 * per message (all its threads: V8's compiler and GC threads included) for each window of messages, and how many
 * scavenges and full GCs fell in it. It shows how long the path takes to reach its steady state (V8 optimizing it on
 * its background threads) against a measured phase of a given length.
 *
 *   node bench/.build/publish-row-split.js broker 19876 &                # or through tsx
 *   BROKER_PID=<pid> npx tsx bench/publish-steady.ts 19876 [messages] [window]
 */
import { PerformanceObserver, constants } from 'node:perf_hooks';
import { pullFrom, type Message, type PublishOutcome } from '../src/index.js';
import { BENCH_TOPIC } from './lib/fixtures.js';
import { processCpuMicros } from './lib/process-cpu.js';
import { startRx } from './scenarios/rocketmq-rx.js';

const port = Number(process.argv[2] ?? 19876);
const total = Number(process.argv[3] ?? 1_200_000);
const window = Number(process.argv[4] ?? 100_000);
const brokerPid = Number(process.env.BROKER_PID ?? 0);

let scavenges = 0;
let fullGcs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) scavenges++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullGcs++;
  }
}).observe({ entryTypes: ['gc'] });

const rx = await startRx(`127.0.0.1:${port}`);
const body = Buffer.alloc(1024, 0x61);
function* messages(): Generator<Message> {
  for (let i = 0; i < total; i++) yield { topic: BENCH_TOPIC, body };
}

let cpu0 = process.cpuUsage();
let broker0 = brokerPid > 0 ? processCpuMicros(brokerPid) : null;
let t0 = performance.now();
let gc0 = { scavenges, fullGcs };
let completed = 0;
let errors = 0;
const line = (): void => {
  const cpu = process.cpuUsage(cpu0);
  const broker = brokerPid > 0 ? processCpuMicros(brokerPid) : null;
  const seconds = (performance.now() - t0) / 1000;
  const brokerText = broker === null || broker0 === null ? '—' : ((broker - broker0) / window).toFixed(2);
  console.log(
    `${String(completed).padStart(9)}: ${String(Math.round(window / seconds)).padStart(7)} msgs/s, client ${((cpu.user + cpu.system) / window).toFixed(2)} µs/msg ` +
      `(user ${(cpu.user / window).toFixed(2)}, sys ${(cpu.system / window).toFixed(2)}), broker ${brokerText} µs/msg, ` +
      `scavenges ${scavenges - gc0.scavenges}, full GCs ${fullGcs - gc0.fullGcs}`,
  );
  cpu0 = process.cpuUsage();
  broker0 = broker;
  t0 = performance.now();
  gc0 = { scavenges, fullGcs };
};

await new Promise<void>((resolve, reject) => {
  pullFrom(messages())
    .pipe(rx.producer.publish({ maxInFlight: 8, batch: { maxMessages: 64 } }))
    .subscribe({
      next: (outcome: PublishOutcome) => {
        if (!outcome.ok) errors++;
        completed++;
        if (completed % window === 0) line();
      },
      error: reject,
      complete: resolve,
    });
});
console.log(`errors ${errors}`);
await rx.close();
