/**
 * `sendAsync` with large bodies, compressed (ZLIB, the default) and not (`compressMsgBodyOverHowmuch` above the body
 * size), against the embedded broker in its own process, in interleaved rounds: what the compression costs on top
 * of the plain large-body send path. Client CPU is the whole process's (event loop, workers, GC).
 *
 *   npx tsx bench/large-bodies.bench.ts [--size 16384] [--messages 20000] [--rounds 3]
 */
import { parseArgs } from 'node:util';
import { startBroker } from './lib/broker.js';
import { makeBody } from './lib/fixtures.js';
import { measureWindowed } from './lib/measure.js';
import { processCpuMicros } from './lib/process-cpu.js';
import { startRx } from './scenarios/rocketmq-rx.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '16384' },
    messages: { type: 'string', default: '20000' },
    rounds: { type: 'string', default: '3' },
  },
});
const size = Number(values.size);
const messages = Number(values.messages);
const body = makeBody(size);
const broker = await startBroker();
const rows = [
  { label: `${size} B, ZLIB`, client: await startRx(broker.namesrvAddr) },
  { label: `${size} B, uncompressed`, client: await startRx(broker.namesrvAddr, { compressMsgBodyOverHowmuch: size + 1 }) },
];
const results = rows.map(() => [] as { rate: number; cpu: number; broker: number }[]);
try {
  for (let round = 0; round < Number(values.rounds); round++) {
    for (const [i, row] of rows.entries()) {
      const m = await measureWindowed(row.client.issueAsync(body), {
        messages,
        warmup: Math.round(messages / 10),
        inFlight: 512,
        brokerCpu: () => processCpuMicros(broker.pid),
      });
      results[i]!.push({ rate: m.messages / m.seconds, cpu: m.cpuMicros / m.messages, broker: (m.brokerCpuMicros ?? NaN) / m.messages });
    }
  }
} finally {
  for (const row of rows) await row.client.close();
  await broker.stop();
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(`sendAsync, ${messages} messages per round, 512 in flight, ${values.rounds} rounds (medians)`);
for (const [i, row] of rows.entries()) {
  const r = results[i]!;
  console.log(
    `${row.label.padEnd(24)} ${median(r.map((x) => x.rate)).toFixed(0).padStart(7)} msgs/s  client ${median(r.map((x) => x.cpu)).toFixed(1).padStart(6)} µs/msg  broker ${median(r.map((x) => x.broker)).toFixed(1).padStart(5)} µs/msg`,
  );
}
