/**
 * `withEmbedded()`: one embedded cluster per suite, on 127.0.0.1 free ports, stopped in `after()`.
 *
 * @example
 * ```ts
 * describe('my feature', () => {
 *   const embedded = withEmbedded({ brokers: 2 });
 *   it('sends', async () => {
 *     const namesrvAddr = embedded.cluster.namesrvAddr;
 *   });
 * });
 * ```
 */
import { after, afterEach, before } from 'node:test';
import { EmbeddedCluster, type EmbeddedClusterOptions } from '../../src/embedded/index.js';

export interface EmbeddedFixture {
  /** The running cluster (available from the suite's `before()` on). */
  readonly cluster: EmbeddedCluster;
}

/**
 * Starts a cluster before the suite's tests and stops it after them; faults are cleared after every test so one
 * test's script never leaks into the next.
 */
export function withEmbedded(options: EmbeddedClusterOptions = {}): EmbeddedFixture {
  let cluster: EmbeddedCluster | null = null;
  before(async () => {
    cluster = await EmbeddedCluster.start(options);
  });
  afterEach(() => {
    if (cluster === null) return;
    cluster.nameServer.faults.clear();
    for (const broker of cluster.brokers) broker.faults.clear();
  });
  after(async () => {
    await cluster?.stop();
    cluster = null;
  });
  return {
    get cluster(): EmbeddedCluster {
      if (cluster === null) throw new Error('withEmbedded: the cluster is not running (use it inside it()/before())');
      return cluster;
    },
  };
}
