/**
 * Entry of the child process started by `EmbeddedCluster.spawn()`: runs an {@link EmbeddedCluster} and answers the
 * parent's IPC requests (ready, stats, messages, calls, stop). Not part of the public API.
 * @internal
 */
import { EmbeddedCluster } from './cluster.js';
import type { EmbeddedClusterOptions } from './cluster-options.js';
import type { ClusterStats, IpcReply, IpcRequest } from './ipc.js';
import { CALLABLE_METHODS } from './ipc.js';

/**
 * Resolves a call target: `'nameServer'`, `'nameServer.faults'`, `'nameServer.stats'`, `'<broker>'`,
 * `'<broker>.faults'`, `'<broker>.stats'`.
 */
function callTarget(cluster: EmbeddedCluster, target: string): object {
  const [head, part] = target.split('.', 2);
  const base = head === 'nameServer' ? cluster.nameServer : cluster.broker(head ?? '');
  if (base === undefined) throw new Error(`no broker named ${head}`);
  if (part === undefined) return base;
  if (part === 'faults') return base.faults;
  if (part === 'stats') return base.stats;
  throw new Error(`unknown call target ${target}`);
}

/** Counters of a cluster, as plain data. */
function clusterStats(cluster: EmbeddedCluster): ClusterStats {
  return {
    nameServer: cluster.nameServer.stats.snapshot(),
    brokers: cluster.brokers.map((broker) => ({
      name: broker.name,
      stats: broker.stats.snapshot(),
      storedMessages: broker.storedMessageCount,
      maxCommitLogOffset: broker.maxCommitLogOffset,
    })),
  };
}

function send(message: unknown): void {
  if (process.send !== undefined && process.connected) process.send(message);
}

async function main(): Promise<void> {
  const options = JSON.parse(process.argv[2] ?? '{}') as EmbeddedClusterOptions;
  let cluster: EmbeddedCluster;
  try {
    cluster = await EmbeddedCluster.start(options);
  } catch (error) {
    send({ type: 'failed', message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
  let stopping: Promise<void> | null = null;
  const stop = (): Promise<void> => (stopping ??= cluster.stop());

  process.on('message', (raw: unknown) => {
    const request = raw as IpcRequest;
    void (async (): Promise<IpcReply> => {
      try {
        switch (request.type) {
          case 'stats':
            return { id: request.id, ok: true, result: clusterStats(cluster) };
          case 'messages': {
            const brokers = request.broker === undefined ? cluster.brokers : cluster.brokers.filter((b) => b.name === request.broker);
            return { id: request.id, ok: true, result: brokers.flatMap((broker) => broker.messages(request.filter ?? {})) };
          }
          case 'call': {
            if (!CALLABLE_METHODS.has(request.method)) throw new Error(`method ${request.method} cannot be called over IPC`);
            const target = callTarget(cluster, request.target) as Record<string, unknown>;
            const method = target[request.method];
            if (typeof method !== 'function') throw new Error(`${request.target}.${request.method} is not a function`);
            const result: unknown = await (method as (...args: unknown[]) => unknown).apply(target, request.args);
            try {
              return { id: request.id, ok: true, result: structuredClone(result) };
            } catch {
              return { id: request.id, ok: true, result: null };
            }
          }
          case 'stop':
            await stop();
            return { id: request.id, ok: true, result: null };
          default:
            throw new Error('unknown IPC request');
        }
      } catch (error) {
        return { id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    })().then((reply) => {
      send(reply);
      if (request.type === 'stop') process.disconnect?.();
    });
  });
  // The parent went away (or asked to stop): free the ports and let the process end.
  process.on('disconnect', () => void stop().then(() => process.exit(0)));
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void stop().then(() => process.exit(0)));

  send({
    type: 'ready',
    namesrvAddr: cluster.namesrvAddr,
    brokers: cluster.brokers.map((broker) => ({ name: broker.name, address: broker.address, vipAddress: broker.vipAddress })),
    tls: cluster.tls,
  });
}

void main();
