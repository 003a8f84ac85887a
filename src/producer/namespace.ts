/**
 * Namespace handling as the Java `NamespaceUtil`: a resource `name` goes on the wire as `<namespace>%<name>`
 * (after a `%RETRY%` / `%DLQ%` prefix, which stays in front), system topics and groups are never wrapped, and the
 * prefix is stripped again from what the caller sees.
 * @internal
 */

const RETRY_PREFIX = '%RETRY%';
const DLQ_PREFIX = '%DLQ%';
const SYSTEM_TOPICS: ReadonlySet<string> = new Set([
  'TBW102',
  'SCHEDULE_TOPIC_XXXX',
  'BenchmarkTest',
  'RMQ_SYS_TRANS_HALF_TOPIC',
  'RMQ_SYS_TRACE_TOPIC',
  'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  'TRANS_CHECK_MAX_TIME_TOPIC',
  'SELF_TEST_TOPIC',
  'OFFSET_MOVED_EVENT',
  'DefaultCluster',
  'DefaultHeartBeatSyncerTopic',
]);

function isSystemResource(resource: string): boolean {
  return SYSTEM_TOPICS.has(resource) || resource.startsWith('rmq_sys_') || resource.startsWith('CID_RMQ_SYS_');
}

function retryOrDlqPrefix(resource: string): string {
  if (resource.startsWith(RETRY_PREFIX)) return RETRY_PREFIX;
  if (resource.startsWith(DLQ_PREFIX)) return DLQ_PREFIX;
  return '';
}

/** `name` → `<namespace>%name` (no-op without a namespace, for system resources, or when already wrapped). @internal */
export function withNamespace(namespace: string | null, resource: string): string {
  if (!namespace || !resource || isSystemResource(resource)) return resource;
  const prefix = retryOrDlqPrefix(resource);
  const bare = resource.slice(prefix.length);
  if (bare.startsWith(`${namespace}%`)) return resource;
  return `${prefix}${namespace}%${bare}`;
}

/** `<namespace>%name` → `name` (only when the resource carries this namespace). @internal */
export function withoutNamespace(namespace: string | null, resource: string): string {
  if (!namespace || !resource) return resource;
  const prefix = retryOrDlqPrefix(resource);
  const bare = resource.slice(prefix.length);
  if (!bare.startsWith(`${namespace}%`)) return resource;
  return prefix + bare.slice(namespace.length + 1);
}

/**
 * The VIP channel address of a broker (Java `MixAll.brokerVIPChannel`): the same host, port − 2. Only message sends
 * use it; heartbeats and unregister keep the normal address.
 * @internal
 */
export function vipChannelAddress(enabled: boolean, brokerAddr: string): string {
  if (!enabled) return brokerAddr;
  const split = brokerAddr.lastIndexOf(':');
  return `${brokerAddr.slice(0, split)}:${Number(brokerAddr.slice(split + 1)) - 2}`;
}
