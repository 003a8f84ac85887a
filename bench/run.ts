/**
 * `npm run bench`: every scenario × body size against one embedded broker in its own process; prints a Markdown
 * table (or JSON with `--json`) and writes JSON to `bench/results/latest.json`. It runs compiled (`npm run
 * bench:build` → `bench/.build/`, see `bench/tsup.config.ts`), as the package ships, not through tsx.
 *
 *   npm run bench                      # full run
 *   npm run bench -- --quick           # < 60 s
 *   npm run bench -- --rss             # adds the RSS run (1M messages through publish)
 *   npm run bench -- --json --only ceiling,async --sizes 1k
 *   npm run bench:build && node --cpu-prof bench/.build/run.js --only async --sizes 1k   # profile async
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { BenchArgsError, parseBenchArgs, USAGE, type BenchOptions, type ScenarioName } from './lib/args.js';
import { startBroker, waitForSendRequests, type BenchBroker } from './lib/broker.js';
import { makeBody } from './lib/fixtures.js';
import { installLoopbackGuard } from './lib/loopback-guard.js';
import { processCpuMicros } from './lib/process-cpu.js';
import { measureSequential, measureWindowed, type Measurement } from './lib/measure.js';
import type { BenchReport, BenchRow, ClientName, TargetResult } from './lib/result.js';
import { medianBy, ratio, relativeChange } from './lib/stats.js';
import { formatBytes, formatReport } from './lib/table.js';
import { measureCeiling } from './scenarios/ceiling.js';
import { startRemoting } from './scenarios/remoting.js';
import { SerializeType } from '../src/remoting/remoting-command.js';
import { startAliOns, type AliOnsClient } from './scenarios/ali-ons.js';
import { startRx, type RxClient } from './scenarios/rocketmq-rx.js';
import { measurePublish, measurePublishRss, type RssCheckpoint } from './scenarios/publish.js';
import { startRxWithNoopTelemetry } from './scenarios/rocketmq-rx-otel.js';
import { startAclClient, type AclClient } from './scenarios/acl.js';

/** Messages per row (full run); `--quick` divides by 20 (sync rows by 8: their p99 needs samples), 16 KiB rows by 4, `--scale` multiplies. */
const FULL_COUNTS = { windowed: 200_000, sync: 20_000 } as const;

/** Body size of the `compressed` scenario's rows (sendAsync with each compressType). */
const COMPRESSED_BODY_BYTES = 16 * 1024;

/** Batching of the `publish batched` rows. */
const PUBLISH_BATCH = { maxMessages: 64 };
/** Where RSS is read in the RSS run (full runs only). */
const RSS_CHECKPOINTS = [100_000, 250_000, 500_000, 750_000, 1_000_000];

interface Context {
  options: BenchOptions;
  broker: BenchBroker;
  rows: BenchRow[];
  notes: string[];
  log: (line: string) => void;
  /** The `acl` scenario's producer and broker, when that scenario runs. */
  acl: AclClient | null;
}

function count(ctx: Context, kind: keyof typeof FULL_COUNTS, bodyBytes: number): { messages: number; warmup: number } {
  let n = FULL_COUNTS[kind] * ctx.options.scale;
  if (ctx.options.quick) n /= kind === 'sync' ? 8 : 20;
  if (bodyBytes >= 16 * 1024) n /= 4;
  const messages = Math.max(100, Math.round(n));
  // One at a time, a send path needs a few thousand sends before V8 has optimized it: warm the sync rows up longer.
  return { messages, warmup: Math.max(50, Math.round(messages / (kind === 'sync' ? 4 : 10))) };
}

