/**
 * `npm run soak -- --minutes N`: a producer publishing at a fixed rate through an embedded cluster of two brokers
 * (in a child process of its own) while random faults hit the cluster every few seconds. Checks the promises a
 * producer makes under faults, and exits non-zero when one breaks:
 *
 * - every send settles exactly once (one callback per message, never two, none missing at the end);
 * - no send settles later than its timeout plus a small slack;
 * - every failure is a RocketMQError with a `code`;
 * - memory stays flat (heap within ±10 %, RSS at most +10 %, of the first sample after warm-up);
 * - nothing keeps the process alive after `shutdown()` and the cluster stopped.
 *
 *   npm run soak                       # 30 minutes
 *   npm run soak -- --minutes 1        # what CI runs
 *   npm run soak -- --minutes 5 --rate 500 --seed 42 --json
 */
import { Command, InvalidArgumentError } from 'commander';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { EmbeddedCluster } from '../src/embedded/cluster.js';
import type { SpawnedCluster } from '../src/embedded/spawn.js';
import { RocketMQError } from '../src/errors.js';
import { Producer } from '../src/producer/producer.js';
import { checkFlat, formatSoakReport, type MemorySample, type SoakReport } from './soak-report.js';

interface SoakOptions {
  minutes: number;
  rate: number;
  bodyBytes: number;
  timeout: number;
  slack: number;
  faultEvery: number;
  seed: number;
  json: boolean;
}

function positiveNumber(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function parseArgs(argv: string[]): SoakOptions {
  const program = new Command('soak')
    .description('Publish at a fixed rate through a 2-broker embedded cluster under random faults; check the invariants')
    .option('--minutes <n>', 'duration of the publishing phase', positiveNumber, 30)
    .option('--rate <n>', 'messages per second', positiveNumber, 200)
    .option('--body-bytes <n>', 'body size', positiveNumber, 1024)
    .option('--timeout <ms>', 'sendMsgTimeout of every send', positiveNumber, 3000)
    .option('--slack <ms>', 'how late after its timeout a send may settle', positiveNumber, 1000)
    .option('--fault-every <s>', 'mean seconds between two faults', positiveNumber, 4)
    .option('--seed <n>', 'seed of the fault schedule', positiveNumber, Date.now() % 1_000_000)
    .option('--json', 'print the report as JSON', false)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program.parse(argv, { from: 'user' });
  return program.opts<SoakOptions>();
}

/** A small seeded PRNG (mulberry32) so a fault schedule can be replayed with `--seed`. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Fault {
  name: string;
  /** Applies the fault; resolves with the function that takes it back. */
  apply(cluster: SpawnedCluster, broker: string, random: () => number): Promise<() => Promise<unknown>>;
}

/** The faults the soak draws from, each held for 1–3 s (a kill for up to 4 s) and then taken back. */
const FAULTS: readonly Fault[] = [
  {
    name: 'kill-restart-broker',
    async apply(cluster, broker) {
      await cluster.call(broker, 'kill');
      return () => cluster.call(broker, 'restart');
    },
  },
  {
    name: 'swallow',
    async apply(cluster, broker) {
      await cluster.call(`${broker}.faults`, 'swallow');
      return () => cluster.call(`${broker}.faults`, 'clear');
    },
  },
  {
    name: 'garbage',
    async apply(cluster, broker) {
      await cluster.call(`${broker}.faults`, 'writeGarbage', { times: 1 });
      return () => cluster.call(`${broker}.faults`, 'clear');
    },
  },
  {
    name: 'delay',
    async apply(cluster, broker, random) {
      await cluster.call(`${broker}.faults`, 'delay', 200 + Math.floor(random() * 2000));
      return () => cluster.call(`${broker}.faults`, 'clear');
    },
  },
  {
    name: 'pause',
    async apply(cluster, broker) {
      await cluster.call(`${broker}.faults`, 'pause');
      return () => cluster.call(`${broker}.faults`, 'resume');
    },
  },
  {
    name: 'close-connection',
    async apply(cluster, broker, random) {
      await cluster.call(`${broker}.faults`, 'closeConnectionAfter', Math.floor(random() * 50));
      return () => cluster.call(`${broker}.faults`, 'clear');
    },
  },
  {
    name: 'system-busy',
    async apply(cluster, broker) {
      // ResponseCode.SYSTEM_BUSY, for a burst of sends: retried on the other broker.
      await cluster.call(`${broker}.faults`, 'respondWith', 2, { times: 20 });
      return () => cluster.call(`${broker}.faults`, 'clear');
    },
  },
  {
    name: 'nameserver-down',
    async apply(cluster) {
      await cluster.call('nameServer', 'kill');
      return async () => {
        // A restarted NameServer starts empty, as Java's; the brokers re-register within registerIntervalMillis.
        await cluster.call('nameServer', 'restart');
        await Promise.all(cluster.brokers.map((b) => cluster.call(b.name, 'registerNow').catch(() => undefined)));
      };
    },
  },
];

