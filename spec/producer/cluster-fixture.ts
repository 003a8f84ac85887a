/** Shared set-up of the producer integration specs: an embedded cluster on loopback and producers that clean up. */
import { EmbeddedCluster } from '../../src/embedded/index.js';
import type { EmbeddedClusterOptions } from '../../src/embedded/index.js';
import type { ProducerOptions } from '../../src/producer/config.js';
import { Producer } from '../../src/producer/producer.js';

/** Request codes the specs count. */
export const SEND_V2 = 310;
export const HEART_BEAT = 34;
export const UNREGISTER_CLIENT = 35;
export const GET_ROUTE = 105;

let groupSeq = 0;

const cleanups: (() => Promise<void>)[] = [];

/**
 * Shuts down every producer and cluster started through this fixture, newest first. Call it from the suite's
 * `after()` (node:test runs an `after()` registered inside `before()` right away, so the fixture cannot).
 */
export async function stopAll(): Promise<void> {
  while (cleanups.length > 0) await cleanups.pop()!();
}

/** A unique producer group / topic name per call, so specs sharing a cluster do not see each other. */
export function unique(prefix: string): string {
  groupSeq += 1;
  return `${prefix}_${process.pid}_${groupSeq}`;
}

/** Starts a cluster now and stops it after the suite. */
export async function startCluster(options: EmbeddedClusterOptions = {}): Promise<EmbeddedCluster> {
  const cluster = await EmbeddedCluster.start({ brokers: 2, queuesPerTopic: 4, recordRequests: true, ...options });
  cleanups.push(() => cluster.stop());
  return cluster;
}

/** A started producer on `cluster`, shut down after the suite (fast retries and timeouts unless overridden). */
export async function startProducer(cluster: EmbeddedCluster | string, options: ProducerOptions = {}): Promise<Producer> {
  const producer = new Producer({
    producerGroup: unique('PG'),
    namesrvAddr: typeof cluster === 'string' ? cluster : cluster.namesrvAddr,
    sendMsgTimeout: 2000,
    ...options,
  });
  await producer.start();
  cleanups.push(() => producer.shutdown());
  return producer;
}

/** Count of requests with `code` over the given brokers. */
export function countRequests(brokers: readonly { stats: { count(code: number): number } }[], code: number): number {
  return brokers.reduce((sum, broker) => sum + broker.stats.count(code), 0);
}

/** Resolves after `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it holds or `ms` pass. */
export async function eventually(check: () => boolean, ms = 3000): Promise<void> {
  const until = Date.now() + ms;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not reached in time');
    await sleep(10);
  }
}
