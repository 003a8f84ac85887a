/**
 * `TopicPublishInfo`: the send-side view of a topic's route (spec §7.5) — the writable queues of master brokers, in
 * the order the Java client builds them — and the TBW102 derivation for topics that do not exist yet (spec §7.6).
 */
import { MQClientError } from '../errors.js';
import type { MessageQueue } from './message-queue.js';
import { SendQueueIndex } from './send-queue-index.js';
import { MAX_ROUTE_QUEUES, ROUTE_PARSE_ERROR_CODE, isWriteable, type TopicRouteData } from './topic-route.js';

/** Broker id of a master (Java `MixAll.MASTER_ID`). */
export const MASTER_ID = 0;

/** The queues a producer may send a topic's messages to, and where their brokers are. */
export interface TopicPublishInfo {
  /** Topic name, as given to {@link topicRouteToPublishInfo}. */
  readonly topic: string;
  /** Whether the queues came from `orderTopicConf`. */
  readonly orderTopic: boolean;
  /** Send queues, in selection order. Empty when the route has no writable master queue. */
  readonly messageQueues: readonly MessageQueue[];
  /** brokerName → (brokerId → `"ip:port"`), for every broker of the route; id 0 is the master. */
  readonly brokerAddrs: ReadonlyMap<string, ReadonlyMap<number, string>>;
  /** `true` when built from a route the NameServer returned for this topic (or derived from the default topic's). */
  readonly haveTopicRouterInfo: boolean;
  /** The route this was built from. */
  readonly route: TopicRouteData;
  /** Round-robin counter of queue selection; starts at a random value. */
  readonly sendWhichQueue: SendQueueIndex;
}

/** Options of {@link topicRouteToPublishInfo}. */
export interface PublishInfoOptions {
  /**
   * Randomness for the round-robin start.
   * @defaultValue `Math.random`
   */
  random?: () => number;
}

function orderConfError(conf: string): MQClientError {
  return new MQClientError(`Invalid orderTopicConf "${conf}": expected "brokerName:queueCount;..."`, -1, {
    code: ROUTE_PARSE_ERROR_CODE,
  });
}

function queuesFromOrderConf(topic: string, conf: string): MessageQueue[] {
  const queues: MessageQueue[] = [];
  let total = 0;
  for (const item of conf.split(';')) {
    if (item === '') continue; // Java's split drops trailing empty items
    const [brokerName, count] = item.split(':');
    if (brokerName === undefined || count === undefined || !/^[0-9]+$/.test(count)) {
      throw orderConfError(conf);
    }
    const nums = Number(count);
    total += nums;
    // Counted before anything is allocated: a few bytes of conf must not become billions of queues.
    if (total > MAX_ROUTE_QUEUES) throw orderConfError(conf);
    for (let queueId = 0; queueId < nums; queueId++) queues.push({ topic, brokerName, queueId });
  }
  return queues;
}

function javaCompare(a: string, b: string): number {
  // JS string comparison is by UTF-16 code unit, which is exactly Java's String.compareTo order.
  return a < b ? -1 : a > b ? 1 : 0;
}

function queuesFromQueueDatas(topic: string, route: TopicRouteData): MessageQueue[] {
  const queues: MessageQueue[] = [];
  const sorted = [...route.queueDatas].sort((a, b) => javaCompare(a.brokerName, b.brokerName));
  for (const queueData of sorted) {
    if (!isWriteable(queueData.perm)) continue;
    const broker = route.brokerDatas.find((b) => b.brokerName === queueData.brokerName);
    if (broker === undefined || broker.brokerAddrs[String(MASTER_ID)] === undefined) continue;
    for (let queueId = 0; queueId < queueData.writeQueueNums; queueId++) {
      queues.push({ topic, brokerName: queueData.brokerName, queueId });
    }
  }
  return queues;
}

