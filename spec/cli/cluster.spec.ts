import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { ResponseCode } from '../../src/remoting/response-code.js';
import { sendV2 } from '../embedded/wire-helpers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

function runCli(args: string[]): { child: ChildProcess; lines: string[]; waitFor(pattern: RegExp): Promise<RegExpMatchArray>; exit: Promise<number | null> } {
  const child = spawn(process.execPath, ['--import', TSX, join(ROOT, 'src', 'cli.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  const waiters: (() => void)[] = [];
  let rest = '';
  const onData = (chunk: Buffer): void => {
    rest += chunk.toString();
    const parts = rest.split('\n');
    rest = parts.pop() ?? '';
    lines.push(...parts);
    for (const waiter of waiters.splice(0)) waiter();
  };
  child.stdout!.on('data', onData);
  child.stderr!.on('data', onData);
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const waitFor = async (pattern: RegExp): Promise<RegExpMatchArray> => {
    const deadline = Date.now() + 15_000;
    for (;;) {
      for (const line of lines) {
        const match = pattern.exec(line);
        if (match !== null) return match;
      }
      if (Date.now() > deadline) throw new Error(`no line matching ${pattern} in:\n${lines.join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  };
  return { child, lines, waitFor, exit };
}

describe('rocketmq-rx cluster', () => {
  it('prints the NameServer address, logs each send, and stops cleanly on SIGINT', async () => {
    const cli = runCli(['cluster', '--port', '0', '--brokers', '2']);
    const client = new RemotingClient();
    try {
      const [, namesrv] = (await cli.waitFor(/^NameServer (127\.0\.0\.1:\d+)$/)) as unknown as [string, string];
      assert.match(namesrv, /^127\.0\.0\.1:\d+$/);
      const [, brokerA] = (await cli.waitFor(/^broker-a\s+(127\.0\.0\.1:\d+)/)) as unknown as [string, string];
      await cli.waitFor(/^broker-b\s+127\.0\.0\.1:\d+/);
      const response = await client.invoke(brokerA, sendV2('CliTopic', 3, 'hi'), 3000);
      assert.equal(response.code, ResponseCode.SUCCESS);
      await cli.waitFor(/^send\s+broker-a\s+topic=CliTopic queue=3 offset=0 bytes=2 from=127\.0\.0\.1:\d+$/);
    } finally {
      await client.close();
      cli.child.kill('SIGINT');
    }
    assert.equal(await cli.exit, 0);
    assert.ok(cli.lines.includes('stopped'));
  });

  it('rejects bad options with a non-zero exit', async () => {
    const cli = runCli(['cluster', '--brokers', '0']);
    assert.notEqual(await cli.exit, 0);
    assert.ok(cli.lines.some((line) => line.includes('--brokers')));
  });
});
