/**
 * Client CPU per `await producer.send(message)` (sync, one at a time, 1 KiB) against the embedded broker in a child
 * process, beside the raw sync client (one pre-encoded frame at a time, `scenarios/ceiling.ts`) in the same process
 * and the same rounds. With `--against <checkout>`, a second producer built from that checkout's `src/` runs in the
 * same process, interleaved round by round with this tree's: a paired A/B that the broker, the machine's load and
 * the harness cannot skew (each round reports both, and the ratio of the two).
 *
 * Both trees' `src/index.ts` are bundled with esbuild as the package build compiles them (no name-keeping wrappers),
 * into `bench/.build/`, sharing this checkout's `node_modules`.
 *
 * `--alloc` reports the bytes allocated per sync send instead (V8's sampling heap profiler, counting objects that
 * GCs already collected), with the top allocation sites when `TOP=n` is set.
 *
 * `--peer` adds ali-ons' `await producer.send(message)` (`scenarios/ali-ons.ts`) to the same rounds.
 *
 * `--perf DIR` records each client's measured rounds with `perf record -g -p <this process>` (CPU-clock samples at
 * 4 kHz; run node with `--perf-basic-prof` to name JIT frames) into `DIR/<client>-<round>.data` and prints the sends
 * each file covers, so that a report's sample counts turn into µs per send (samples ÷ 4000 ÷ sends). With
 * `PERF_STAT=1`, `perf stat --per-thread` (task clock, context switches, migrations, page faults) instead.
 *
 * `--only raw|invoke|this` runs one client alone (for `perf record -p`). `--invoke` adds `await remotingClient.invoke(…)` of a SEND_MESSAGE_V2 request built per send: the remoting layer
 * alone, between the raw client and the producer.
 *
 *   npx tsx bench/sync-send.bench.ts [--messages 5000] [--rounds 7] [--warmup 3000] [--size 1024] [--against /other/checkout] [--alloc] [--invoke] [--peer] [--no-gc]
 */
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { EmbeddedCluster } from '../src/embedded/index.js';
import type * as Index from '../src/index.js';
import type * as MessageId from '../src/message/message-id.js';
import type * as Protocol from '../src/protocol.js';
import { collectGarbage } from './lib/measure.js';
import { BENCH_GROUP, BENCH_TOPIC, benchSendHeader } from './lib/fixtures.js';
import { startAliOns } from './scenarios/ali-ons.js';
import { measureCeiling } from './scenarios/ceiling.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const MESSAGES = option('messages', 5000);
const ROUNDS = option('rounds', 7);
const SIZE = option('size', 1024);
/** Sends before the first round of each client (callgrind runs want more: V8 tiers up later under valgrind). */
const WARMUP = option('warmup', 3000);
const ALLOC = args.includes('--alloc');
/**
 * `--no-gc`: no full GC before each round. The full GC (as the harness does before each measured phase) collects the
 * maps of the per-send objects when no send is in flight, which throws away the optimized code that embeds them
 * ("weak objects" in `--trace-deopt-verbose`), so each round then also pays for running the send path unoptimized and
 * compiling it again; without it the rounds show the steady state.
 */
const GC_BEFORE_ROUND = !args.includes('--no-gc');
const PERF_DIR = args.includes('--perf') ? resolvePath(args[args.indexOf('--perf') + 1]!) : null;
if (PERF_DIR !== null) mkdirSync(PERF_DIR, { recursive: true });
const perfRounds = new Map<string, number>();

/**
 * `CALLGRIND=1`, with this process run under `valgrind --tool=callgrind --instr-atstart=no`: each measured phase is
 * the only code callgrind counts, dumped once per phase (`callgrind_control --dump=<client>-<round>`), so that the
 * dumps' instruction totals ÷ sends are the instructions per send of each client, the same however loaded the
 * machine is (valgrind runs the process on one thread at a time: no cache or scheduling effects are counted).
 */
const CALLGRIND = process.env.CALLGRIND === '1';
async function callgrindControl(...controlArgs: string[]): Promise<void> {
  const control = spawn('callgrind_control', [...controlArgs, String(process.pid)], { stdio: 'ignore' });
  await new Promise<void>((done) => control.once('exit', () => done()));
}

