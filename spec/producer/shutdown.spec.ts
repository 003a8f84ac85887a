import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EmbeddedCluster } from '../../src/embedded/index.js';
import { RocketMQError } from '../../src/errors.js';
import { Producer } from '../../src/producer/producer.js';
import { RequestCode } from '../../src/remoting/request-code.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHILD = join(HERE, '..', 'helpers', 'stalled-shutdown-child.ts');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;

interface ShutdownLine {
  phase: 'shutdown';
  inflightAtShutdown: number;
  shutdownMillis: number;
  settled: number;
  inflightAfter: number;
  outcomes: Record<string, number>;
  handles: string[];
}
interface ExitLine {
  phase: 'exit';
  settled: number;
  maxSettleMillis: number;
  neverSettled: number;
  settledTwice: number;
  outcomes: Record<string, number>;
}

/** Runs the child; resolves with its two report lines, how long it took to exit after shutdown, and its exit code. */
function runChild(options: object): Promise<{ shutdown: ShutdownLine; exit: ExitLine; exitAfterShutdownMillis: number; code: number | null }> {
  const child = spawn(process.execPath, ['--import', TSX, CHILD, JSON.stringify(options)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let text = '';
  let shutdownAt = 0;
  child.stdout.on('data', (chunk: Buffer) => {
    text += chunk.toString();
    if (shutdownAt === 0 && text.includes('"phase":"shutdown"')) shutdownAt = performance.now();
  });
  return new Promise((resolve, reject) => {
    // The child must end by itself; if it does not within 20 s, it is killed and the test fails.
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child did not exit by itself; output so far: ${text}`));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(guard);
      const lines = text.trim().split('\n').map((line) => JSON.parse(line) as { phase: string });
      const shutdown = lines.find((l) => l.phase === 'shutdown') as ShutdownLine | undefined;
      const exit = lines.find((l) => l.phase === 'exit') as ExitLine | undefined;
      if (shutdown === undefined || exit === undefined) {
        reject(new Error(`the child did not report (code ${code}): ${text}`));
        return;
      }
      resolve({ shutdown, exit, exitAfterShutdownMillis: performance.now() - shutdownAt, code });
    });
  });
}

describe('shutdown under a stalled broker', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await EmbeddedCluster.start({ brokers: 1, maxMessageSize: 4 * 1024 * 1024 });
    await cluster.createTopic('StalledTopic');
  });
  afterEach(() => cluster.brokers[0]!.faults.clear());
  after(() => cluster.stop());

  it('512 sends of 64 KiB against a broker that stopped reading: returns within sendMsgTimeout + 3 s, each send settles once, the process exits by itself', async () => {
    const broker = cluster.brokers[0]!;
    const unregistersBefore = broker.requestCounts.get(RequestCode.UNREGISTER_CLIENT) ?? 0;
    broker.faults.pause();
    const sendMsgTimeout = 1000;
    const run = await runChild({
      namesrvAddr: cluster.namesrvAddr,
      topic: 'StalledTopic',
      count: 512,
      bodyBytes: 64 * 1024,
      sendMsgTimeout,
      pendingMillis: 300,
    });
    broker.faults.resume();
    const { shutdown, exit } = run;
    assert.ok(shutdown.inflightAtShutdown > 0, 'sends were pending when shutdown began');
    assert.ok(shutdown.shutdownMillis < sendMsgTimeout + 3000, `shutdown took ${shutdown.shutdownMillis} ms`);
    // As fast as possible: the sends settle by their own deadline (~700 ms after shutdown began); the unregister
    // stuck behind them in the socket does not hold shutdown for another mqClientApiTimeout.
    assert.ok(shutdown.shutdownMillis < sendMsgTimeout + 1000, `shutdown took ${shutdown.shutdownMillis} ms`);
    assert.equal(shutdown.settled, 512, 'every send settled by the time shutdown returned');
    assert.equal(shutdown.inflightAfter, 0);
    assert.equal(exit.neverSettled, 0);
    assert.equal(exit.settledTwice, 0);
    for (const code of Object.keys(exit.outcomes)) {
      assert.ok(['RMQ_ERR_REMOTING_TIMEOUT', 'RMQ_ERR_PRODUCER_SHUT_DOWN'].includes(code), `unexpected outcome ${code}`);
    }
    assert.ok(exit.maxSettleMillis < sendMsgTimeout + 500, `a send settled after ${exit.maxSettleMillis} ms`);
    assert.equal(run.code, 0);
    assert.ok(run.exitAfterShutdownMillis < 2000, `the child exited ${run.exitAfterShutdownMillis} ms after shutdown`);
    // The unregisters stuck behind the stalled socket were given up, never written.
    assert.equal(broker.requestCounts.get(RequestCode.UNREGISTER_CLIENT) ?? 0, unregistersBefore);
  });

  it('waiting for the sends in flight and unregistering overlap instead of adding up', async () => {
    const broker = cluster.brokers[0]!;
    const producer = new Producer({ producerGroup: 'OverlapPG', namesrvAddr: cluster.namesrvAddr, sendMsgTimeout: 3000 });
    await producer.start();
    await producer.send({ topic: 'StalledTopic', body: 'warm' });
    broker.faults.delay(400, { requestCode: RequestCode.SEND_MESSAGE_V2 });
    broker.faults.delay(400, { requestCode: RequestCode.UNREGISTER_CLIENT });
    const unregistersBefore = broker.requestCounts.get(RequestCode.UNREGISTER_CLIENT) ?? 0;
    const pending = producer.send({ topic: 'StalledTopic', body: 'in flight' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    await producer.shutdown();
    const took = performance.now() - started;
    assert.equal((await pending).sendStatus, 'SEND_OK');
    // Both groups (the producer's and CLIENT_INNER_PRODUCER) were unregistered, each answered after 400 ms.
    assert.equal((broker.requestCounts.get(RequestCode.UNREGISTER_CLIENT) ?? 0) - unregistersBefore, 2);
    // Serially this would be ≥ 380 (send) + 400 + 400 (two unregisters) ms.
    assert.ok(took < 750, `shutdown took ${took} ms`);
    assert.ok(took >= 350, `shutdown took ${took} ms: it did not wait for the send and the unregisters`);
  });

  it('a send still pending after shutdownTimeoutMillis fails with RMQ_ERR_PRODUCER_SHUT_DOWN, once, and is not retried', async () => {
    const broker = cluster.brokers[0]!;
    const producer = new Producer({
      producerGroup: 'PendingPG',
      namesrvAddr: cluster.namesrvAddr,
      sendMsgTimeout: 5000,
      shutdownTimeoutMillis: 200,
    });
    await producer.start();
    await producer.send({ topic: 'StalledTopic', body: 'warm' });
    const sendsBefore = broker.requestCounts.get(RequestCode.SEND_MESSAGE_V2) ?? 0;
    broker.faults.swallow({ requestCode: RequestCode.SEND_MESSAGE_V2 });
    const codes: string[] = [];
    producer.sendAsync(
      { topic: 'StalledTopic', body: 'swallowed' },
      { onSuccess: () => codes.push('success'), onException: (e) => codes.push(e instanceof RocketMQError ? e.code : 'untyped') },
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    await producer.shutdown();
    const took = performance.now() - started;
    assert.ok(took < 600, `shutdown took ${took} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(codes, ['RMQ_ERR_PRODUCER_SHUT_DOWN']);
    assert.equal((broker.requestCounts.get(RequestCode.SEND_MESSAGE_V2) ?? 0) - sendsBefore, 1, 'one attempt, no retry');
    assert.equal(producer.inflightCount, 0);
  });

  it('sync sends are counted in flight while they wait; one still pending at shutdownTimeoutMillis is rejected once, one answered in time resolves', async () => {
    const broker = cluster.brokers[0]!;
    const producer = new Producer({
      producerGroup: 'PendingSyncPG',
      namesrvAddr: cluster.namesrvAddr,
      sendMsgTimeout: 5000,
      shutdownTimeoutMillis: 300,
    });
    await producer.start();
    await producer.send({ topic: 'StalledSyncTopic', body: 'warm' });
    assert.equal(producer.inflightCount, 0);
    const sendsBefore = broker.requestCounts.get(RequestCode.SEND_MESSAGE_V2) ?? 0;
    broker.faults.delay(100, { requestCode: RequestCode.SEND_MESSAGE_V2, times: 1 });
    const answered = producer.send({ topic: 'StalledSyncTopic', body: 'delayed' });
    await new Promise((resolve) => setTimeout(resolve, 20));
    broker.faults.swallow({ requestCode: RequestCode.SEND_MESSAGE_V2 });
    const outcomes: string[] = [];
    const swallowed = producer.send({ topic: 'StalledSyncTopic', body: 'swallowed' }).then(
      () => outcomes.push('success'),
      (e: unknown) => outcomes.push(e instanceof RocketMQError ? e.code : 'untyped'),
    );
    await new Promise((resolve) => setTimeout(resolve, 20));
    assert.equal(producer.inflightCount, 2, 'both sync sends are in flight');
    const started = performance.now();
    await producer.shutdown();
    const took = performance.now() - started;
    assert.ok(took >= 250 && took < 1500, `shutdown took ${took} ms`);
    assert.equal((await answered).sendStatus, 'SEND_OK');
    await swallowed;
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.deepEqual(outcomes, ['RMQ_ERR_PRODUCER_SHUT_DOWN']);
    assert.equal((broker.requestCounts.get(RequestCode.SEND_MESSAGE_V2) ?? 0) - sendsBefore, 2, 'one attempt each, no retry');
    assert.equal(producer.inflightCount, 0);
  });
});