function toRow(scenario: string, client: ClientName, bodyBytes: number, inFlight: number, m: Measurement, note?: string): BenchRow {
  const opsPerSec = m.messages / m.seconds;
  const row: BenchRow = {
    scenario,
    client,
    bodyBytes,
    inFlight,
    messages: m.messages,
    errors: m.errors,
    seconds: m.seconds,
    opsPerSec,
    mbPerSec: (opsPerSec * bodyBytes) / (1024 * 1024),
    latency: m.latency,
    cpuMicrosPerMsg: m.cpuMicros / m.messages,
    brokerCpuMicrosPerMsg: m.brokerCpuMicros === null ? null : m.brokerCpuMicros / m.messages,
    peakRssMiB: m.peakRssBytes / (1024 * 1024),
    ratioToCeiling: null,
    ratioToPeer: null,
    rounds: 1,
    spread: 0,
    allRounds: [],
  };
  const firstError = m.errors > 0 ? describeError(m.firstError) : null;
  const fullNote = [note, firstError === null ? undefined : `first error: ${firstError}`].filter((x) => x !== undefined).join('; ');
  if (fullNote !== '') row.note = fullNote;
  return row;
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${(error as { code?: string }).code ?? error.name}: ${error.message}`;
  return String(error);
}

/** One row to measure: a label for progress lines and a function that measures one round of it. */
interface RowSpec {
  label: string;
  measure: () => Promise<BenchRow>;
}

const wants = (ctx: Context, name: ScenarioName): boolean => ctx.options.only.includes(name);

function rowSpecs(ctx: Context, bodyBytes: number, rx: RxClient | null, ons: AliOnsClient | null): RowSpec[] {
  const body = makeBody(bodyBytes);
  const inFlight = ctx.options.inFlight;
  const brokerCpu = (): number | null => processCpuMicros(ctx.broker.pid);
  const windowed = { ...count(ctx, 'windowed', bodyBytes), brokerCpu };
  const sync = { ...count(ctx, 'sync', bodyBytes), brokerCpu };
  const specs: RowSpec[] = [];
  const add = (label: string, measure: () => Promise<BenchRow>): void => void specs.push({ label, measure });

  if (wants(ctx, 'ceiling')) {
    add('ceiling (raw frames)', async () => {
      const m = await measureCeiling({ brokerAddr: ctx.broker.brokerAddr, brokerName: ctx.broker.brokerName, body, inFlight, ...windowed });
      return toRow('ceiling', 'raw frames', bodyBytes, inFlight, m);
    });
  }
  if (wants(ctx, 'ceiling-sync')) {
    // The least possible sync client: one pre-encoded frame at a time, the next written when its answer is read.
    add('ceiling sync (raw frames, one at a time)', async () => {
      const m = await measureCeiling({ brokerAddr: ctx.broker.brokerAddr, brokerName: ctx.broker.brokerName, body, inFlight: 1, ...sync });
      return toRow('ceiling sync', 'raw frames', bodyBytes, 1, m, 'one pre-encoded frame at a time: the ceiling of the sync rows');
    });
  }
  if (wants(ctx, 'remoting')) {
    add('invoke$ (RemotingClient)', async () => {
      const remoting = startRemoting(ctx.broker.brokerAddr, ctx.broker.brokerName);
      try {
        const m = await measureWindowed(remoting.issue(body), { ...windowed, inFlight });
        return toRow('invoke$', 'RemotingClient', bodyBytes, inFlight, m, 'RemotingClient.invoke$ with a new request per message, no producer pipeline');
      } finally {
        await remoting.close();
      }
    });
  }
  if (wants(ctx, 'remoting-binary')) {
    add('invoke$ (RemotingClient, ROCKETMQ headers)', async () => {
      const remoting = startRemoting(ctx.broker.brokerAddr, ctx.broker.brokerName, 4, SerializeType.ROCKETMQ);
      try {
        const m = await measureWindowed(remoting.issue(body), { ...windowed, inFlight });
        return toRow('invoke$ (ROCKETMQ headers)', 'RemotingClient', bodyBytes, inFlight, m, 'the invoke$ row with serializeType ROCKETMQ (binary headers both ways)');
      } finally {
        await remoting.close();
      }
    });
  }
  if (rx !== null) {
    if (wants(ctx, 'sync')) {
      add('sync rocketmq-rx', async () =>
        toRow('sync', 'rocketmq-rx', bodyBytes, 1, await measureSequential(() => rx.sendOnce(body), sync)),
      );
    }
    if (wants(ctx, 'async')) {
      add('async rocketmq-rx', async () =>
        toRow('async', 'rocketmq-rx', bodyBytes, inFlight, await measureWindowed(rx.issueAsync(body), { ...windowed, inFlight })),
      );
    }
    if (wants(ctx, 'async-binary')) {
      add('sendAsync (ROCKETMQ headers) rocketmq-rx', async () => {
        const client = await startRx(ctx.broker.namesrvAddr, { serializeType: 'ROCKETMQ' });
        try {
          const m = await measureWindowed(client.issueAsync(body), { ...windowed, inFlight });
          return toRow('sendAsync (ROCKETMQ headers)', 'rocketmq-rx', bodyBytes, inFlight, m, "the async row with serializeType 'ROCKETMQ'");
        } finally {
          await client.close();
        }
      });
    }
    if (wants(ctx, 'oneway')) {
      add('oneway rocketmq-rx', async () => {
        const base = await ctx.broker.sendRequests();
        const m = await measureWindowed(rx.issueOneway(body), {
          ...windowed,
          inFlight,
          noLatency: true,
          settle: (sent) => waitForSendRequests(ctx.broker, base + sent),
        });
        return toRow('oneway', 'rocketmq-rx', bodyBytes, inFlight, m, 'timed until the broker received every message');
      });
    }
    if (wants(ctx, 'publish')) {
      add('publish rocketmq-rx', async () =>
        toRow('publish', 'rocketmq-rx', bodyBytes, inFlight, await measurePublish(rx.producer, { body, ...windowed, maxInFlight: inFlight })),
      );
      // Same number of messages in flight: maxInFlight counts requests, and a batch is one request.
      const batches = Math.max(1, Math.round(inFlight / PUBLISH_BATCH.maxMessages));
      add('publish batched rocketmq-rx', async () => {
        // Warmed up by requests, not by messages: 10 % of the count is ~300 batch requests, and V8 optimizes what runs
        // once per request only after a few thousand runs (the single-message rows warm up on 20,000 requests). The
        // batched row warms up on as many messages as it measures.
        const m = await measurePublish(rx.producer, { body, ...windowed, warmup: windowed.messages, maxInFlight: batches, batch: PUBLISH_BATCH });
        return toRow('publish batched', 'rocketmq-rx', bodyBytes, inFlight, m, `batch ${JSON.stringify(PUBLISH_BATCH)}, maxInFlight ${batches} batches`);
      });
    }
  }
  if (wants(ctx, 'async-otel')) {
    // The `async` row with `telemetry` given the API's providers and no SDK: must stay within noise of `async`.
    add('sendAsync + OTel (no-op) rocketmq-rx', async () => {
      const traced = await startRxWithNoopTelemetry(ctx.broker.namesrvAddr);
      try {
        const m = await measureWindowed(traced.issueAsync(body), { ...windowed, inFlight });
        return toRow('sendAsync + OTel (no-op)', 'rocketmq-rx', bodyBytes, inFlight, m, '@opentelemetry/api loaded, its providers passed, no SDK registered');
      } finally {
        await traced.close();
      }
    });
  }
  const acl = ctx.acl;
  if (acl !== null && wants(ctx, 'acl')) {
    add('sendAsync + ACL rocketmq-rx', async () => {
      const m = await measureWindowed(acl.issueAsync(body), { ...windowed, brokerCpu: () => processCpuMicros(acl.brokerPid), inFlight });
      return toRow('sendAsync + ACL', 'rocketmq-rx', bodyBytes, inFlight, m, 'every request signed (HMAC-SHA1) and verified by a broker with ACL on, in its own process');
    });
  }
  if (wants(ctx, 'compressed') && bodyBytes === COMPRESSED_BODY_BYTES) {
    // sendAsync with each codec, on a producer of its own (the 16 KiB `async` row above is the ZLIB one as well).
    for (const compressType of ['ZLIB', 'LZ4', 'ZSTD'] as const) {
      add(`async compressed ${compressType} rocketmq-rx`, async () => {
        const client = await startRx(ctx.broker.namesrvAddr, { compressType });
        try {
          const m = await measureWindowed(client.issueAsync(body), { ...windowed, inFlight });
          return toRow(`async ${compressType}`, 'rocketmq-rx', bodyBytes, inFlight, m, `sendAsync, compressType ${compressType}`);
        } finally {
          await client.close();
        }
      });
    }
  }
  if (ons !== null) {
    if (wants(ctx, 'peer-sync')) {
      add('sync ali-ons', async () => toRow('sync', 'ali-ons', bodyBytes, 1, await measureSequential(() => ons.sendOnce(body), sync)));
    }
    if (wants(ctx, 'peer-async')) {
      add('async ali-ons', async () =>
        toRow('async', 'ali-ons', bodyBytes, inFlight, await measureWindowed(ons.issue(body), { ...windowed, inFlight })),
      );
    }
  }
  return specs;
}

/** Measures every row of one body size `repeat` times, interleaved, and keeps each row's median round. */
async function runSize(ctx: Context, bodyBytes: number, rx: RxClient | null, ons: AliOnsClient | null): Promise<void> {
  const specs = rowSpecs(ctx, bodyBytes, rx, ons);
  const rounds: BenchRow[][] = specs.map(() => []);
  const failed = new Set<number>();
  for (let round = 1; round <= ctx.options.repeat; round++) {
    ctx.log(`${formatBytes(bodyBytes)}, round ${round} of ${ctx.options.repeat}:`);
    for (const [i, spec] of specs.entries()) {
      if (failed.has(i)) continue;
      ctx.log(`  ${spec.label} …`);
      try {
        const result = await spec.measure();
        rounds[i]!.push(result);
        const p99 = result.latency === null ? '—' : result.latency.p99.toFixed(3);
        ctx.log(`    ${Math.round(result.opsPerSec)} msgs/s, p99 ${p99} ms, ${result.cpuMicrosPerMsg.toFixed(1)} µs CPU/msg`);
      } catch (error) {
        failed.add(i);
        ctx.notes.push(`${spec.label}, ${formatBytes(bodyBytes)}: not measured (${describeError(error)})`);
        ctx.log(`    failed: ${describeError(error)}`);
      }
    }
  }
  for (const results of rounds) {
    if (results.length === 0) continue;
    const { median, min, max } = medianBy(results, (r) => r.opsPerSec);
    ctx.rows.push({
      ...median,
      rounds: results.length,
      spread: (max - min) / median.opsPerSec,
      allRounds: results.map((r) => ({ opsPerSec: r.opsPerSec, cpuMicrosPerMsg: r.cpuMicrosPerMsg })),
    });
  }
}

function fillRatios(rows: BenchRow[]): void {
  for (const r of rows) {
    // One at a time (sync) is held against the one-at-a-time ceiling when the run has it.
    const ceilingName = r.inFlight === 1 && rows.some((c) => c.scenario === 'ceiling sync' && c.bodyBytes === r.bodyBytes) ? 'ceiling sync' : 'ceiling';
    const ceiling = rows.find((c) => c.scenario === ceilingName && c.bodyBytes === r.bodyBytes);
    r.ratioToCeiling = r.scenario === ceilingName ? 1 : ratio(r.opsPerSec, ceiling?.opsPerSec);
    if (r.client === 'rocketmq-rx') {
      const peer = rows.find((p) => p.client === 'ali-ons' && p.scenario === r.scenario && p.bodyBytes === r.bodyBytes);
      r.ratioToPeer = ratio(r.opsPerSec, peer?.opsPerSec);
    }
  }
}

/** A target met, missed, or not measured in this run (`null`). */
function target(name: string, measured: string | null, met: boolean | null): TargetResult {
  return { target: name, measured: measured ?? 'not run', met: measured === null ? null : met };
}

const us = (row: BenchRow): string => `${row.cpuMicrosPerMsg.toFixed(1)} µs/msg`;

/** The targets of the fourth performance pass (1 KiB rows, client CPU per message, ratios within this run). */
function evaluateTargets(rows: BenchRow[], rss: RssCheckpoint[] | undefined): TargetResult[] {
  const find = (scenario: string, client: ClientName): BenchRow | undefined =>
    rows.find((r) => r.scenario === scenario && r.client === client && r.bodyBytes === 1024);
  const asyncRx = find('async', 'rocketmq-rx');
  const asyncOns = find('async', 'ali-ons');
  const remoting = find('invoke$', 'RemotingClient');
  const syncRx = find('sync', 'rocketmq-rx');
  const syncOns = find('sync', 'ali-ons');
  const publish = find('publish', 'rocketmq-rx');
  const batched = find('publish batched', 'rocketmq-rx');
  const ceiling = find('ceiling', 'raw frames');
  const targets: TargetResult[] = [];
  targets.push(target('sendAsync 1 KiB ≤ 10 µs/msg', asyncRx === undefined ? null : us(asyncRx), (asyncRx?.cpuMicrosPerMsg ?? Infinity) <= 10));
  targets.push(
    target(
      'sendAsync 1 KiB CPU ≤ 0.3 × ali-ons',
      asyncRx === undefined || asyncOns === undefined ? null : `${(asyncRx.cpuMicrosPerMsg / asyncOns.cpuMicrosPerMsg).toFixed(2)} × (${us(asyncRx)} vs ${us(asyncOns)})`,
      asyncRx !== undefined && asyncOns !== undefined && asyncRx.cpuMicrosPerMsg <= 0.3 * asyncOns.cpuMicrosPerMsg,
    ),
  );
  targets.push(target('invoke$ 1 KiB ≤ 6 µs/msg', remoting === undefined ? null : us(remoting), (remoting?.cpuMicrosPerMsg ?? Infinity) <= 6));
  targets.push(
    target(
      'publish 1 KiB: CPU/msg ≤ sendAsync and msgs/s ≥ sendAsync',
      publish === undefined || asyncRx === undefined
        ? null
        : `${us(publish)} vs ${us(asyncRx)}; ${Math.round(publish.opsPerSec)} vs ${Math.round(asyncRx.opsPerSec)} msgs/s`,
      publish !== undefined && asyncRx !== undefined && publish.cpuMicrosPerMsg <= asyncRx.cpuMicrosPerMsg && publish.opsPerSec >= asyncRx.opsPerSec,
    ),
  );
  targets.push(
    target(
      'publish batched 1 KiB ≥ 2 × ceiling msgs/s',
      batched === undefined || ceiling === undefined ? null : `${(batched.opsPerSec / ceiling.opsPerSec).toFixed(2)} × ceiling`,
      batched !== undefined && ceiling !== undefined && batched.opsPerSec >= 2 * ceiling.opsPerSec,
    ),
  );
  targets.push(
    target(
      'sync 1 KiB CPU ≤ 0.7 × ali-ons',
      syncRx === undefined || syncOns === undefined ? null : `${(syncRx.cpuMicrosPerMsg / syncOns.cpuMicrosPerMsg).toFixed(2)} × (${us(syncRx)} vs ${us(syncOns)})`,
      syncRx !== undefined && syncOns !== undefined && syncRx.cpuMicrosPerMsg <= 0.7 * syncOns.cpuMicrosPerMsg,
    ),
  );
  const l = (row: BenchRow | undefined): { p50: number; p99: number } | null => row?.latency ?? null;
  const rxLatency = l(syncRx);
  const onsLatency = l(syncOns);
  targets.push(
    target(
      'sync 1 KiB p50 and p99 below ali-ons',
      rxLatency === null || onsLatency === null
        ? null
        : `p50 ${rxLatency.p50.toFixed(3)} vs ${onsLatency.p50.toFixed(3)} ms, p99 ${rxLatency.p99.toFixed(3)} vs ${onsLatency.p99.toFixed(3)} ms`,
      rxLatency !== null && onsLatency !== null && rxLatency.p50 < onsLatency.p50 && rxLatency.p99 < onsLatency.p99,
    ),
  );
  const first = rss?.find((r) => r.messages === RSS_CHECKPOINTS[0]);
  const last = rss?.find((r) => r.messages === RSS_CHECKPOINTS.at(-1));
  const change = first === undefined || last === undefined ? null : relativeChange(first.rssMiB, last.rssMiB);
  targets.push(
    target(
      'RSS flat (±10%) from 100k to 1M messages through publish',
      change === null || first === undefined || last === undefined
        ? null
        : `${first.rssMiB.toFixed(0)} MiB → ${last.rssMiB.toFixed(0)} MiB (${change >= 0 ? '+' : ''}${(change * 100).toFixed(1)}%)`,
      change !== null && Math.abs(change) <= 0.1,
    ),
  );
  return targets;
}

async function main(): Promise<void> {
  let options: ReturnType<typeof parseBenchArgs>;
  try {
    options = parseBenchArgs(process.argv.slice(2));
  } catch (error) {
    if (error instanceof BenchArgsError) {
      console.error(`${error.message}\n${USAGE}`);
      process.exit(2);
    }
    throw error;
  }
  if (options.help) {
    console.log(USAGE);
    return;
  }
  installLoopbackGuard();
  const log = options.json ? (): void => {} : (line: string): void => void process.stderr.write(`${line}\n`);
  const startedAt = new Date().toISOString();
  const loadStart = loadavg()[0] ?? 0;
  const started = performance.now();

  log('starting the embedded broker in its own process …');
  const broker = await startBroker({ maxStoredMessages: 10_000 });
  log(`  name server ${broker.namesrvAddr}, ${broker.brokerName} at ${broker.brokerAddr} (pid ${broker.pid})`);
  const ctx: Context = { options, broker, rows: [], notes: [], log, acl: null };

  let rx: RxClient | null = null;
  let ons: AliOnsClient | null = null;
  let rss: RssCheckpoint[] | undefined;
  try {
    if (options.only.some((s) => ['sync', 'async', 'async-binary', 'oneway', 'publish', 'rss'].includes(s))) rx = await startRx(broker.namesrvAddr);
    if (options.only.some((s) => s === 'peer-sync' || s === 'peer-async')) {
      try {
        ons = await startAliOns(broker.namesrvAddr);
      } catch (error) {
        ctx.notes.push(`ali-ons rows left out: ${describeError(error)}`);
      }
    }
    if (options.only.includes('acl')) {
      try {
        ctx.acl = await startAclClient();
      } catch (error) {
        ctx.notes.push(`sendAsync + ACL rows left out: ${describeError(error)}`);
      }
    }
    for (const size of options.sizes) await runSize(ctx, size, rx, ons);
    if (rx !== null && options.only.includes('rss')) {
      if (options.quick) ctx.notes.push('RSS run (100k vs 1M messages through publish) skipped with --quick');
      else {
        log(`RSS run: ${RSS_CHECKPOINTS.at(-1)} messages of 1 KiB through publish({ maxInFlight: ${options.inFlight} }) …`);
        try {
          rss = await measurePublishRss(rx.producer, makeBody(1024), options.inFlight, RSS_CHECKPOINTS);
          log(`  ${rss.map((r) => `${r.messages}: ${r.rssMiB.toFixed(0)} MiB`).join(', ')}`);
        } catch (error) {
          ctx.notes.push(`RSS run: not measured (${describeError(error)})`);
        }
      }
    }
  } finally {
    await rx?.close().catch(() => undefined);
    await ons?.close().catch(() => undefined);
    await ctx.acl?.close().catch(() => undefined);
    await broker.stop();
  }

  fillRatios(ctx.rows);
  const report: BenchReport = {
    startedAt,
    machine: { nproc: availableParallelism(), cpu: cpus()[0]?.model ?? 'unknown', node: process.version, platform: `${process.platform} ${process.arch}` },
    options: { quick: options.quick, inFlight: options.inFlight, sizes: options.sizes, scale: options.scale, repeat: options.repeat },
    loadAverage: { start: loadStart, end: loadavg()[0] ?? 0 },
    rows: ctx.rows,
    targets: evaluateTargets(ctx.rows, rss),
    notes: ctx.notes,
    ...(rss === undefined ? {} : { rss }),
  };
  log(`done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
  const json = JSON.stringify(report, null, 2);
  await mkdir(dirname(options.out), { recursive: true });
  await writeFile(options.out, `${json}\n`);
  if (options.json) process.stdout.write(`${json}\n`);
  else process.stdout.write(`${formatReport(report)}\n`);
}

await main();
// ali-ons keeps sleeping loops for its scheduled tasks after close(); end the process once the report is out.
process.exit(0);
