/**
 * The package as a user gets it: `npm pack` of the build, unpacked into a fresh project's node_modules, then each of
 * the three entry points imported (ESM), required (CommonJS) and type-checked from there. This proves "exports",
 * "files" and "dependencies" of package.json, which the in-repository self-reference of package.spec.ts cannot.
 *
 * Offline by design: the tarball is unpacked (not `npm install`ed), and each package it declares in "dependencies" is
 * linked to the checkout's own installed copy. A dependency the build needs but package.json does not declare fails
 * to resolve here, as it would for a user.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

interface PackedFile {
  path: string;
}

// Names each entry must export, and names that belong to another entry and must not leak into it.
const ENTRIES = {
  'rocketmq-rx': {
    has: ['Producer', 'RocketMQError', 'MQBrokerError', 'SendStatus', 'selectByHash', 'pullFrom', 'decodeBody', 'sendChannel'],
    lacks: ['FrameDecoder', 'decodeFramePayload', 'RemotingServer', 'SendQueueIndex', 'javaHashCode', 'EmbeddedCluster'],
  },
  'rocketmq-rx/embedded': { has: ['EmbeddedCluster', 'EmbeddedBroker', 'FaultInjector'], lacks: ['Producer', 'FrameDecoder'] },
  'rocketmq-rx/protocol': {
    has: ['FrameDecoder', 'encodeFrame', 'RemotingClient', 'RemotingServer', 'parseTopicRouteData', 'RequestCode', 'javaHashCode'],
    lacks: ['Producer', 'EmbeddedCluster'],
  },
} as const;

/** `npm` as the running npm (under `npm test`) or from PATH. */
function npm(args: string[], cwd: string): string {
  const cli = process.env.npm_execpath;
  return cli !== undefined && cli.endsWith('.js')
    ? execFileSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8' })
    : execFileSync('npm', args, { cwd, encoding: 'utf8', shell: process.platform === 'win32' });
}

function node(args: string[], cwd: string): string {
  return execFileSync(process.execPath, args, { cwd, encoding: 'utf8', timeout: 30_000 }).trim();
}

function link(project: string, name: string): void {
  const target = join(project, 'node_modules', name);
  mkdirSync(dirname(target), { recursive: true });
  symlinkSync(join(root, 'node_modules', name), target, 'junction');
}

// Loads every entry, prints its export names, then sends one message from the installed Producer to the installed
// embedded cluster (in-process, loopback, free ports) and one through a spawned cluster (the forked child entry must
// be in the tarball too).
const PROBE_BODY = `
const entries = ${JSON.stringify(Object.keys(ENTRIES))};
const keys = {};
for (const name of entries) keys[name] = Object.keys(await load(name)).sort();
const { Producer, SendStatus } = await load('rocketmq-rx');
const { EmbeddedCluster } = await load('rocketmq-rx/embedded');
const sent = [];
for (const cluster of [await EmbeddedCluster.start({ brokers: 1 }), await EmbeddedCluster.spawn({ brokers: 1 })]) {
  const producer = new Producer({ producerGroup: 'TarballGroup', namesrvAddr: cluster.namesrvAddr, instanceName: 'tarball' });
  try {
    await producer.start();
    const result = await producer.send({ topic: 'TarballTopic', body: 'from the tarball' });
    sent.push(result.sendStatus === SendStatus.SEND_OK);
  } finally {
    await producer.shutdown();
    await cluster.stop();
  }
}
console.log(JSON.stringify({ keys, sent }));
`;

const ESM_PROBE = `const load = (name) => import(name);\n${PROBE_BODY}`;
const CJS_PROBE = `(async () => {\nconst load = async (name) => require(name);\n${PROBE_BODY}\n})().catch((e) => { console.error(e); process.exit(1); });`;

// Type-checked as a user's code: ESM (.mts, "import" conditions → .d.ts) and CommonJS (.cts, "require" → .d.cts).
const TYPES_PROBE = `
import { Producer, type ProducerOptions, type SendResult, RocketMQError } from 'rocketmq-rx';
import { EmbeddedCluster, type EmbeddedClusterOptions } from 'rocketmq-rx/embedded';
import { FrameDecoder, RemotingClient, createRequest, RequestCode, type RemotingCommand } from 'rocketmq-rx/protocol';
// @ts-expect-error protocol internals are not part of the main entry
import { FrameDecoder as NotHere } from 'rocketmq-rx';

const options: ProducerOptions = { producerGroup: 'PG' };
const clusterOptions: EmbeddedClusterOptions = { brokers: 1 };
const request: RemotingCommand = createRequest(RequestCode.HEART_BEAT);
export const used: unknown[] = [new Producer(options), EmbeddedCluster, clusterOptions, FrameDecoder, RemotingClient, request, RocketMQError, NotHere];
export type Result = SendResult;
`;

