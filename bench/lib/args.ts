/**
 * Command line of `npm run bench` (pure: argv in, options out, errors as thrown `BenchArgsError`).
 */
import { parseArgs } from 'node:util';

/**
 * Scenario families the harness knows; `--only` picks a subset. A new row: add its name here and its measurement to
 * `rowSpecs` in `bench/run.ts` (one `add(...)` call).
 */
export const SCENARIOS = ['ceiling', 'ceiling-sync', 'remoting', 'remoting-binary', 'sync', 'async', 'async-binary', 'async-otel', 'oneway', 'publish', 'acl', 'compressed', 'peer-sync', 'peer-async', 'rss'] as const;
/** What runs without `--only`: everything except the long RSS run (1M messages), which `--rss` adds. */
export const DEFAULT_SCENARIOS: readonly ScenarioName[] = SCENARIOS.filter((name) => name !== 'rss');
/** One of {@link SCENARIOS}. */
export type ScenarioName = (typeof SCENARIOS)[number];

/** What one run of the harness does. */
export interface BenchOptions {
  /** Short run (< 60 s in all): fewer messages, no 1M-message RSS run. @defaultValue `false` */
  quick: boolean;
  /** Print JSON only (no table, no progress on stderr). @defaultValue `false` */
  json: boolean;
  /** Requests in flight for the windowed scenarios (async, oneway, publish, ceiling, peer-async). @defaultValue `512` */
  inFlight: number;
  /** Body sizes in bytes. @defaultValue `[128, 1024, 16384]` */
  sizes: number[];
  /** Scenario families to run. @defaultValue {@link DEFAULT_SCENARIOS} (`rss` only with `--rss` or `--only rss`) */
  only: ScenarioName[];
  /** Multiplies every message count (e.g. 0.1 for a smoke run). @defaultValue `1` */
  scale: number;
  /** Rounds of every row (interleaved); the row reported is the round with the median msgs/s. @defaultValue 3, 1 with `--quick` */
  repeat: number;
  /** Where the JSON goes (besides stdout with `--json`). @defaultValue `'bench/results/latest.json'` */
  out: string;
}

/** A bad command line. */
export class BenchArgsError extends Error {
  override readonly name = 'BenchArgsError';
}

/** Usage text for `--help`. */
export const USAGE = `usage: npm run bench -- [--quick] [--json] [--rss] [--in-flight N] [--sizes 128,1024,16384]
                        [--only ${SCENARIOS.join(',')}] [--scale X] [--repeat N] [--out FILE]`;

/** The defaults, as {@link BenchOptions}. */
export const DEFAULT_BENCH_OPTIONS: Readonly<BenchOptions> = Object.freeze({
  quick: false,
  json: false,
  inFlight: 512,
  sizes: [128, 1024, 16384],
  only: [...DEFAULT_SCENARIOS],
  scale: 1,
  repeat: 3,
  out: 'bench/results/latest.json',
});

/**
 * Parses the harness's arguments (everything after `npm run bench --`).
 * @throws BenchArgsError on an unknown flag or a bad value.
 */
export function parseBenchArgs(argv: readonly string[]): BenchOptions & { help: boolean } {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        quick: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        rss: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
        'in-flight': { type: 'string' },
        sizes: { type: 'string' },
        only: { type: 'string' },
        scale: { type: 'string' },
        repeat: { type: 'string' },
        out: { type: 'string' },
      },
    }));
  } catch (error) {
    throw new BenchArgsError(error instanceof Error ? error.message : String(error));
  }
  const inFlight = values['in-flight'] === undefined ? DEFAULT_BENCH_OPTIONS.inFlight : positiveInteger('--in-flight', values['in-flight']);
  const sizes =
    values.sizes === undefined
      ? [...DEFAULT_BENCH_OPTIONS.sizes]
      : list(values.sizes).map((size) => positiveInteger('--sizes', size));
  const only = values.only === undefined ? [...DEFAULT_SCENARIOS] : list(values.only).map(scenarioName);
  if (values.rss === true && !only.includes('rss')) only.push('rss');
  const scale = values.scale === undefined ? 1 : positiveNumber('--scale', values.scale);
  const quick = values.quick ?? false;
  const repeat = values.repeat === undefined ? (quick ? 1 : DEFAULT_BENCH_OPTIONS.repeat) : positiveInteger('--repeat', values.repeat);
  return {
    quick,
    json: values.json ?? false,
    help: values.help ?? false,
    inFlight,
    sizes,
    only,
    scale,
    repeat,
    out: values.out ?? DEFAULT_BENCH_OPTIONS.out,
  };
}

function list(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

function positiveInteger(flag: string, text: string): number {
  // Accepts 16k / 1m shorthands: sizes and counts read better that way.
  const match = /^(\d+)([kKmM]?)$/.exec(text.trim());
  const n = match === null ? NaN : Number(match[1]) * (match[2] === '' ? 1 : /k/i.test(match[2]!) ? 1024 : 1024 * 1024);
  if (!Number.isSafeInteger(n) || n <= 0) throw new BenchArgsError(`${flag}: expected a positive integer, got "${text}"`);
  return n;
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new BenchArgsError(`${flag}: expected a positive number, got "${text}"`);
  return n;
}

function scenarioName(text: string): ScenarioName {
  if (!(SCENARIOS as readonly string[]).includes(text)) {
    throw new BenchArgsError(`--only: unknown scenario "${text}" (known: ${SCENARIOS.join(', ')})`);
  }
  return text as ScenarioName;
}
