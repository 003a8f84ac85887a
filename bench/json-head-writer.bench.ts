/**
 * CPU per request of the JSON request-head writer on the send path, in process: a SEND_MESSAGE_V2 head written into
 * a write buffer (as `Connection.enqueueCommand` does), for requests made as a producer makes them — a new request
 * per send, so every header string is new (the properties text a concatenation), the bornTimestamp the same for a
 * run of sends (about a millisecond's), the queue id round-robin — and, for comparison, a fixed set of 1,024
 * requests written again and again. The build of a request is measured on its own and subtracted.
 *
 *   npx tsx bench/json-head-writer.bench.ts
 *   SRC=/path/to/other/checkout/src,src npx tsx bench/json-head-writer.bench.ts
 *     (interleaved A/B: each tree's code loaded into this process, rounds alternating between them)
 */
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as FrameCodecModule from '../src/remoting/frame-codec.js';
import type * as RemotingCommandModule from '../src/remoting/remoting-command.js';
import type { RemotingCommand } from '../src/remoting/remoting-command.js';

const ITERATIONS = Number(process.env['ITERATIONS'] ?? 300_000);
const ROUNDS = Number(process.env['ROUNDS'] ?? 7);
const SENDS_PER_MILLISECOND = 64;

const sources = (process.env['SRC'] ?? fileURLToPath(new URL('../src/', import.meta.url))).split(',');
const slab = Buffer.allocUnsafe(64 * 1024);
const uniqueId = Buffer.from('7F00000100002A9F0000000000000000', 'latin1');
const born = Date.now();
let sink = 0;

interface Tree {
  dir: string;
  rows: [string, (i: number) => void][];
}

async function load(dir: string): Promise<Tree> {
  const src = pathToFileURL(resolvePath(dir) + '/');
  const { encodeFrameHeadInto } = (await import(new URL('remoting/frame-codec.ts', src).href)) as typeof FrameCodecModule;
  const { createRequest } = (await import(new URL('remoting/remoting-command.ts', src).href)) as typeof RemotingCommandModule;
  const request = (i: number, properties: string, bornTimestamp: string): RemotingCommand =>
    createRequest(
      310,
      {
        a: 'BenchProducerGroup',
        b: 'BenchTopic',
        c: 'TBW102',
        d: '4',
        e: String(i & 3),
        f: '0',
        g: bornTimestamp,
        h: '0',
        i: properties,
        j: '0',
        k: 'false',
        m: 'false',
        n: 'broker-a',
      },
      { opaque: i },
    );
  const fresh = (i: number): RemotingCommand => {
    uniqueId[31] = 0x30 + (i % 10);
    uniqueId[30] = 0x30 + (Math.floor(i / 10) % 10);
    return request(i, `UNIQ_KEY\u0001${uniqueId.toString('latin1')}\u0002WAIT\u0001true`, String(born + Math.floor(i / SENDS_PER_MILLISECOND)));
  };
  const fixed = Array.from({ length: 1024 }, (_, i) => fresh(i * 7919));
  return {
    dir,
    rows: [
      ['request build alone', (i) => void (sink += fresh(i).opaque)],
      ['request build + head write', (i) => void (sink += encodeFrameHeadInto(fresh(i), 1024, slab, (i & 63) * 1024))],
      ['head write, 1,024 requests again and again', (i) => void (sink += encodeFrameHeadInto(fixed[i & 1023]!, 1024, slab, (i & 63) * 1024))],
    ],
  };
}

function cpuNanosPer(run: (i: number) => void): number {
  const start = process.cpuUsage();
  for (let i = 0; i < ITERATIONS; i++) run(i);
  const used = process.cpuUsage(start);
  return ((used.user + used.system) * 1000) / ITERATIONS;
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const trees = await Promise.all(sources.map(load));
const results = trees.map((tree) => tree.rows.map(() => [] as number[]));
for (let round = 0; round < ROUNDS; round++) {
  trees.forEach((tree, t) => {
    tree.rows.forEach(([, run], r) => {
      const nanos = cpuNanosPer(run);
      if (round > 0) results[t]![r]!.push(nanos);
    });
  });
}
console.log(`JSON head writer, CPU ns per request (median of ${ROUNDS - 1} interleaved rounds × ${ITERATIONS}, after a warm-up round)`);
trees.forEach((tree, t) => {
  const [build, both, fixed] = results[t]!.map(median) as [number, number, number];
  console.log(tree.dir);
  console.log(`  ${(both - build).toFixed(0).padStart(6)}  head write of a new request (build + write ${both.toFixed(0)} − build ${build.toFixed(0)})`);
  console.log(`  ${fixed.toFixed(0).padStart(6)}  head write, 1,024 requests again and again`);
});
if (sink === 0.5) console.log(sink);