/** Runs `phase` under `perf record -p <pid>` when `--perf` is set (see the module comment), or counted by callgrind. */
async function recorded<T>(label: string, count: number, phase: () => Promise<T>): Promise<T> {
  if (CALLGRIND) {
    const round = (perfRounds.get(label) ?? 0) + 1;
    perfRounds.set(label, round);
    await callgrindControl('--zero');
    await callgrindControl('-i', 'on');
    const result = await phase();
    await callgrindControl(`--dump=${label}-${round}-${count}`);
    await callgrindControl('-i', 'off');
    return result;
  }
  if (PERF_DIR === null) return phase();
  const round = (perfRounds.get(label) ?? 0) + 1;
  perfRounds.set(label, round);
  const stat = process.env.PERF_STAT === '1';
  const file = resolvePath(PERF_DIR, `${label}-${round}.${stat ? 'stat' : 'data'}`);
  const perfArgs = stat
    ? ['stat', '-e', 'task-clock,context-switches,cpu-migrations,page-faults', '--per-thread', '-p', String(process.pid), '-o', file]
    : ['record', '-F', '4000', '-g', '-p', String(process.pid), '-o', file];
  const perf = spawn('perf', perfArgs, { stdio: 'ignore' });
  const exited = new Promise<void>((done) => perf.once('exit', () => done()));
  // perf needs a moment to attach; the samples of this pause are idle time.
  await new Promise((done) => setTimeout(done, 400));
  const result = await phase();
  perf.kill('SIGINT');
  await exited;
  console.log(`perf: ${file} covers ${count} sends`);
  return result;
}
const against = args.includes('--against') ? resolvePath(args[args.indexOf('--against') + 1]!) : null;

const here = resolvePath(fileURLToPath(new URL('..', import.meta.url)));
const outDir = resolvePath(here, 'bench/.build');
mkdirSync(outDir, { recursive: true });

/** Bundles `<tree>/src/<entry>.ts` into this checkout's `bench/.build` and imports it. */
async function load<T = typeof Index>(tree: string, label: string, entry = 'index'): Promise<T> {
  const outfile = resolvePath(outDir, `sync-send-${label}-${entry}.mjs`);
  await build({
    entryPoints: [resolvePath(tree, `src/${entry}.ts`)],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'error',
  });
  return (await import(`${pathToFileURL(outfile).href}?${Date.now()}`)) as T;
}

interface Client {
  readonly label: string;
  /** One measured phase: CPU µs and latency p50 (ms) per send. */
  round(count: number): Promise<{ cpu: number; p50: number }>;
  close(): Promise<void>;
}

/** A client that sends one at a time: `--warmup` sends (3,000), then rounds of `count` awaited sends. */
async function sequentialClient(label: string, sendOnce: () => Promise<unknown>, close: () => Promise<unknown>): Promise<Client> {
  for (let i = 0; i < WARMUP; i++) await sendOnce();
  const latencies = new Float64Array(MESSAGES);
  return {
    label,
    async round(count) {
      if (GC_BEFORE_ROUND) collectGarbage();
      const cpu = await recorded(label, count, async () => {
        const cpu0 = process.cpuUsage();
        for (let i = 0; i < count; i++) {
          const t = performance.now();
          await sendOnce();
          latencies[i] = performance.now() - t;
        }
        return process.cpuUsage(cpu0);
      });
      const sorted = latencies.slice(0, count).sort();
      return { cpu: (cpu.user + cpu.system) / count, p50: sorted[Math.floor(count / 2)]! };
    },
    close: async () => void (await close()),
  };
}

const cluster = await EmbeddedCluster.spawn({ brokers: 1, queuesPerTopic: 4, autoCreateTopic: true, maxStoredMessages: 10_000 });
const broker = cluster.brokers[0]!;
const body = Buffer.alloc(SIZE, 0x61);

async function producerClient(tree: string, label: string): Promise<Client & { sendOnce(): Promise<unknown> }> {
  const { Producer } = await load(tree, label);
  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: `${BENCH_GROUP}_${label}`, clientIP: '127.0.0.1' });
  await producer.start();
  const sendOnce = (): Promise<unknown> => producer.send({ topic: BENCH_TOPIC, body });
  return { ...(await sequentialClient(label, sendOnce, () => producer.shutdown())), sendOnce };
}

/** `await client.invoke(…)` of a SEND_MESSAGE_V2 request built per send (as the producer builds it): remoting alone. */
async function invokeClient(tree: string): Promise<Client> {
  const { RemotingClient, createRequest } = await load<typeof Protocol>(tree, 'invoke', 'protocol');
  const { createUniqueId } = await load<typeof MessageId>(tree, 'invoke', 'message/message-id');
  const client = new RemotingClient();
  let sent = 0;
  const sendOnce = (): Promise<unknown> =>
    client.invoke(
      broker.address,
      createRequest(
        310,
        benchSendHeader(sent++ & 3, 0, broker.name, createUniqueId()),
        { body },
      ),
      3000,
    );
  return sequentialClient('invoke', sendOnce, () => client.close());
}

