import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { EmbeddedCluster, type SpawnedCluster } from '../../src/embedded/index.js';
import { RemotingClient } from '../../src/remoting/remoting-client.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { ResponseCode } from '../../src/remoting/response-code.js';
import { routeRequest, sendV2 } from './wire-helpers.js';

const DIST_EMBEDDED: string = '../../dist/embedded/index.js';

type Spawn = (options?: Record<string, unknown>) => Promise<SpawnedCluster>;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function exercise(spawn: Spawn): Promise<void> {
  const cluster = await spawn({ brokers: 2, queuesPerTopic: 4 });
  const client = new RemotingClient();
  try {
    assert.notEqual(cluster.pid, process.pid);
    assert.deepEqual(cluster.brokers.map((b) => b.name), ['broker-a', 'broker-b']);
    const route = await client.invoke(cluster.namesrvAddr, routeRequest('TBW102'), 3000);
    assert.equal(route.code, ResponseCode.SUCCESS);
    const a = cluster.brokers[0]!;
    assert.equal((await client.invoke(a.address, sendV2('SpawnTopic', 1, 'from the parent'), 3000)).code, ResponseCode.SUCCESS);

    const stats = await cluster.stats();
    assert.equal(stats.brokers[0]!.stats.requestCounts[RequestCode.SEND_MESSAGE_V2], 1);
    assert.equal(stats.brokers[0]!.storedMessages, 1);
    const [message] = await cluster.messages({ topic: 'SpawnTopic' });
    assert.ok(Buffer.isBuffer(message!.body));
    assert.equal(message!.body.toString(), 'from the parent');
    assert.equal(message!.tags, 'TagA');

    await cluster.call('broker-a.faults', 'respondWith', ResponseCode.SYSTEM_BUSY, { times: 1 });
    assert.equal((await client.invoke(a.address, sendV2('SpawnTopic', 1), 3000)).code, ResponseCode.SYSTEM_BUSY);
    await assert.rejects(cluster.call('broker-a', 'messages'), /cannot be called/);
  } finally {
    await client.close();
    await cluster.stop();
  }
  assert.equal(isAlive(cluster.pid), false, 'the child exited');
}

describe('EmbeddedCluster.spawn', () => {
  it('runs the cluster in a child process (from src, through tsx) with IPC counters, messages and faults', async () => {
    await exercise((options) => EmbeddedCluster.spawn(options));
  });

  it('starts the child with the old-generation growth that keeps socket-read buffers from forcing full GCs', { skip: process.platform !== 'linux' }, async () => {
    const cluster = await EmbeddedCluster.spawn({ brokers: 1 });
    try {
      const argv = readFileSync(`/proc/${cluster.pid}/cmdline`, 'utf8').split('\0');
      assert.ok(argv.includes('--heap-growing-percent=400'), argv.join(' '));
    } finally {
      await cluster.stop();
    }
  });

  it('works from the ESM build (child entry found next to the bundled chunks)', async () => {
    // A computed specifier: the build may not exist when the project is type-checked.
    const dist = (await import(DIST_EMBEDDED)) as { EmbeddedCluster: { spawn: Spawn } };
    await exercise((options) => dist.EmbeddedCluster.spawn(options));
  });

  it('works from the CommonJS build', async () => {
    const require = createRequire(import.meta.url);
    const cjs = require('../../dist/embedded/index.cjs') as { EmbeddedCluster: { spawn: Spawn } };
    await exercise((options) => cjs.EmbeddedCluster.spawn(options));
  });
});