/**
 * Builds the publish info of `topic` from its route, as Java's `MQClientInstance.topicRouteData2TopicPublishInfo`:
 * with a non-empty `orderTopicConf`, its `broker:count` items in order; otherwise the `queueDatas` sorted by broker
 * name, keeping only writable ones (perm bit 2) whose broker has a master (id 0), with queue ids
 * `0 … writeQueueNums − 1`. Static-topic mappings (5.x `topicQueueMappingByBroker`) are not supported and ignored.
 *
 * @param topic - The topic the queues belong to (may differ from the route's own topic, e.g. for TBW102).
 * @param route - The route from the NameServer.
 * @param options - Randomness for the round-robin start.
 * @returns The publish info; `messageQueues` is empty when no queue is writable.
 * @throws MQClientError `RMQ_ERR_ROUTE_PARSE` on a malformed `orderTopicConf`.
 * @example
 * ```ts
 * const info = topicRouteToPublishInfo('TopicTest', parseTopicRouteData(body));
 * info.messageQueues.length; // e.g. 8 for two brokers with 4 write queues each
 * ```
 */
export function topicRouteToPublishInfo(
  topic: string,
  route: TopicRouteData,
  options: PublishInfoOptions = {},
): TopicPublishInfo {
  const orderTopic = route.orderTopicConf !== undefined && route.orderTopicConf.length > 0;
  const messageQueues = orderTopic ? queuesFromOrderConf(topic, route.orderTopicConf!) : queuesFromQueueDatas(topic, route);
  const brokerAddrs = new Map<string, Map<number, string>>();
  for (const broker of route.brokerDatas) {
    const byId = new Map<number, string>();
    for (const [id, addr] of Object.entries(broker.brokerAddrs)) byId.set(Number(id), addr);
    brokerAddrs.set(broker.brokerName, byId);
  }
  return {
    topic,
    orderTopic,
    messageQueues,
    brokerAddrs,
    haveTopicRouterInfo: true,
    route,
    sendWhichQueue: new SendQueueIndex(options.random),
  };
}

/**
 * Adapts the default topic's (TBW102) route for a topic that does not exist yet, as the Java client does: every
 * QueueData gets `readQueueNums = writeQueueNums = min(defaultTopicQueueNums, readQueueNums)`. Build the publish
 * info of the real topic from the result with {@link topicRouteToPublishInfo}.
 *
 * @param route - The default topic's route (not modified).
 * @param defaultTopicQueueNums - The producer's `defaultTopicQueueNums`.
 * @returns A new route with the adjusted queue counts.
 * @example
 * ```ts
 * const info = topicRouteToPublishInfo('NewTopic', deriveFromDefaultTopicRoute(tbw102Route, 4));
 * ```
 */
export function deriveFromDefaultTopicRoute(route: TopicRouteData, defaultTopicQueueNums: number): TopicRouteData {
  return {
    ...route,
    queueDatas: route.queueDatas.map((queueData) => {
      const nums = Math.min(defaultTopicQueueNums, queueData.readQueueNums);
      return { ...queueData, readQueueNums: nums, writeQueueNums: nums };
    }),
    brokerDatas: route.brokerDatas.map((broker) => ({ ...broker, brokerAddrs: { ...broker.brokerAddrs } })),
  };
}

/**
 * The master's address of a broker of the route.
 *
 * @param info - The publish info.
 * @param brokerName - The broker (group) name, e.g. a selected queue's `brokerName`.
 * @returns `"ip:port"` of broker id 0, or `null` when the broker or its master is unknown.
 */
export function masterAddress(info: TopicPublishInfo, brokerName: string): string | null {
  return info.brokerAddrs.get(brokerName)?.get(MASTER_ID) ?? null;
}

/**
 * Whether the publish info has at least one queue to send to (Java `TopicPublishInfo.ok()`).
 *
 * @param info - The publish info.
 * @returns `true` when `messageQueues` is not empty.
 */
export function hasSendQueues(info: TopicPublishInfo): boolean {
  return info.messageQueues.length > 0;
}

/**
 * Write queue count of a broker in the route (Java `getQueueIdByBroker` / `getWriteQueueNumsByBroker`).
 *
 * @param info - The publish info.
 * @param brokerName - The broker name.
 * @returns `writeQueueNums` of the broker's writable QueueData, or -1 when there is none.
 */
export function writeQueueNumsOf(info: TopicPublishInfo, brokerName: string): number {
  const queueData = info.route.queueDatas.find((q) => q.brokerName === brokerName && isWriteable(q.perm));
  return queueData === undefined ? -1 : queueData.writeQueueNums;
}