/** ali-ons' producer, one `await send()` at a time (`--peer`). */
async function peerClient(): Promise<Client> {
  const ons = await startAliOns(cluster.namesrvAddr);
  return sequentialClient('ali-ons', () => ons.sendOnce(body), () => ons.close().catch(() => undefined));
}

const raw: Client = {
  label: 'raw',
  async round(count) {
    const m = await recorded('raw', count, () =>
      measureCeiling({ brokerAddr: broker.address, brokerName: broker.name, body, inFlight: 1, messages: count, warmup: 500 }),
    );
    return { cpu: m.cpuMicros / count, p50: m.latency?.p50 ?? NaN };
  },
  close: async () => {},
};

/** `--only raw|invoke|this`: that client alone (e.g. under `perf record`). */
const only = args.includes('--only') ? args[args.indexOf('--only') + 1]! : null;
const wanted = (label: string): boolean => only === null || only === label;
const clients: (Client & { sendOnce?: () => Promise<unknown> })[] = [];
if (!ALLOC && wanted('raw')) clients.push(raw);
if (!ALLOC && (args.includes('--invoke') || only === 'invoke')) clients.push(await invokeClient(here));
if (wanted('this')) clients.push(await producerClient(here, 'this'));
if (against !== null) clients.push(await producerClient(against, 'against'));
if (!ALLOC && args.includes('--peer')) clients.push(await peerClient());

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

if (ALLOC) {
  type Node = { selfSize: number; children: Node[]; callFrame: { functionName: string; url: string; lineNumber: number } };
  const session = new Session();
  session.connect();
  for (const client of clients) {
    await client.sendOnce!();
    await session.post('HeapProfiler.startSampling', {
      samplingInterval: 256,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    } as never);
    for (let i = 0; i < MESSAGES; i++) await client.sendOnce!();
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as { profile: { head: Node } };
    let total = 0;
    const byFn = new Map<string, number>();
    const frameName = (node: Node): string =>
      `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber}`;
    (function walk(node: Node, parent: string): void {
      total += node.selfSize;
      // A native frame (no script) is named after its caller too: "Map" alone does not say whose map it is.
      const key = node.callFrame.url === '' && parent !== '' ? `${frameName(node)} < ${parent}` : frameName(node);
      byFn.set(key, (byFn.get(key) ?? 0) + node.selfSize);
      for (const child of node.children) walk(child, frameName(node));
    })(profile.head, '');
    console.log(`${client.label}: allocated per sync send ${(total / MESSAGES).toFixed(0)} bytes (${MESSAGES} sends, ${SIZE} B bodies, whole client process)`);
    if (process.env.TOP) {
      for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, Number(process.env.TOP))) console.log(`${(v / MESSAGES).toFixed(0).padStart(7)}  ${k}`);
    }
  }
} else {
  const results = new Map<string, { cpu: number[]; p50: number[] }>(clients.map((c) => [c.label, { cpu: [], p50: [] }]));
  const ratios: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    // The order rotates, so that no client always runs right after the raw one (or first after a pause).
    const order = clients.map((_, i) => clients[(i + r) % clients.length]!);
    const line: string[] = [];
    const cpuOf = new Map<string, number>();
    for (const client of order) {
      const { cpu, p50 } = await client.round(MESSAGES);
      results.get(client.label)!.cpu.push(cpu);
      results.get(client.label)!.p50.push(p50);
      cpuOf.set(client.label, cpu);
      line.push(`${client.label} ${cpu.toFixed(1)} µs (p50 ${(p50 * 1000).toFixed(0)} µs)`);
    }
    if (against !== null) ratios.push(cpuOf.get('this')! / cpuOf.get('against')!);
    console.log(`round ${r + 1}: ${line.join(', ')}${against !== null ? `, this/against ${ratios.at(-1)!.toFixed(3)}` : ''}`);
  }
  for (const [label, { cpu, p50 }] of results) {
    console.log(`${label.padEnd(8)} median ${median(cpu).toFixed(1)} µs CPU/send (rounds ${cpu.map((c) => c.toFixed(1)).join('/')}), p50 ${(median(p50) * 1000).toFixed(0)} µs`);
  }
  if (against !== null) console.log(`this/against: median ${median(ratios).toFixed(3)} (${ratios.map((x) => x.toFixed(2)).join('/')})`);
}
for (const client of clients) await client.close();
await cluster.stop();
// ali-ons leaves timers and sockets behind after close(), as in `run.ts`, which exits the same way.
process.exit(0);
