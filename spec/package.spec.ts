import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// `npm test` builds first (pretest), so dist/ is fresh. Self-reference by package name goes through "exports".
// spec/package-tarball.spec.ts proves the same from an installed `npm pack` tarball.
const root = join(dirname(fileURLToPath(import.meta.url)), '..');

function run(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' }).trim();
}

function cjsKeys(specifier: string): string[] {
  return run(['-e', `console.log(Object.keys(require('${specifier}')).sort().join(','))`]).split(',');
}

function esmKeys(specifier: string): string[] {
  return run(['--input-type=module', '-e', `const m = await import('${specifier}'); console.log(Object.keys(m).sort().join(','))`]).split(',');
}

// A few names per entry that must be there, and some that must not (they belong to another entry).
const ENTRIES = {
  'rocketmq-rx': {
    has: ['Producer', 'RocketMQError', 'MQBrokerError', 'MQAclError', 'Redacted', 'credentialsErrorChannel', 'SendStatus', 'selectByHash', 'pullFrom', 'decodeBody', 'sendChannel', 'DEFAULTS'],
    lacks: ['FrameDecoder', 'decodeFramePayload', 'Connection', 'RemotingServer', 'SendQueueIndex', 'javaHashCode', 'EmbeddedCluster'],
  },
  'rocketmq-rx/embedded': {
    has: ['EmbeddedCluster', 'EmbeddedBroker', 'EmbeddedNameServer', 'FaultInjector', 'parsePlainAclYaml'],
    lacks: ['Producer', 'FrameDecoder'],
  },
  'rocketmq-rx/protocol': {
    has: ['FrameDecoder', 'decodeFramePayload', 'RemotingClient', 'RemotingServer', 'parseTopicRouteData', 'RequestCode', 'SendQueueIndex', 'javaHashCode', 'AclSigningHook', 'aclSignature'],
    lacks: ['Producer', 'EmbeddedCluster'],
  },
} as const;

describe('package entry points', () => {
  for (const [specifier, { has, lacks }] of Object.entries(ENTRIES)) {
    it(`${specifier}: require() and import give the same exports, the right ones`, () => {
      const cjs = cjsKeys(specifier);
      assert.deepEqual(esmKeys(specifier), cjs);
      for (const name of has) assert.ok(cjs.includes(name), `${specifier} exports ${name}`);
      for (const name of lacks) assert.ok(!cjs.includes(name), `${specifier} does not export ${name}`);
    });
  }

  it('every file named by "exports" exists in the build, with types for both module systems', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
      exports: Record<string, string | Record<string, Record<string, string>>>;
    };
    const subpaths = Object.keys(pkg.exports).filter((key) => key !== './package.json');
    assert.deepEqual(subpaths, ['.', './embedded', './protocol']);
    for (const key of subpaths) {
      const conditions = pkg.exports[key] as Record<string, Record<string, string>>;
      assert.match(conditions.import!.types!, /\.d\.ts$/);
      assert.match(conditions.require!.types!, /\.d\.cts$/);
      for (const file of [conditions.import!.types!, conditions.import!.default!, conditions.require!.types!, conditions.require!.default!]) {
        assert.ok(existsSync(join(root, file)), `${key}: ${file}`);
      }
    }
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
