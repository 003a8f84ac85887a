/**
 * `publish` (no batching) against `sendAsync` in ONE process, against ONE broker: the bench broker in its own
 * process, one producer here, rounds alternating the two (the order flips every round), each a warm-up and a
 * measured phase of the same messages with the same window. Prints each round's client CPU µs/msg and msgs/s of
 * both and their difference (publish − sendAsync), then the medians. On a shared machine a round's two figures
 * see about the same load, so the per-round difference is steadier than either figure.
 *
 * With `PVA_ONLY=async` or `PVA_ONLY=publish`, only that row runs (e.g. to profile it alone).
 *
 *   npx tsx bench/publish-vs-async.bench.ts [rounds] [messages] [window]
 */
import { readFileSync } from 'node:fs';
import { startBroker } from './lib/broker.js';
import { measureWindowed, type Measurement } from './lib/measure.js';
import { processCpuMicros } from './lib/process-cpu.js';
import { measurePublish } from './scenarios/publish.js';
import { startRx } from './scenarios/rocketmq-rx.js';

const rounds = Number(process.argv[2] ?? 5);
const messages = Number(process.argv[3] ?? 50_000);
const window = Number(process.argv[4] ?? 512);
const body = Buffer.alloc(1024, 0x61);

const broker = await startBroker({ maxStoredMessages: 10_000 });
const rx = await startRx(broker.namesrvAddr);
const brokerCpu = (): number | null => processCpuMicros(broker.pid);

/** Read and write system calls and voluntary context switches (event-loop sleeps) of this process so far (Linux). */
function kernelCounts(): { reads: number; writes: number; sleeps: number } {
  try {
    const io = readFileSync('/proc/self/io', 'utf8');
    const status = readFileSync('/proc/self/status', 'utf8');
    const field = (text: string, name: string): number => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(text)?.[1] ?? NaN);
    return { reads: field(io, 'syscr'), writes: field(io, 'syscw'), sleeps: field(status, 'voluntary_ctxt_switches') };
  } catch {
    return { reads: NaN, writes: NaN, sleeps: NaN };
  }
}
async function counted(run: () => Promise<Measurement>): Promise<{ m: Measurement; kernel: string }> {
  const before = kernelCounts();
  const m = await run();
  const after = kernelCounts();
  const per = (a: number, b: number): string => ((a - b) / (m.messages + Math.round(messages / 5))).toFixed(3);
  return { m, kernel: `reads ${per(after.reads, before.reads)} writes ${per(after.writes, before.writes)} sleeps ${per(after.sleeps, before.sleeps)} per msg` };
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const perMessage = (m: Measurement): number => m.cpuMicros / m.messages;
const rate = (m: Measurement): number => m.messages / m.seconds;
const check = (name: string, m: Measurement): void => {
  if (m.errors > 0) throw new Error(`${name}: ${m.errors} errors, first: ${String(m.firstError)}`);
};

const async = (): Promise<Measurement> =>
  measureWindowed(rx.issueAsync(body), { messages, warmup: Math.round(messages / 5), inFlight: window, brokerCpu });
const publish = (): Promise<Measurement> =>
  measurePublish(rx.producer, { body, messages, warmup: Math.round(messages / 5), maxInFlight: window, brokerCpu });

const asyncCpu: number[] = [];
const publishCpu: number[] = [];
const diffs: number[] = [];
const rateRatios: number[] = [];
const onlyRow = process.env.PVA_ONLY;
try {
  if (onlyRow === 'async' || onlyRow === 'publish') {
    for (let round = 0; round < rounds; round++) {
      const { m, kernel } = await counted(onlyRow === 'async' ? async : publish);
      check(onlyRow, m);
      console.log(`round ${round + 1}: ${onlyRow} ${perMessage(m).toFixed(2)} µs/msg ${rate(m).toFixed(0)} msgs/s; ${kernel}`);
    }
  }
  for (let round = 0; onlyRow === undefined && round < rounds; round++) {
    let ak: { m: Measurement; kernel: string };
    let pk: { m: Measurement; kernel: string };
    if (round % 2 === 0) {
      ak = await counted(async);
      pk = await counted(publish);
    } else {
      pk = await counted(publish);
      ak = await counted(async);
    }
    const a = ak.m;
    const p = pk.m;
    console.log(`  sendAsync ${ak.kernel}; publish ${pk.kernel}`);
    check('sendAsync', a);
    check('publish', p);
    asyncCpu.push(perMessage(a));
    publishCpu.push(perMessage(p));
    diffs.push(perMessage(p) - perMessage(a));
    rateRatios.push(rate(p) / rate(a));
    console.log(
      `round ${round + 1}: sendAsync ${perMessage(a).toFixed(2)} µs/msg ${rate(a).toFixed(0)} msgs/s | ` +
        `publish ${perMessage(p).toFixed(2)} µs/msg ${rate(p).toFixed(0)} msgs/s | publish − sendAsync ${(perMessage(p) - perMessage(a)).toFixed(2)} µs/msg, ` +
        `msgs/s ×${(rate(p) / rate(a)).toFixed(3)}`,
    );
  }
  if (onlyRow === undefined) console.log(
    `median of ${rounds}: sendAsync ${median(asyncCpu).toFixed(2)} µs/msg, publish ${median(publishCpu).toFixed(2)} µs/msg, ` +
      `publish − sendAsync ${median(diffs).toFixed(2)} µs/msg, publish msgs/s ×${median(rateRatios).toFixed(3)} of sendAsync's`,
  );
} finally {
  await rx.close();
  await broker.stop();
}
