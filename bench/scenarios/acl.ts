/**
 * The `sendAsync + ACL` row: the same windowed `sendAsync` as the `async` row, but every request signed
 * (HMAC-SHA1 over the header values and the body, `AclClientRPCHook` style) and verified by a broker with ACL on,
 * which runs in a child process of its own like the main bench broker.
 */
import { EmbeddedCluster, type SpawnedCluster } from '../../src/embedded/index.js';
import { Producer } from '../../src/index.js';
import type { Issue } from '../lib/measure.js';
import { BENCH_GROUP, BENCH_TOPIC } from '../lib/fixtures.js';

const ACCOUNT = { accessKey: 'benchUser', secretKey: 'benchSecret123' } as const;

/** A producer with credentials against its own ACL broker. */
export interface AclClient {
  /** Process id of the ACL broker (for its CPU time). */
  readonly brokerPid: number;
  issueAsync(body: Buffer): Issue;
  close(): Promise<void>;
}

/** Spawns an ACL broker (one account with PUB on every topic) and starts a producer signing with that account. */
export async function startAclClient(): Promise<AclClient> {
  const cluster: SpawnedCluster = await EmbeddedCluster.spawn({
    brokers: 1,
    autoCreateTopic: true,
    maxStoredMessages: 10_000,
    acl: { accounts: [{ ...ACCOUNT, defaultTopicPerm: 'PUB|SUB', defaultGroupPerm: 'PUB|SUB' }] },
  });
  const producer = new Producer({ namesrvAddr: cluster.namesrvAddr, producerGroup: BENCH_GROUP, clientIP: '127.0.0.1', credentials: ACCOUNT });
  try {
    await producer.start();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return {
    brokerPid: cluster.pid,
    issueAsync: (body) => (index, done) => {
      producer.sendAsync(
        { topic: BENCH_TOPIC, body },
        { onSuccess: () => done(index), onException: (error) => done(index, error) },
      );
    },
    close: async () => {
      await producer.shutdown();
      await cluster.stop();
    },
  };
}
