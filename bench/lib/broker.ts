/**
 * The broker under test: the embedded NameServer + one broker in a child process of its own (so it never shares
 * the client's event loop), with a small `maxStoredMessages` so long runs stay flat.
 */
import { EmbeddedCluster } from '../../src/embedded/index.js';

/** A running broker process. */
export interface BenchBroker {
  readonly namesrvAddr: string;
  readonly brokerName: string;
  /** `127.0.0.1:port` of the broker. */
  readonly brokerAddr: string;
  readonly pid: number;
  /** SEND_MESSAGE(_V2) + SEND_BATCH_MESSAGE requests the broker has received so far. */
  sendRequests(): Promise<number>;
  stop(): Promise<void>;
}

/** Options of {@link startBroker}. */
export interface StartBrokerOptions {
  /** Messages the broker keeps; older ones are dropped. @defaultValue `10000` */
  maxStoredMessages?: number;
  /** Queues per auto-created topic. @defaultValue `4` */
  queuesPerTopic?: number;
}

/** Starts the NameServer and one broker in a child process (`EmbeddedCluster.spawn`). */
export async function startBroker(options: StartBrokerOptions = {}): Promise<BenchBroker> {
  const cluster = await EmbeddedCluster.spawn({
    brokers: 1,
    queuesPerTopic: options.queuesPerTopic ?? 4,
    autoCreateTopic: true,
    maxStoredMessages: options.maxStoredMessages ?? 10_000,
  });
  const broker = cluster.brokers[0];
  if (broker === undefined) throw new Error('the embedded cluster started without a broker');
  return {
    namesrvAddr: cluster.namesrvAddr,
    brokerName: broker.name,
    brokerAddr: broker.address,
    pid: cluster.pid,
    async sendRequests(): Promise<number> {
      const stats = await cluster.stats();
      const counts = stats.brokers[0]?.stats.requestCounts ?? {};
      return (counts['10'] ?? 0) + (counts['310'] ?? 0) + (counts['320'] ?? 0);
    },
    stop: () => cluster.stop(),
  };
}

/**
 * Resolves once the broker has received `target` send requests (polling its counters), or rejects after
 * `timeoutMillis`. Used to time oneway rows by what arrived, not by what was handed to the socket.
 */
export async function waitForSendRequests(broker: BenchBroker, target: number, timeoutMillis = 60_000): Promise<void> {
  const deadline = performance.now() + timeoutMillis;
  for (;;) {
    const received = await broker.sendRequests();
    if (received >= target) return;
    if (performance.now() > deadline) throw new Error(`broker received ${received} of ${target} sends before the timeout`);
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}
