/**
 * Shared by the examples: use the NameServer in `NAMESRV_ADDR` when it is set, else start an embedded cluster
 * (a NameServer and two brokers on loopback) and stop it afterwards.
 */
import { EmbeddedCluster, type EmbeddedClusterOptions } from '../src/embedded/index.js';

export interface NameServer {
  /** Address for `new Producer({ namesrvAddr })`. */
  readonly namesrvAddr: string;
  /** The embedded cluster, or `null` when `NAMESRV_ADDR` names a real one. */
  readonly cluster: EmbeddedCluster | null;
  /** Stops the embedded cluster, if one was started. */
  close(): Promise<void>;
}

export async function nameServer(options: EmbeddedClusterOptions = {}): Promise<NameServer> {
  const fromEnv = process.env['NAMESRV_ADDR'];
  if (fromEnv) {
    console.log(`using the name server(s) at ${fromEnv}`);
    return { namesrvAddr: fromEnv, cluster: null, close: async () => undefined };
  }
  const cluster = await EmbeddedCluster.start({ brokers: 2, queuesPerTopic: 4, autoCreateTopic: true, ...options });
  console.log(`embedded cluster: name server ${cluster.namesrvAddr}, brokers ${cluster.brokers.map((b) => `${b.name}@${b.address}`).join(', ')}`);
  return { namesrvAddr: cluster.namesrvAddr, cluster, close: () => cluster.stop() };
}
