/**
 * Child process of `spec/producer/shutdown.spec.ts`: a producer with `count` async sends of `bodyBytes` pending
 * against a broker that stopped reading, then `shutdown()`. Prints one JSON line when shutdown returned and one
 * more from the `exit` event (so callbacks that would come late are still counted); the process must then end by
 * itself, with no handle left.
 *
 *   node --import tsx spec/helpers/stalled-shutdown-child.ts '<json options>'
 */
import { randomBytes } from 'node:crypto';
import { RocketMQError } from '../../src/errors.js';
import { Producer } from '../../src/producer/producer.js';

interface ChildOptions {
  namesrvAddr: string;
  topic: string;
  count: number;
  bodyBytes: number;
  sendMsgTimeout: number;
  /** How long the sends are left pending before `shutdown()`. */
  pendingMillis: number;
}

const options = JSON.parse(process.argv[2] ?? '{}') as ChildOptions;
const calls: number[] = new Array<number>(options.count).fill(0);
const outcomes: Record<string, number> = {};
const settleMillis: number[] = [];

async function main(): Promise<void> {
  const producer = new Producer({
    producerGroup: 'StalledShutdownPG',
    namesrvAddr: options.namesrvAddr,
    sendMsgTimeout: options.sendMsgTimeout,
    // No retry: every send has exactly one attempt on the stalled broker.
    retryTimesWhenSendAsyncFailed: 0,
    // Random bodies do not compress: trying would only burn CPU before the sends are written.
    compressMsgBodyOverHowmuch: 4 * 1024 * 1024,
  });
  await producer.start();
  // Random bytes: a compressible body would shrink below what it takes to fill the socket buffers.
  const body = randomBytes(options.bodyBytes);
  const startedAt = performance.now();
  for (let i = 0; i < options.count; i++) {
    const settle = (outcome: string): void => {
      calls[i]! += 1;
      if (calls[i] === 1) {
        outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
        settleMillis.push(performance.now() - startedAt);
      }
    };
    producer.sendAsync(
      { topic: options.topic, body },
      {
        onSuccess: (result) => settle(result.sendStatus),
        onException: (error) => settle(error instanceof RocketMQError ? error.code : `untyped:${error.name}`),
      },
    );
  }
  await new Promise((resolve) => setTimeout(resolve, options.pendingMillis));
  const inflightAtShutdown = producer.inflightCount;
  const shutdownStarted = performance.now();
  await producer.shutdown();
  const shutdownMillis = performance.now() - shutdownStarted;
  process.stdout.write(
    `${JSON.stringify({
      phase: 'shutdown',
      inflightAtShutdown,
      shutdownMillis,
      settled: settleMillis.length,
      inflightAfter: producer.inflightCount,
      outcomes,
      handles: process.getActiveResourcesInfo(),
    })}\n`,
  );
}

process.on('exit', () => {
  process.stdout.write(
    `${JSON.stringify({
      phase: 'exit',
      settled: settleMillis.length,
      maxSettleMillis: Math.max(0, ...settleMillis),
      neverSettled: calls.filter((n) => n === 0).length,
      settledTwice: calls.filter((n) => n > 1).length,
      outcomes,
    })}\n`,
  );
});

main().catch((error: unknown) => {
  process.stdout.write(`${JSON.stringify({ phase: 'error', message: String(error) })}\n`);
  process.exitCode = 1;
});
