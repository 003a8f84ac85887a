/**
 * `npm run fuzz -- --runs N`: runs every fuzz target of `targets.ts` for N inputs each (in rounds of at most
 * 50 000, each round with its own seed, so progress shows and a failure names a seed to replay), then prints a
 * report; exits 1 when a property failed.
 *
 *   npm run fuzz                                  # 100 000 inputs per target
 *   npm run fuzz -- --runs 1000000                # the long run
 *   npm run fuzz -- --only route-json,batch --runs 20000 --seed 42
 *   npm run fuzz -- --only batch --seed 1234 --path "12:3"     # replay one failure
 */
import { Command, InvalidArgumentError } from 'commander';
import fc from 'fast-check';
import { FUZZ_TARGETS, type FuzzTarget } from './targets.js';

interface FuzzOptions {
  runs: number;
  seed: number;
  only?: string;
  path?: string;
  json: boolean;
}

interface TargetReport {
  name: string;
  decoder: string;
  inputs: number;
  seconds: number;
  failure: { seed: number; path: string; counterexample: string; error: string } | null;
}

const ROUND = 50_000;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function parseArgs(argv: string[]): FuzzOptions {
  const program = new Command('fuzz')
    .description('Fuzz every decoder that reads network or user bytes (fast-check properties)')
    .option('--runs <n>', 'inputs per target', positiveInt, 100_000)
    .option('--seed <n>', 'seed of the first round (round i uses seed + i)', positiveInt, Date.now() % 2 ** 31)
    .option('--only <names>', `comma-separated targets: ${FUZZ_TARGETS.map((t) => t.name).join(', ')}`)
    .option('--path <path>', 'replay one counterexample (with its --seed)')
    .option('--json', 'print the report as JSON', false)
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(text) });
  program.parse(argv, { from: 'user' });
  return program.opts<FuzzOptions>();
}

function runTarget(target: FuzzTarget, options: FuzzOptions, log: (line: string) => void): TargetReport {
  const started = performance.now();
  let inputs = 0;
  let round = 0;
  while (inputs < options.runs) {
    const numRuns = Math.min(ROUND, options.runs - inputs);
    const seed = (options.seed + round) | 0;
    const details = fc.check(target.property(), { numRuns, seed, path: options.path, endOnFailure: false });
    inputs += details.numRuns;
    if (details.failed) {
      return {
        name: target.name,
        decoder: target.decoder,
        inputs,
        seconds: (performance.now() - started) / 1000,
        failure: {
          seed: details.seed,
          path: details.counterexamplePath ?? '',
          counterexample: fc.stringify(details.counterexample),
          error: details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance),
        },
      };
    }
    round++;
    if (options.runs > ROUND) log(`${target.name}: ${inputs}/${options.runs} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    if (options.path !== undefined) break;
  }
  return { name: target.name, decoder: target.decoder, inputs, seconds: (performance.now() - started) / 1000, failure: null };
}

function formatReport(reports: readonly TargetReport[], options: FuzzOptions, seconds: number): string {
  const total = reports.reduce((sum, r) => sum + r.inputs, 0);
  const lines = [
    `## Fuzz: ${reports.length} targets, ${total} inputs in ${seconds.toFixed(0)} s (first seed ${options.seed})`,
    '',
    '| target | decoder | inputs | seconds | inputs/s | result |',
    '|---|---|---|---|---|---|',
    ...reports.map(
      (r) =>
        `| ${r.name} | ${r.decoder} | ${r.inputs} | ${r.seconds.toFixed(1)} | ${Math.round(r.inputs / Math.max(r.seconds, 1e-3))} | ${r.failure === null ? 'pass' : '**FAIL**'} |`,
    ),
    '',
  ];
  for (const r of reports) {
    if (r.failure === null) continue;
    lines.push(
      `### ${r.name} failed`,
      '',
      `- replay: \`npm run fuzz -- --only ${r.name} --seed ${r.failure.seed} --path "${r.failure.path}"\``,
      `- counterexample: \`${r.failure.counterexample.slice(0, 2000)}\``,
      `- error: ${r.failure.error.split('\n')[0]}`,
      '',
    );
  }
  return lines.join('\n');
}

function main(): void {
  let options: FuzzOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.exitCode = (error as { exitCode?: number }).exitCode ?? 2;
    return;
  }
  const names = options.only?.split(',').map((s) => s.trim());
  const targets = names === undefined ? FUZZ_TARGETS : FUZZ_TARGETS.filter((t) => names.includes(t.name));
  if (names !== undefined && targets.length !== names.length) {
    process.stderr.write(`fuzz: unknown target in --only ${options.only}; known: ${FUZZ_TARGETS.map((t) => t.name).join(', ')}\n`);
    process.exitCode = 2;
    return;
  }
  const log = (line: string): void => {
    if (!options.json) process.stdout.write(`${new Date().toISOString()} ${line}\n`);
  };
  const started = performance.now();
  const reports = targets.map((target) => {
    const report = runTarget(target, options, log);
    log(`${target.name}: ${report.failure === null ? 'pass' : 'FAIL'} after ${report.inputs} inputs in ${report.seconds.toFixed(1)} s`);
    return report;
  });
  const seconds = (performance.now() - started) / 1000;
  process.stdout.write(options.json ? `${JSON.stringify({ seed: options.seed, seconds, reports }, null, 2)}\n` : formatReport(reports, options, seconds));
  process.exitCode = reports.every((r) => r.failure === null) ? 0 : 1;
}

main();
