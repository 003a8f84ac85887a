import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// `npm test` builds first (pretest), so dist/ is fresh. Self-reference by package name goes through "exports".
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

describe('package entry points', () => {
  it('loads from CommonJS with require()', () => {
    const out = run(['-e', "const m = require('rocketmq-rx'); console.log(Object.keys(m).sort().join(','))"]);
    assert.ok(out.split(',').includes('FrameDecoder'), out);
    assert.ok(out.split(',').includes('RocketMQError'), out);
  });

  it('loads from ESM with import, with the same exports as CommonJS', () => {
    const esm = run(['--input-type=module', '-e', "import * as m from 'rocketmq-rx'; console.log(Object.keys(m).sort().join(','))"]);
    const cjs = run(['-e', "console.log(Object.keys(require('rocketmq-rx')).sort().join(','))"]);
    assert.equal(esm, cjs);
  });

  it('loads the embedded subpath from both module systems', () => {
    run(['-e', "require('rocketmq-rx/embedded')"]);
    run(['--input-type=module', '-e', "await import('rocketmq-rx/embedded')"]);
  });

  it('errors thrown by one copy are instances of RocketMQError in the other module system', () => {
    const out = run([
      '--input-type=module',
      '-e',
      "import { createRequire } from 'node:module'; import { RemotingTimeoutError } from 'rocketmq-rx'; " +
        "const cjs = createRequire(process.cwd() + '/')('rocketmq-rx'); " +
        "const e = new RemotingTimeoutError('t', 5); console.log(e instanceof cjs.RocketMQError, e.code, e.retriable)",
    ]);
    assert.equal(out, 'true RMQ_ERR_REMOTING_TIMEOUT true');
  });
});