describe('the packed tarball, installed into a fresh project', () => {
  let work = '';
  let project = '';
  let packed: PackedFile[] = [];

  before(() => {
    work = mkdtempSync(join(tmpdir(), 'rocketmq-rx-tarball-'));
    const [info] = JSON.parse(npm(['pack', '--json', '--pack-destination', work], root)) as [{ filename: string; files: PackedFile[] }];
    packed = info.files;
    project = join(work, 'project');
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'tarball-probe', private: true }));
    execFileSync('tar', ['-xzf', join(work, info.filename), '-C', join(project, 'node_modules')]);
    renameSync(join(project, 'node_modules', 'package'), join(project, 'node_modules', 'rocketmq-rx'));
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'rocketmq-rx', 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const name of Object.keys(manifest.dependencies ?? {})) link(project, name);
  });

  after(() => {
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('holds the build and the README, and nothing of the sources or specs', () => {
    const paths = packed.map((f) => f.path);
    for (const file of ['package.json', 'README.md', 'dist/index.js', 'dist/index.cjs', 'dist/index.d.ts', 'dist/index.d.cts',
      'dist/protocol.js', 'dist/protocol.cjs', 'dist/protocol.d.ts', 'dist/protocol.d.cts', 'dist/embedded/index.js',
      'dist/embedded/index.cjs', 'dist/embedded/cluster-process.js', 'dist/cli.js']) {
      assert.ok(paths.includes(file), `the tarball holds ${file}`);
    }
    assert.deepEqual(paths.filter((p) => !p.startsWith('dist/') && p !== 'package.json' && p !== 'README.md' && p !== 'LICENSE'), []);
  });

  for (const [kind, file, probe] of [['import (ESM)', 'probe.mjs', ESM_PROBE], ['require (CommonJS)', 'probe.cjs', CJS_PROBE]] as const) {
    it(`${kind}: each entry loads with its own names, and a Producer sends through the embedded cluster`, () => {
      writeFileSync(join(project, file), probe);
      const out = JSON.parse(node([file], project)) as { keys: Record<string, string[]>; sent: boolean[] };
      for (const [name, { has, lacks }] of Object.entries(ENTRIES)) {
        for (const key of has) assert.ok(out.keys[name]!.includes(key), `${name} exports ${key}`);
        for (const key of lacks) assert.ok(!out.keys[name]!.includes(key), `${name} does not export ${key}`);
      }
      assert.deepEqual(out.sent, [true, true]);
    });
  }

  it('the rocketmq-rx command line runs from the installed package (its dependencies are declared)', () => {
    const manifest = JSON.parse(readFileSync(join(project, 'node_modules', 'rocketmq-rx', 'package.json'), 'utf8')) as { bin: Record<string, string> };
    const bin = join(project, 'node_modules', 'rocketmq-rx', manifest.bin['rocketmq-rx']!);
    assert.match(readFileSync(bin, 'utf8'), /^#!\/usr\/bin\/env node\n/, 'the bin starts with a node shebang');
    const help = node([bin, '--help'], project);
    for (const command of ['cluster', 'publish', 'send']) assert.match(help, new RegExp(`^\\s+${command} `, 'm'));
  });

  it('types resolve for ESM and CommonJS consumers (.d.ts and .d.cts), and hide what an entry does not export', () => {
    writeFileSync(join(project, 'esm.mts'), TYPES_PROBE);
    writeFileSync(join(project, 'cjs.cts'), TYPES_PROBE);
    link(project, '@types/node');
    writeFileSync(
      join(project, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'] },
        files: ['esm.mts', 'cjs.cts'],
      }),
    );
    const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
    try {
      node([tsc, '-p', 'tsconfig.json'], project);
    } catch (error) {
      assert.fail(`tsc failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`);
    }
  });
});
