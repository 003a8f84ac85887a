/**
 * The IPC messages between `EmbeddedCluster.spawn()` and its child process.
 * @internal
 */
import type { MessageFilter } from './message-store.js';
import type { RequestStatsSnapshot } from './request-stats.js';

/** A request from the parent. */
export type IpcRequest =
  | { id: number; type: 'stats' }
  | { id: number; type: 'messages'; broker?: string; filter?: MessageFilter }
  | { id: number; type: 'call'; target: string; method: string; args: unknown[] }
  | { id: number; type: 'stop' };

/** The child's answer to an {@link IpcRequest}. */
export type IpcReply = { id: number; ok: true; result: unknown } | { id: number; ok: false; error: string };

/** Counters of a whole cluster. */
export interface ClusterStats {
  nameServer: RequestStatsSnapshot;
  brokers: { name: string; stats: RequestStatsSnapshot; storedMessages: number; maxCommitLogOffset: number }[];
}

/** Methods a parent may call on a child's broker, NameServer, fault script or counters. */
export const CALLABLE_METHODS: ReadonlySet<string> = new Set([
  'respondWith',
  'delay',
  'swallow',
  'closeConnectionAfter',
  'writeGarbage',
  'pause',
  'resume',
  'clear',
  'kill',
  'restart',
  'registerNow',
  'createTopic',
  'deleteTopic',
  'clearMessages',
  'reset',
  'scanNow',
]);
