import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decodeBody } from '../../src/message/body-codec.js';
import { EmbeddedCluster } from '../../src/embedded/index.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: string[], stdin: string | null): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src', 'cli.ts'), ...args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, stdout, stderr }));
    if (stdin !== null) child.stdin.end(stdin);
    else child.stdin.end();
  });
}

function summaryOf(stdout: string): { sent: number; failed: number; rate: number } {
  const match = /^summary: sent=(\d+) failed=(\d+) rate=(\d+) msgs\/s p50=(\d+|-)m?s? p99=(\d+|-)m?s? elapsed=[\d.]+s$/m.exec(stdout);
  assert.ok(match, `no summary line in:\n${stdout}`);
  return { sent: Number(match[1]), failed: Number(match[2]), rate: Number(match[3]) };
}

describe('rocketmq-rx publish / send', () => {
  let cluster: EmbeddedCluster;
  let dir: string;
  before(async () => {
    cluster = await EmbeddedCluster.start({ brokers: 2, maxStoredMessages: 100_000 });
    dir = mkdtempSync(join(tmpdir(), 'rmq-rx-cli-'));
  });
  after(async () => {
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pipes 10,000 JSON lines into publish: the brokers hold them all and the summary matches', { timeout: 90_000 }, async () => {
    const lines = Array.from({ length: 10_000 }, (_, i) => JSON.stringify({ id: `order-${i}`, n: i }));
    const run = await runCli(
      ['publish', '--namesrv', cluster.namesrvAddr, '--topic', 'CliPublish', '--json', '--keys-from', 'id', '--max-in-flight', '200'],
      `${lines.join('\n')}\n`,
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(summaryOf(run.stdout).sent, 10_000);
    assert.deepEqual(summaryOf(run.stdout).failed, 0);
    const stored = cluster.messages({ topic: 'CliPublish' });
    assert.equal(stored.length, 10_000);
    const numbers = new Set(stored.map((m) => (decodeBody(m.body, m.properties) as { n: number }).n));
    assert.equal(numbers.size, 10_000);
    const sample = stored.find((m) => (decodeBody(m.body, m.properties) as { n: number }).n === 1234)!;
    assert.deepEqual(sample.keys, ['order-1234']);
    assert.match(run.stderr, /published \d+ ok, \d+ failed, \d+ msg\/s|^$/m, 'plain progress lines when not a TTY');
  });

  it('a bad line gets an error naming its line number, counts as failed, and the exit code is non-zero', { timeout: 60_000 }, async () => {
    const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ n: i }));
    lines[16] = '{"n": 16,'; // line 17
    const file = join(dir, 'bad.ndjson');
    writeFileSync(file, `${lines.join('\n')}\n`);
    const run = await runCli(['publish', '--namesrv', cluster.namesrvAddr, '--topic', 'CliBad', '--json', '--json-as', 'raw', '--batch', '50', file], null);
    assert.equal(run.code, 1);
    assert.match(run.stderr, /^line 17: invalid JSON/m);
    const summary = summaryOf(run.stdout);
    assert.equal(summary.sent, 199);
    assert.equal(summary.failed, 1);
    const stored = cluster.messages({ topic: 'CliBad' });
    assert.equal(stored.length, 199);
    assert.ok(stored.every((m) => m.properties['CONTENT_TYPE'] === undefined && JSON.parse(m.body.toString()).n !== 16));
  });

  it('raw lines from stdin, with tags', { timeout: 60_000 }, async () => {
    const run = await runCli(['publish', '--namesrv', cluster.namesrvAddr, '--topic', 'CliRaw', '--tags', 'TagR'], 'alpha\r\nbeta\n\ngamma');
    assert.equal(run.code, 0, run.stderr);
    assert.equal(summaryOf(run.stdout).sent, 3);
    const stored = cluster.messages({ topic: 'CliRaw' });
    assert.deepEqual(stored.map((m) => m.body.toString()).sort(), ['alpha', 'beta', 'gamma']);
    assert.ok(stored.every((m) => m.tags === 'TagR'));
  });

  it('send prints the SendResult of one message, in each mode', { timeout: 60_000 }, async () => {
    for (const mode of ['sync', 'async'] as const) {
      const run = await runCli(
        ['send', '--namesrv', cluster.namesrvAddr, '--topic', 'CliSend', '--body', `hello-${mode}`, '--tags', 'T', '--keys', 'a,b', '--mode', mode],
        null,
      );
      assert.equal(run.code, 0, run.stderr);
      const result = JSON.parse(run.stdout) as { sendStatus: string; msgId: string };
      assert.equal(result.sendStatus, 'SEND_OK');
      const stored = cluster.messages({ topic: 'CliSend' }).find((m) => m.uniqueId === result.msgId)!;
      assert.equal(stored.body.toString(), `hello-${mode}`);
      assert.deepEqual(stored.keys, ['a', 'b']);
    }
    const oneway = await runCli(['send', '--namesrv', cluster.namesrvAddr, '--topic', 'CliSend', '--body', 'ow', '--mode', 'oneway'], null);
    assert.equal(oneway.code, 0, oneway.stderr);
    assert.match(oneway.stdout, /oneway/);
  });
});
