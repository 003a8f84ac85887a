/**
 * rocketmq-rx's `Producer` driven the way an application drives it: `await send()`, `sendAsync()` with a window,
 * `sendOneway()`, and `publish()` once it exists.
 */
import type { Issue } from '../lib/measure.js';
import type { PublishFn } from './publish.js';
import { BENCH_GROUP, BENCH_TOPIC } from '../lib/fixtures.js';

/** The part of the Producer API the harness uses (typed here so the harness builds before the Producer lands). */
interface ProducerLike {
  start(): Promise<void>;
  shutdown(): Promise<void>;
  send(message: { topic: string; body: Buffer }): Promise<unknown>;
  sendAsync(
    message: { topic: string; body: Buffer },
    callback: { onSuccess?(result: unknown): void; onException?(error: Error): void },
  ): unknown;
  sendOneway(message: { topic: string; body: Buffer }): Promise<void>;
  publish?: PublishFn;
}
type ProducerClass = new (options: Record<string, unknown>) => ProducerLike;

/** A started producer and the ways the harness drives it. */
export interface RxClient {
  sendOnce(body: Buffer): Promise<unknown>;
  /** `sendAsync`: the window counts sends whose callback has not fired yet. */
  issueAsync(body: Buffer): Issue;
  /** `sendOneway`: the window counts sends not yet written. */
  issueOneway(body: Buffer): Issue;
  /** `producer.publish`, bound; `null` when it does not exist on this branch (issue 5). */
  readonly publish: PublishFn | null;
  readonly producer: ProducerLike;
  close(): Promise<void>;
}

/** The Producer class of this checkout, or `null` when it has not landed on this branch yet. */
export async function loadProducerClass(): Promise<ProducerClass | null> {
  // Loaded at run time so that the harness builds on branches without src/producer.
  const url = new URL('../../src/index.js', import.meta.url).href;
  const index = (await import(url)) as { Producer?: ProducerClass };
  return index.Producer ?? null;
}

/** Starts a producer against `namesrvAddr` with the Java defaults (compression from 4 KiB, 3 s timeout). */
export async function startRx(Producer: ProducerClass, namesrvAddr: string): Promise<RxClient> {
  const producer = new Producer({ namesrvAddr, producerGroup: BENCH_GROUP, clientIP: '127.0.0.1' });
  await producer.start();
  const message = (body: Buffer): { topic: string; body: Buffer } => ({ topic: BENCH_TOPIC, body });
  return {
    producer,
    publish: typeof producer.publish === 'function' ? producer.publish.bind(producer) : null,
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
