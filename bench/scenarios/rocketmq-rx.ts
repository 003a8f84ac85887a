/**
 * rocketmq-rx's `Producer` driven the way an application drives it: `await send()`, `sendAsync()` with a window,
 * `sendOneway()`, and `publish()`.
 */
import { Producer } from '../../src/index.js';
import type { ProducerOptions } from '../../src/index.js';
import type { Issue } from '../lib/measure.js';
import { BENCH_GROUP, BENCH_TOPIC } from '../lib/fixtures.js';

/** A started producer and the ways the harness drives it. */
export interface RxClient {
  readonly producer: Producer;
  sendOnce(body: Buffer): Promise<unknown>;
  /** `sendAsync`: the window counts sends whose callback has not fired yet. */
  issueAsync(body: Buffer): Issue;
  /** `sendOneway`: the window counts sends not yet written. */
  issueOneway(body: Buffer): Issue;
  close(): Promise<void>;
}

/** Starts a producer against `namesrvAddr` with the Java defaults (compression from 4 KiB, 3 s timeout). */
export async function startRx(namesrvAddr: string, extra: ProducerOptions = {}): Promise<RxClient> {
  const producer = new Producer({ namesrvAddr, producerGroup: BENCH_GROUP, clientIP: '127.0.0.1', ...extra });
  await producer.start();
  const message = (body: Buffer): { topic: string; body: Buffer } => ({ topic: BENCH_TOPIC, body });
  return {
    producer,
    sendOnce: (body) => producer.send(message(body)),
    issueAsync: (body) => (index, done) => {
      producer.sendAsync(message(body), {
        onSuccess: () => done(index),
        onException: (error) => done(index, error),
      });
    },
    issueOneway: (body) => (index, done) => {
      producer.sendOneway(message(body)).then(
        () => done(index),
        (error: unknown) => done(index, error ?? new Error('oneway failed')),
      );
    },
    close: () => producer.shutdown(),
  };
}
