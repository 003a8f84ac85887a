/**
 * Quick send-path probe (not the full harness, which is `bench/run.ts`): msgs/s of sync, async and oneway sends
 * with a 1 KiB body against an embedded broker spawned in its own process, next to a raw-frame ceiling (pre-encoded
 * SEND_MESSAGE_V2 frames written to the same broker with the same window, responses only counted by their length
 * prefixes). Prints one line per scenario plus the async/raw ratio; `--ali` adds ali-ons sync and async rows.
 *
 *   npx tsx bench/perf-probe.ts [--seconds 3] [--window 1024] [--only async,raw] [--ali]
 *
 * Profile one scenario with e.g. `node --cpu-prof --cpu-prof-dir=prof --import tsx bench/perf-probe.ts --only async`.
 */
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { parseArgs } from 'node:util';
import type { SpawnedCluster } from '../src/embedded/spawn.js';
import * as embeddedFromSource from '../src/embedded/index.js';
import * as mainFromSource from '../src/index.js';
import { encodeFrame } from '../src/remoting/frame-codec.js';
import { createRequest } from '../src/remoting/remoting-command.js';
import { RequestCode } from '../src/remoting/request-code.js';

const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '3' },
    window: { type: 'string', default: '1024' },
    only: { type: 'string', default: 'sync,async,oneway,raw' },
    ali: { type: 'boolean', default: false },
    body: { type: 'string', default: '1024' },
    // Measure the tsup build (run `npm run build` first): no tsx transform, e.g. no per-closure __name() calls.
    dist: { type: 'boolean', default: false },
  },
});
const { Producer } = (args.dist ? await import('../dist/index.js' as string) : mainFromSource) as typeof mainFromSource;
const { EmbeddedCluster } = (args.dist ? await import('../dist/embedded/index.js' as string) : embeddedFromSource) as typeof embeddedFromSource;
const SECONDS = Number(args.seconds);
const WINDOW = Number(args.window);
const BODY = Buffer.alloc(Number(args.body), 0x61);
const TOPIC = 'PerfProbeTopic';
const GROUP = 'PerfProbeGroup';
const only = new Set(args.only.split(','));

interface Row {
  name: string;
  msgs: number;
  seconds: number;
  cpuMicrosPerMsg: number;
}

