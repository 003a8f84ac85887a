import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

// `npm test` builds first (pretest), so dist/ is fresh; the scripts import the package by name (through "exports").
const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const run = promisify(execFile);

async function check(script: string): Promise<{ loadedWithout: string[]; spanName: string | null; traceparentMatches: boolean }> {
  const { stdout } = await run(process.execPath, [join(here, 'dist-scripts', script)], { cwd: root, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('@opentelemetry/api is an optional peer: loaded lazily, by both builds', () => {
  for (const [build, script] of [
    ['ESM', 'esm-check.mjs'],
    ['CJS', 'cjs-check.cjs'],
  ] as const) {
    it(`${build}: nothing of OpenTelemetry is loaded without a provider; with one, start() loads the API and sends are traced`, async () => {
      const result = await check(script);
      assert.deepEqual(result.loadedWithout, []);
      assert.equal(result.spanName, 'TracedTopic send');
      assert.equal(result.traceparentMatches, true);
    });
  }
});
