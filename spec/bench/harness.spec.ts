import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BenchArgsError, DEFAULT_BENCH_OPTIONS, DEFAULT_SCENARIOS, SCENARIOS, parseBenchArgs } from '../../bench/lib/args.js';
import { medianBy, percentile, ratio, summarizeLatencies } from '../../bench/lib/stats.js';
import { formatBytes, formatTable, TABLE_COLUMNS } from '../../bench/lib/table.js';
import type { BenchRow } from '../../bench/lib/result.js';
import { parseProcStatCpuMicros } from '../../bench/lib/process-cpu.js';

describe('bench harness: percentiles', () => {
  it('uses the nearest rank, so every percentile is an observed sample', () => {
    const sorted = Float64Array.from({ length: 1000 }, (_, i) => i + 1); // 1..1000
    assert.equal(percentile(sorted, 0.5), 500);
    assert.equal(percentile(sorted, 0.99), 990);
    assert.equal(percentile(sorted, 0.999), 999);
    assert.equal(percentile(sorted, 1), 1000);
    assert.equal(percentile(sorted, 0), 1);
  });

  it('handles tiny and empty sample sets', () => {
    assert.equal(percentile([7], 0.999), 7);
    assert.equal(percentile([1, 2], 0.5), 1);
    assert.ok(Number.isNaN(percentile([], 0.5)));
    assert.throws(() => percentile([1], 1.5), RangeError);
  });

  it('summarises an unsorted prefix in place and drops unrecorded (NaN) samples', () => {
    const samples = new Float64Array(8).fill(NaN);
    samples.set([5, 1, 4, 2, 3]);
    const summary = summarizeLatencies(samples, 6); // index 5 is NaN: never completed
    assert.equal(summary.count, 5);
    assert.equal(summary.p50, 3);
    assert.equal(summary.p99, 5);
    assert.equal(summary.max, 5);
    assert.equal(summary.mean, 3);
  });

  it('keeps the round with the median throughput, whole', () => {
    const rounds = [{ ops: 30, p99: 3 }, { ops: 10, p99: 1 }, { ops: 20, p99: 2 }, { ops: 40, p99: 4 }];
    const { median, min, max } = medianBy(rounds, (r) => r.ops);
    assert.deepEqual(median, { ops: 20, p99: 2 });
    assert.equal(min, 10);
    assert.equal(max, 40);
    assert.deepEqual(medianBy([{ ops: 5 }], (r) => r.ops).median, { ops: 5 });
    assert.throws(() => medianBy([], () => 0), RangeError);
  });

  it('gives null ratios when a side is missing', () => {
    assert.equal(ratio(10, 4), 2.5);
    assert.equal(ratio(10, 0), null);
    assert.equal(ratio(null, 4), null);
    assert.equal(ratio(10, undefined), null);
  });
});

describe('bench harness: arguments', () => {
  it('defaults to every scenario but the RSS run at 128 B, 1 KiB and 16 KiB with 512 in flight', () => {
    const options = parseBenchArgs([]);
    assert.equal(options.quick, false);
    assert.equal(options.json, false);
    assert.equal(options.inFlight, DEFAULT_BENCH_OPTIONS.inFlight);
    assert.deepEqual(options.sizes, [128, 1024, 16384]);
    assert.deepEqual(options.only, [...DEFAULT_SCENARIOS]);
    assert.deepEqual(
      SCENARIOS.filter((name) => !options.only.includes(name)),
      ['rss'],
    );
    assert.equal(options.out, 'bench/results/latest.json');
    assert.equal(options.repeat, 3);
  });

  it('adds the RSS run with --rss (once, also next to --only)', () => {
    assert.ok(parseBenchArgs(['--rss']).only.includes('rss'));
    assert.deepEqual(parseBenchArgs(['--rss', '--only', 'publish']).only, ['publish', 'rss']);
    assert.deepEqual(parseBenchArgs(['--rss', '--only', 'rss']).only, ['rss']);
  });

  it('runs one round with --quick unless --repeat says otherwise', () => {
    assert.equal(parseBenchArgs(['--quick']).repeat, 1);
    assert.equal(parseBenchArgs(['--quick', '--repeat', '2']).repeat, 2);
  });

  it('reads flags, k/m shorthands and scenario lists', () => {
    const options = parseBenchArgs(['--quick', '--json', '--in-flight', '64', '--sizes', '1k,16K,100', '--only', 'ceiling,async', '--scale', '0.5']);
    assert.equal(options.quick, true);
    assert.equal(options.json, true);
    assert.equal(options.inFlight, 64);
    assert.deepEqual(options.sizes, [1024, 16384, 100]);
    assert.deepEqual(options.only, ['ceiling', 'async']);
    assert.equal(options.scale, 0.5);
  });

  it('refuses unknown flags, unknown scenarios and bad numbers', () => {
    assert.throws(() => parseBenchArgs(['--fast']), BenchArgsError);
    assert.throws(() => parseBenchArgs(['--only', 'warp']), BenchArgsError);
    assert.throws(() => parseBenchArgs(['--in-flight', '0']), BenchArgsError);
    assert.throws(() => parseBenchArgs(['--in-flight', 'x']), BenchArgsError);
    assert.throws(() => parseBenchArgs(['--scale', '-1']), BenchArgsError);
  });
});

describe('bench harness: table', () => {
  const row: BenchRow = {
    scenario: 'async',
    client: 'rocketmq-rx',
    bodyBytes: 1024,
    inFlight: 512,
    messages: 200000,
    errors: 0,
    seconds: 2,
    opsPerSec: 100000.4,
    mbPerSec: 97.66,
    latency: { count: 200000, mean: 4, p50: 0.5, p99: 3.25, p999: 12.34, max: 20 },
    cpuMicrosPerMsg: 9.87,
    brokerCpuMicrosPerMsg: 20.04,
    peakRssMiB: 120.4,
    ratioToCeiling: 0.8123,
    ratioToPeer: null,
    rounds: 3,
    spread: 0.1234,
    allRounds: [],
  };

  it('renders a header, an alignment line and one line per row, with the same number of cells', () => {
    const lines = formatTable([row, { ...row, client: 'ali-ons', latency: null, note: 'x' }]).split('\n');
    assert.equal(lines.length, 4);
    for (const line of lines) assert.equal(line.split(' | ').length, TABLE_COLUMNS.length);
    assert.match(lines[1]!, /^\|( ---: | --- )/);
    assert.equal(
      lines[2],
      '| async | rocketmq-rx | 1 KiB | 512 | 200,000 | 100,000 | 12% | 97.7 | 0.500 | 3.25 | 12.3 | 9.9 | 20.0 | 120 | 0.81 | — |',
    );
    assert.match(lines[3]!, /^\| async \* \| ali-ons \|/);
  });

  it('names body sizes in binary units', () => {
    assert.equal(formatBytes(128), '128 B');
    assert.equal(formatBytes(1024), '1 KiB');
    assert.equal(formatBytes(16384), '16 KiB');
    assert.equal(formatBytes(1500), '1500 B');
  });
});

describe('bench harness: broker CPU from /proc', () => {
  it('reads utime + stime (clock ticks) after the command name, even one with spaces and parentheses', () => {
    const stat = '4242 (node (broker) x) S 1 4242 4242 0 -1 4194304 123 0 0 0 250 50 0 0 20 0 11 0 227622 3133440 393';
    assert.equal(parseProcStatCpuMicros(stat), 3_000_000);
    assert.equal(parseProcStatCpuMicros('garbage'), null);
  });
});