interface Counters {
  sends: number;
  settled: number;
  outcomes: Map<string, number>;
  doubleCallbacks: number;
  untypedErrors: number;
  lateSettles: number;
  maxSettleMillis: number;
  faults: Map<string, number>;
  faultErrors: number;
}

async function soak(options: SoakOptions): Promise<SoakReport> {
  const log = (line: string): void => {
    if (!options.json) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  const random = seededRandom(options.seed);
  const durationMillis = Math.round(options.minutes * 60_000);
  const sampleEveryMillis = options.minutes >= 5 ? 60_000 : 10_000;
  const warmupMillis = options.minutes >= 5 ? 3 * 60_000 : 20_000;

  const cluster = await EmbeddedCluster.spawn({
    brokers: 2,
    queuesPerTopic: 4,
    registerIntervalMillis: 5_000,
    brokerExpireMillis: 20_000,
    // The soak checks the client; a small store keeps the cluster process's own memory out of the picture.
    maxStoredMessages: 20_000,
  });
  log(`cluster pid ${cluster.pid}: namesrv ${cluster.namesrvAddr}, ${cluster.brokers.map((b) => `${b.name}@${b.address}`).join(', ')}`);
  const producer = new Producer({
    producerGroup: 'SoakPG',
    namesrvAddr: cluster.namesrvAddr,
    sendMsgTimeout: options.timeout,
    pollNameServerInterval: 5_000,
    heartbeatBrokerInterval: 10_000,
  });
  await producer.start();

  const counters: Counters = {
    sends: 0,
    settled: 0,
    outcomes: new Map(),
    doubleCallbacks: 0,
    untypedErrors: 0,
    lateSettles: 0,
    maxSettleMillis: 0,
    faults: new Map(),
    faultErrors: 0,
  };
  const bump = (map: Map<string, number>, key: string): void => void map.set(key, (map.get(key) ?? 0) + 1);
  const body = Buffer.alloc(options.bodyBytes, 0x61);
  const lag = monitorEventLoopDelay({ resolution: 20 });
  lag.enable();

  const sendOne = (): void => {
    const seq = counters.sends++;
    const started = performance.now();
    let calls = 0;
    const settle = (outcome: string): void => {
      calls++;
      if (calls > 1) {
        counters.doubleCallbacks++;
        return;
      }
      counters.settled++;
      bump(counters.outcomes, outcome);
      const took = performance.now() - started;
      if (took > counters.maxSettleMillis) counters.maxSettleMillis = took;
      if (took > options.timeout + options.slack) counters.lateSettles++;
    };
    producer.sendAsync(
      { topic: 'SoakTopic', keys: `k${seq}`, body },
      {
        onSuccess: (result) => settle(result.sendStatus),
        onException: (error) => {
          if (!(error instanceof RocketMQError)) counters.untypedErrors++;
          settle(error instanceof RocketMQError ? error.code : `untyped:${error.name}`);
        },
      },
    );
  };

  // Fixed rate: every tick sends what is due since the start, so timer jitter does not change the average rate.
  const started = performance.now();
  let stopPublishing = false;
  const publisher = setInterval(() => {
    if (stopPublishing) return;
    const due = Math.floor(((performance.now() - started) / 1000) * options.rate);
    const burst = Math.min(due - counters.sends, Math.ceil(options.rate / 2));
    for (let i = 0; i < burst; i++) sendOne();
  }, 10);

  const samples: MemorySample[] = [];
  const sample = (): void => {
    (globalThis as { gc?: () => void }).gc?.();
    const memory = process.memoryUsage();
    const s: MemorySample = {
      atSeconds: Math.round((performance.now() - started) / 1000),
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      pending: counters.sends - counters.settled,
    };
    samples.push(s);
    log(
      `t=${s.atSeconds}s sends=${counters.sends} settled=${counters.settled} pending=${s.pending} ` +
        `rss=${(s.rssBytes / 2 ** 20).toFixed(1)}MiB heap=${(s.heapUsedBytes / 2 ** 20).toFixed(1)}MiB ` +
        `maxSettle=${counters.maxSettleMillis.toFixed(0)}ms lagP99=${(lag.percentile(99) / 1e6).toFixed(0)}ms`,
    );
  };

  // Faults, one at a time: apply, hold, take back, pause. When a memory sample is due, the loop first lets the
  // cluster run fault-free for one send timeout, so the sample measures the steady state, not a fault's backlog.
  let nextSampleAt = sampleEveryMillis;
  while (performance.now() - started < durationMillis) {
    const elapsed = performance.now() - started;
    if (elapsed >= nextSampleAt) {
      await sleep(options.timeout + 500);
      sample();
      nextSampleAt += sampleEveryMillis;
      continue;
    }
    const fault = FAULTS[Math.floor(random() * FAULTS.length)]!;
    const broker = cluster.brokers[Math.floor(random() * cluster.brokers.length)]!.name;
    const holdMillis = 1000 + Math.floor(random() * (fault.name === 'kill-restart-broker' ? 3000 : 2000));
    const gapMillis = Math.floor(random() * options.faultEvery * 1000);
    try {
      const takeBack = await fault.apply(cluster, broker, random);
      bump(counters.faults, fault.name);
      await sleep(holdMillis);
      await takeBack();
    } catch (error) {
      counters.faultErrors++;
      log(`fault ${fault.name} on ${broker} failed: ${error instanceof Error ? error.message : String(error)}`);
      await cluster.call(`${broker}.faults`, 'clear').catch(() => undefined);
    }
    await sleep(gapMillis);
  }
  stopPublishing = true;
  clearInterval(publisher);
  const publishSeconds = (performance.now() - started) / 1000;

  // Every send must settle within its timeout (+ slack) of being sent; whatever is left after that is a hang.
  const drainDeadline = performance.now() + options.timeout + options.slack;
  while (counters.settled < counters.sends && performance.now() < drainDeadline) await sleep(50);
  const unsettled = counters.sends - counters.settled;
  // A little longer, to see a second callback that would come late.
  await sleep(500);
  lag.disable();

  const shutdownStarted = performance.now();
  await producer.shutdown();
  const shutdownMillis = performance.now() - shutdownStarted;
  await cluster.stop();
  // Let closed sockets' last callbacks run before looking at what is left.
  await sleep(100);
  const openHandles = process.getActiveResourcesInfo().filter((kind) => kind !== 'TTYWrap' && kind !== 'PipeWrap');

  const flat = checkFlat(samples.filter((s) => s.atSeconds * 1000 >= warmupMillis));
  const violations: string[] = [];
  if (counters.doubleCallbacks > 0) violations.push(`${counters.doubleCallbacks} sends settled more than once`);
  if (unsettled > 0) violations.push(`${unsettled} sends never settled`);
  if (counters.lateSettles > 0) violations.push(`${counters.lateSettles} sends settled later than timeout + ${options.slack} ms`);
  if (counters.untypedErrors > 0) violations.push(`${counters.untypedErrors} failures were not RocketMQErrors`);
  violations.push(...flat.violations);
  if (openHandles.length > 0) violations.push(`open handles after shutdown: ${openHandles.join(', ')}`);
  if (counters.settled === 0 || (counters.outcomes.get('SEND_OK') ?? 0) === 0) violations.push('no send succeeded');

  return {
    seed: options.seed,
    minutes: options.minutes,
    publishSeconds,
    ratePerSecond: options.rate,
    bodyBytes: options.bodyBytes,
    timeoutMillis: options.timeout,
    slackMillis: options.slack,
    sends: counters.sends,
    settled: counters.settled,
    outcomes: Object.fromEntries([...counters.outcomes].sort((a, b) => b[1] - a[1])),
    doubleCallbacks: counters.doubleCallbacks,
    unsettled,
    untypedErrors: counters.untypedErrors,
    maxSettleMillis: Math.round(counters.maxSettleMillis),
    faults: Object.fromEntries([...counters.faults].sort()),
    faultErrors: counters.faultErrors,
    eventLoopLagP99Millis: Math.round(lag.percentile(99) / 1e6),
    eventLoopLagMaxMillis: Math.round(lag.max / 1e6),
    warmupSeconds: warmupMillis / 1000,
    samples,
    rssSpread: flat.rssSpread,
    heapSpread: flat.heapSpread,
    shutdownMillis: Math.round(shutdownMillis),
    openHandles,
    violations,
  };
}

async function main(): Promise<void> {
  let options: SoakOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.exitCode = (error as { exitCode?: number }).exitCode ?? 2;
    return;
  }
  const report = await soak(options);
  process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : formatSoakReport(report));
  process.exitCode = report.violations.length === 0 ? 0 : 1;
  // Only fires if something still keeps the process alive: the soak must end by itself.
  setTimeout(() => {
    process.stderr.write(`soak: the process did not exit by itself: ${process.getActiveResourcesInfo().join(', ')}\n`);
    process.exit(1);
  }, 5_000).unref();
}

void main();
