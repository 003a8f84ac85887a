/**
 * `EmbeddedCluster.spawn()`: the cluster in a child process (`child_process.fork`), controlled over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { EmbeddedClusterOptions } from './cluster-options.js';
import type { ClusterStats, IpcReply, IpcRequest } from './ipc.js';
import type { MessageFilter, StoredMessage } from './message-store.js';

export type { ClusterStats } from './ipc.js';

/** A cluster running in a child process. */
export interface SpawnedCluster {
  /** `ip:port` of the NameServer. */
  readonly namesrvAddr: string;
  /** Name and addresses of each broker. */
  readonly brokers: readonly { name: string; address: string; vipAddress: string | null }[];
  /** Process id of the child. */
  readonly pid: number;
  /** With `tls`: the CA certificate (PEM) clients trust; `null` without TLS. */
  readonly tls: { readonly ca: string } | null;
  /** Request counters of every server in the child. */
  stats(): Promise<ClusterStats>;
  /** Stored messages (of one broker, or of all), decoded. */
  messages(filter?: MessageFilter, brokerName?: string): Promise<StoredMessage[]>;
  /**
   * Calls a method in the child, e.g. `call('broker-a.faults', 'delay', 100)`, `call('broker-b', 'kill')`,
   * `call('nameServer.faults', 'clear')`. Targets: `nameServer`, `<broker>`, each with `.faults` / `.stats`.
   * Resolves with the method's result when it is plain data, else `null`.
   */
  call(target: string, method: string, ...args: unknown[]): Promise<unknown>;
  /** Stops the cluster and waits for the child to exit. */
  stop(): Promise<void>;
}

/**
 * V8 flags of the child process. The broker reads far more bytes from its sockets (buffers outside the V8 heap,
 * young until the next scavenge frees them) than it allocates on the heap, and V8 counts those bytes against the
 * old generation's limit until then. With a small, quiet heap that limit is only about one young generation
 * (16 MB) above the live heap, so batched sends (about 140 KB of socket reads and joined frames per batch of 64)
 * started a full mark-compact every ~7,000 messages, each about 100 ms of CPU. Letting the old generation grow to
 * 5 times its live size before the next one keeps those bytes (at most ~32 MB: V8 scavenges then) under the limit.
 * (Exported for the bench that runs the same broker in a process of its own.)
 * @internal
 */
export const CHILD_V8_FLAGS: readonly string[] = ['--heap-growing-percent=400'];

/**
 * Where the child entry is: next to this module when running from `src` (TypeScript, through tsx) or from
 * `dist/embedded`, or in `dist/embedded/` when this code was bundled into `dist/index.*` or a shared chunk.
 */
function childEntry(): { path: string; execArgv: string[] } {
  const here = dirname(fileURLToPath(import.meta.url));
  const source = join(here, 'cluster-process.ts');
  if (existsSync(source)) {
    const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
    return { path: source, execArgv: ['--import', tsx] };
  }
  for (const candidate of [join(here, 'cluster-process.js'), join(here, 'embedded', 'cluster-process.js')]) {
    if (existsSync(candidate)) return { path: candidate, execArgv: [] };
  }
  throw new Error(`EmbeddedCluster.spawn: cannot find cluster-process.js near ${here}`);
}

/** @internal */
export function spawnCluster(options: EmbeddedClusterOptions): Promise<SpawnedCluster> {
  const entry = childEntry();
  const child = fork(entry.path, [JSON.stringify(options)], {
    execArgv: [...CHILD_V8_FLAGS, ...entry.execArgv],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  return new Promise((resolve, reject) => {
    const onExit = (code: number | null): void => reject(new Error(`embedded cluster process exited (code ${code}) before it was ready`));
    child.once('exit', onExit);
    child.once('error', reject);
    child.once('message', (raw: unknown) => {
      child.off('exit', onExit);
      child.off('error', reject);
      const message = raw as {
        type: string;
        message?: string;
        namesrvAddr?: string;
        brokers?: SpawnedCluster['brokers'];
        tls?: SpawnedCluster['tls'];
      };
      if (message.type !== 'ready') {
        child.kill();
        reject(new Error(`embedded cluster process failed: ${message.message ?? message.type}`));
        return;
      }
      resolve(new ChildCluster(child, message.namesrvAddr ?? '', message.brokers ?? [], message.tls ?? null));
    });
  });
}

class ChildCluster implements SpawnedCluster {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private readonly exited: Promise<void>;

  constructor(
    private readonly child: ChildProcess,
    readonly namesrvAddr: string,
    readonly brokers: readonly { name: string; address: string; vipAddress: string | null }[],
    readonly tls: { readonly ca: string } | null,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.on('message', (raw: unknown) => {
      const reply = raw as IpcReply;
      const waiter = this.pending.get(reply.id);
      if (waiter === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) waiter.resolve(reply.result);
      else waiter.reject(new Error(reply.error));
    });
    void this.exited.then(() => {
      for (const waiter of this.pending.values()) waiter.reject(new Error('embedded cluster process exited'));
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  stats(): Promise<ClusterStats> {
    return this.request({ type: 'stats' }) as Promise<ClusterStats>;
  }

  async messages(filter: MessageFilter = {}, brokerName?: string): Promise<StoredMessage[]> {
    const messages = (await this.request({ type: 'messages', filter, broker: brokerName })) as StoredMessage[];
    // Structured clone turns Buffers into Uint8Arrays.
    return messages.map((m) => ({ ...m, body: toBuffer(m.body), rawBody: toBuffer(m.rawBody) }));
  }

  call(target: string, method: string, ...args: unknown[]): Promise<unknown> {
    return this.request({ type: 'call', target, method, args });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null && this.child.connected) {
      await this.request({ type: 'stop' }).catch(() => undefined);
    }
    await this.exited;
  }

  private request(body: DistributiveOmit<IpcRequest, 'id'>): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      if (!this.child.connected) {
        reject(new Error('embedded cluster process is not running'));
        return;
      }
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...body, id });
    });
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}
