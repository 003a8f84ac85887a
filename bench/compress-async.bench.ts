/**
 * CPU per body of the asynchronous compression path (`compressBodyAsync`, what `sendAsync` / `publish` use), by how
 * many bodies are requested at once, against `deflateSync` on the calling thread. CPU is the whole process's (all
 * threads: event loop, thread pool and workers); "loop" is the event loop's busy time per body (`eventLoopUtilization`).
 *
 * Each row is measured `--rounds` times, interleaved, and printed as the median round and the lowest (the least
 * disturbed by other processes on a shared machine).
 *
 *   npx tsx bench/compress-async.bench.ts [--size 16384] [--count 3000] [--type ZLIB] [--concurrency 1,4,16,64,512] [--rounds 3]
 *   npx tsx bench/compress-async.bench.ts --module /path/to/other/checkout/src/message/compression.ts   (A/B)
 */
import { deflateSync } from 'node:zlib';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import type * as Compression from '../src/message/compression.js';
import { makeBody } from './lib/fixtures.js';

const { values } = parseArgs({
  options: {
    size: { type: 'string', default: '16384' },
    count: { type: 'string', default: '3000' },
    type: { type: 'string', default: 'ZLIB' },
    concurrency: { type: 'string', default: '1,4,16,64,512' },
    module: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    // Bodies of varying length (size × 0.75…1.25, a fixed sequence): contexts cannot always be reused.
    vary: { type: 'boolean', default: false },
  },
});
const size = Number(values.size);
const count = Number(values.count);
const type = values.type as 'ZLIB' | 'LZ4' | 'ZSTD';
const modulePath = values.module ?? new URL('../src/message/compression.ts', import.meta.url).pathname;
const { compressBodyAsync } = (await import(pathToFileURL(modulePath).href)) as typeof Compression;

const body = makeBody(size);
const source = makeBody(Math.ceil(size * 1.25));
let seed = 0x9e3779b9;
const varied = Array.from({ length: 997 }, () => {
  seed = (Math.imul(seed, 1103515245) + 12345) | 0;
  return source.subarray(0, Math.round(size * (0.75 + ((seed >>> 8) % 1000) / 2000)));
});
let nextBody = 0;
const bodyToSend = (): Buffer => (values.vary ? varied[nextBody++ % varied.length]! : body);
const expected = type === 'ZLIB' ? deflateSync(body, { level: 5 }) : null;

interface Sample {
  cpu: number;
  wall: number;
  loop: number;
}

async function measure(run: () => Promise<void>): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const loop0 = performance.eventLoopUtilization();
  const wall0 = performance.now();
  await run();
  const cpu = process.cpuUsage(cpu0);
  const loop = performance.eventLoopUtilization(loop0);
  return { cpu: (cpu.user + cpu.system) / count, wall: ((performance.now() - wall0) * 1000) / count, loop: (loop.active * 1000) / count };
}

/** `count` compressions with at most `concurrency` requested at once (a new one as each finishes). */
function windowed(concurrency: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let started = 0;
    let done = 0;
    const next = (): void => {
      started++;
      const input = bodyToSend();
      compressBodyAsync(input, 5, type).then((bytes) => {
        if (input === body && expected !== null && bytes.length !== expected.length) return reject(new Error('unexpected output'));
        if (++done === count) resolve();
        else if (started < count) next();
      }, reject);
    };
    for (let i = 0; i < Math.min(concurrency, count); i++) next();
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const show = (label: string, samples: Sample[]): void => {
  const f = (pick: (s: Sample) => number): string => {
    const xs = samples.map(pick);
    return `${median(xs).toFixed(1).padStart(7)} (min ${Math.min(...xs).toFixed(1).padStart(6)})`;
  };
  console.log(`${label.padEnd(34)} CPU ${f((s) => s.cpu)}  wall ${f((s) => s.wall)}  loop ${f((s) => s.loop)}  µs per body`);
};

const rows: { label: string; run: () => Promise<void> }[] = [];
if (expected !== null) {
  const check = await compressBodyAsync(body, 5, type);
  if (!check.equals(expected)) throw new Error('compressBodyAsync differs from deflateSync');
  rows.push({ label: 'deflateSync, calling thread', run: async () => void (() => { for (let i = 0; i < count; i++) deflateSync(bodyToSend(), { level: 5 }); })() });
}
await windowed(8); // warm-up
for (const concurrency of values.concurrency.split(',').map(Number)) {
  rows.push({ label: `compressBodyAsync, ${concurrency} at once`, run: () => windowed(concurrency) });
}
const samples: Sample[][] = rows.map(() => []);
for (let round = 0; round < Number(values.rounds); round++) {
  for (const [i, row] of rows.entries()) samples[i]!.push(await measure(row.run));
}
console.log(`${type}, ${size} B bodies${values.vary ? ' (varying ±25 %)' : ''}, ${count} per row, ${values.rounds} rounds, ${modulePath}`);
for (const [i, row] of rows.entries()) show(row.label, samples[i]!);