/** Runs `drive` (which calls `done()` per completed message and stops starting new ones when `stop()` is true). */
async function measure(name: string, drive: (done: () => void, stop: () => boolean) => Promise<void>): Promise<Row> {
  console.error(`running ${name}...`);
  // Warm-up: the same workload for a second, not counted.
  let stopWarm = false;
  const warm = drive(() => {}, () => stopWarm);
  await sleep(1000);
  stopWarm = true;
  await warm;
  let count = 0;
  let stopped = false;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const run = drive(() => count++, () => stopped);
  await sleep(SECONDS * 1000);
  stopped = true;
  const counted = count;
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await run;
  return { name, msgs: counted, seconds: elapsed, cpuMicrosPerMsg: (cpu.user + cpu.system) / Math.max(counted, 1) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Keeps up to WINDOW operations in flight; `start(settle)` begins one and calls `settle()` when it ends. */
function windowed(start: (settle: () => void) => void): (done: () => void, stop: () => boolean) => Promise<void> {
  return (done, stop) =>
    new Promise<void>((resolve) => {
      let inflight = 0;
      let refill = false;
      // Refill from a macrotask: a oneway send settles in a nextTick/microtask chain when the socket takes the write
      // at once, and refilling inline would then never yield to timers or socket reads.
      const settle = (): void => {
        inflight--;
        done();
        if (!refill) {
          refill = true;
          setImmediate(fill);
        }
      };
      const fill = (): void => {
        refill = false;
        if (stop()) {
          if (inflight === 0) resolve();
          return;
        }
        while (inflight < WINDOW) {
          inflight++;
          start(settle);
        }
      };
      fill();
    });
}

async function producerRows(cluster: SpawnedCluster): Promise<Row[]> {
  const producer = new Producer({ producerGroup: GROUP, namesrvAddr: cluster.namesrvAddr, clientIP: '127.0.0.1' });
  await producer.start();
  await producer.send({ topic: TOPIC, body: BODY });
  const message = { topic: TOPIC, body: BODY };
  const rows: Row[] = [];
  if (only.has('sync')) {
    rows.push(
      await measure('sync', async (done, stop) => {
        while (!stop()) {
          await producer.send(message);
          done();
        }
      }),
    );
  }
  if (only.has('async')) {
    rows.push(
      await measure(
        `async (${WINDOW} in flight)`,
        windowed((settle) => {
          producer.sendAsync(message, {
            onSuccess: settle,
            onException: (error) => {
              console.error('async send failed:', error);
              settle();
            },
          });
        }),
      ),
    );
  }
  if (only.has('oneway')) {
    rows.push(
      await measure(
        `oneway (${WINDOW} in flight)`,
        windowed((settle) => {
          producer.sendOneway(message).then(settle, (error: unknown) => {
            console.error('oneway send failed:', error);
            settle();
          });
        }),
      ),
    );
  }
  await producer.shutdown();
  return rows;
}

/** The ceiling: pre-encoded frames, responses counted by length prefix only. */
async function rawRow(cluster: SpawnedCluster): Promise<Row> {
  const [host, port] = cluster.brokers[0]!.address.split(':') as [string, string];
  const socket = connect({ host, port: Number(port) });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  const frame = encodeFrame(
    createRequest(
      RequestCode.SEND_MESSAGE_V2,
      {
        a: GROUP,
        b: TOPIC,
        c: 'TBW102',
        d: '4',
        e: '0',
        f: '0',
        g: String(Date.now()),
        h: '0',
        i: 'UNIQ_KEY\u00017F0000010001B4AAC6DC0A4D5A000000\u0002WAIT\u0001true',
        j: '0',
        k: 'false',
        m: 'false',
        n: cluster.brokers[0]!.name,
      },
      { body: BODY },
    ),
  );
  // Frames back to back, so that writing k of them is one subarray.
  const block = Buffer.concat(Array.from({ length: WINDOW }, () => frame));
  let onResponses: (n: number) => void = () => {};
  let pending: Buffer | null = null;
  socket.on('data', (chunk: Buffer) => {
    let buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
    let pos = 0;
    let n = 0;
    while (buf.length - pos >= 4) {
      const size = buf.readInt32BE(pos) + 4;
      if (buf.length - pos < size) break;
      pos += size;
      n++;
    }
    pending = pos === buf.length ? null : buf.subarray(pos);
    buf = chunk;
    if (n > 0) onResponses(n);
  });
  const row = await measure('raw ceiling', (done, stop) => {
    return new Promise<void>((resolve) => {
      let inflight = 0;
      onResponses = (n) => {
        inflight -= n;
        for (let i = 0; i < n; i++) done();
        if (stop()) {
          if (inflight === 0) resolve();
          return;
        }
        const k = WINDOW - inflight;
        inflight += k;
        socket.write(block.subarray(0, k * frame.length));
      };
      inflight = WINDOW;
      socket.write(block);
    });
  });
  socket.destroy();
  return row;
}

interface AliProducer {
  ready(): Promise<void>;
  send(message: unknown): Promise<unknown>;
  close(): Promise<void>;
}

async function aliRows(cluster: SpawnedCluster): Promise<Row[]> {
  const require = createRequire(import.meta.url);
  const ons = require('ali-ons') as {
    Producer: new (options: Record<string, unknown>) => AliProducer;
    Message: new (topic: string, tags: string, body: Buffer | string) => unknown;
  };
  const silent = { info() {}, warn() {}, error() {}, debug() {} };
  await cluster.call('broker-a', 'createTopic', TOPIC, 4);
  const producer = new ons.Producer({
    nameSrv: cluster.namesrvAddr,
    httpclient: {},
    producerGroup: 'AliPerfGroup',
    instanceName: `perf-probe-${process.pid}`,
    clientIP: '127.0.0.1',
    logger: silent,
  });
  await producer.ready();
  const rows: Row[] = [];
  rows.push(
    await measure('ali-ons sync', async (done, stop) => {
      while (!stop()) {
        await producer.send(new ons.Message(TOPIC, '', BODY));
        done();
      }
    }),
  );
  rows.push(
    await measure(
      `ali-ons async (${WINDOW} in flight)`,
      windowed((settle) => {
        producer.send(new ons.Message(TOPIC, '', BODY)).then(settle, (error: unknown) => {
          console.error('ali-ons send failed:', error);
          settle();
        });
      }),
    ),
  );
  await producer.close();
  return rows;
}

async function main(): Promise<void> {
  const cluster = await EmbeddedCluster.spawn({ brokers: 1, queuesPerTopic: 4, maxStoredMessages: 20000 });
  try {
    const rows: Row[] = [];
    rows.push(...(await producerRows(cluster)));
    if (only.has('raw')) rows.push(await rawRow(cluster));
    if (args.ali) rows.push(...(await aliRows(cluster)));
    const raw = rows.find((row) => row.name === 'raw ceiling');
    const rate = (row: Row): number => row.msgs / row.seconds;
    console.log(`body ${BODY.length} B, ${SECONDS} s per scenario, window ${WINDOW}, ${args.dist ? 'dist build' : 'src via tsx'}, node ${process.version}`);
    for (const row of rows) {
      const ratio = raw === undefined ? '' : `  (${(rate(row) / rate(raw)).toFixed(2)} of raw)`;
      console.log(`${row.name.padEnd(28)} ${rate(row).toFixed(0).padStart(8)} msg/s  ${row.cpuMicrosPerMsg.toFixed(1).padStart(6)} µs CPU/msg${ratio}`);
    }
  } finally {
    await cluster.stop();
  }
  // ali-ons keeps background loops alive.
  process.exit(0);
}

await main();
