/**
 * The producer's per-topic route cache: look-ups shared between concurrent sends, the TBW102 fallback for new topics,
 * a periodic refresh, and cached routes kept in service while the NameServers are down.
 */
import type { MQClientError } from '../errors.js';
import { routeRefreshChannel } from './diagnostics.js';
import type { RouteRefreshEvent } from './diagnostics.js';
import { RouteErrorCode, invalidArgumentError, routeNotFoundError } from './route-errors.js';
import {
  MASTER_ID,
  deriveFromDefaultTopicRoute,
  hasSendQueues,
  topicRouteToPublishInfo,
  type TopicPublishInfo,
} from './topic-publish-info.js';
import type { TopicRouteData } from './topic-route.js';

/** What the cache needs from the NameServer side; {@link NameServerClient} provides it. */
export interface TopicRouteSource {
  /** Resolves the route of `topic`, or rejects (TOPIC_NOT_EXIST as an `MQClientError` with responseCode 17). */
  getTopicRoute(topic: string, timeoutMillis: number): Promise<TopicRouteData>;
}

/** Options of {@link RouteCache}. */
export interface RouteCacheOptions {
  /** Where routes come from, normally a {@link NameServerClient}. */
  nameServer: TopicRouteSource;
  /**
   * The template topic whose route serves topics that do not exist yet (Java `createTopicKey`).
   * @defaultValue 'TBW102'
   */
  createTopicKey?: string;
  /**
   * Queues per broker for a topic served from the template route (Java `defaultTopicQueueNums`).
   * @defaultValue 4
   */
  defaultTopicQueueNums?: number;
  /**
   * Timeout of each NameServer request in milliseconds (Java `mqClientApiTimeout`).
   * @defaultValue 3000
   */
  timeoutMillis?: number;
  /**
   * Randomness for the round-robin start of each topic's queues.
   * @defaultValue `Math.random`
   */
  random?: () => number;
  /**
   * Called when a periodic refresh of a topic fails; the cached route stays in use. Errors thrown here are ignored.
   * @defaultValue none
   */
  onRefreshError?: (topic: string, error: unknown) => void;
}

interface CacheEntry {
  info: TopicPublishInfo;
  /** Served from the template topic's route (the topic itself has no route yet). */
  fromDefaultTopic: boolean;
  /** Marked by {@link RouteCache.invalidate}: re-fetch before use, but keep as a fallback. */
  stale: boolean;
  /** When the route was last fetched, ms since the epoch. */
  updatedAt: number;
}

/** A cached route's age (see {@link RouteCache.routeAges}). */
export interface RouteAge {
  /** The topic as sent. */
  readonly topic: string;
  /** Milliseconds since its route was last fetched. */
  readonly ageMillis: number;
  /** Marked for re-fetch (after a TOPIC_NOT_EXIST). */
  readonly stale: boolean;
  /** Served from the template topic's route. */
  readonly fromDefaultTopic: boolean;
}

function sendBrokers(info: TopicPublishInfo): string[] {
  return [...new Set(info.messageQueues.map((q) => q.brokerName))].sort();
}

function sameQueues(a: TopicPublishInfo, b: TopicPublishInfo): boolean {
  if (a.messageQueues.length !== b.messageQueues.length) return false;
  return a.messageQueues.every((q, i) => q.brokerName === b.messageQueues[i]?.brokerName && q.queueId === b.messageQueues[i]?.queueId);
}

function isTopicNotExist(error: unknown): error is MQClientError {
  return (error as { code?: unknown } | null)?.code === RouteErrorCode.TOPIC_NOT_EXIST;
}

/**
 * Per-topic {@link TopicPublishInfo} cache. Takes topic names as they go on the wire (already namespaced).
 *
 * @example
 * ```ts
 * const routes = new RouteCache({ nameServer: new NameServerClient({ transport, namesrvAddr }) });
 * routes.start(30_000);
 * const info = await routes.getPublishInfo('TopicTest');
 * // …
 * routes.stop();
 * ```
 */
export class RouteCache {
  private readonly nameServer: TopicRouteSource;
  private readonly createTopicKey: string;
  private readonly defaultTopicQueueNums: number;
  private readonly timeoutMillis: number;
  private readonly random: (() => number) | undefined;
  private readonly onRefreshError: ((topic: string, error: unknown) => void) | undefined;
  private readonly entries = new Map<string, CacheEntry>();
  private readonly lookups = new Map<string, Promise<TopicPublishInfo>>();
  private refreshing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;

  /**
   * @param options - Route source and the Java producer's route options.
   * @throws MQClientError `RMQ_ERR_INVALID_ARGUMENT` on a non-positive `defaultTopicQueueNums` or `timeoutMillis`.
   */
  constructor(options: RouteCacheOptions) {
    this.nameServer = options.nameServer;
    this.createTopicKey = options.createTopicKey ?? 'TBW102';
    this.defaultTopicQueueNums = options.defaultTopicQueueNums ?? 4;
    this.timeoutMillis = options.timeoutMillis ?? 3000;
    this.random = options.random;
    this.onRefreshError = options.onRefreshError;
    if (!Number.isInteger(this.defaultTopicQueueNums) || this.defaultTopicQueueNums < 1) {
      throw invalidArgumentError('defaultTopicQueueNums must be a positive integer');
    }
    if (!(this.timeoutMillis > 0)) throw invalidArgumentError('timeoutMillis must be positive');
  }

  /**
   * The publish info of a topic: from the cache, else from the NameServers, else — when the NameServers do not know
   * the topic — derived from the `createTopicKey` route so the broker can auto-create it. Concurrent calls for the
   * same topic share one look-up.
   *
   * @param topic - The topic as sent on the wire (namespace applied).
   * @returns Publish info with at least one send queue.
   * @throws MQClientError `RMQ_ERR_ROUTE_NOT_FOUND` (10005) when neither the topic nor the template topic has a
   *   writable queue; `RMQ_ERR_NO_NAME_SERVER` (10004) and the other NameServer errors when no answer could be had
   *   and nothing usable is cached.
   */
  getPublishInfo(topic: string): Promise<TopicPublishInfo> {
    const cached = this.cachedPublishInfo(topic);
    if (cached !== undefined) return Promise.resolve(cached);
    let lookup = this.lookups.get(topic);
    if (lookup === undefined) {
      lookup = this.lookUp(topic).finally(() => this.lookups.delete(topic));
      this.lookups.set(topic, lookup);
    }
    return lookup;
  }

  /**
   * What {@link RouteCache.getPublishInfo} answers at once, synchronously: the cached publish info when it is fresh
   * and has a send queue; `undefined` when a look-up would be needed. Lets the send path skip a promise per send.
   *
   * @param topic - The topic as sent on the wire (namespace applied).
   * @returns The usable cached info, or `undefined`.
   */
  cachedPublishInfo(topic: string): TopicPublishInfo | undefined {
    const entry = this.entries.get(topic);
    return entry !== undefined && !entry.stale && hasSendQueues(entry.info) ? entry.info : undefined;
  }

  /**
   * The cached publish info of a topic, without any look-up.
   *
   * @param topic - The topic.
   * @returns The cached info (possibly stale or without send queues), or `undefined`.
   */
  peek(topic: string): TopicPublishInfo | undefined {
    return this.entries.get(topic)?.info;
  }

  /** How old every cached route is. */
  routeAges(now = Date.now()): RouteAge[] {
    return [...this.entries].map(([topic, e]) => ({ topic, ageMillis: now - e.updatedAt, stale: e.stale, fromDefaultTopic: e.fromDefaultTopic }));
  }

  /** The topics in the cache, i.e. those in use. */
  topics(): string[] {
    return [...this.entries.keys()];
  }

  /**
   * Marks a topic's route as stale (e.g. after a broker answered TOPIC_NOT_EXIST): the next
   * {@link RouteCache.getPublishInfo} asks the NameServers again, and falls back to the stale route if they cannot be
   * reached.
   *
   * @param topic - The topic.
   */
  invalidate(topic: string): void {
    const entry = this.entries.get(topic);
    if (entry !== undefined) entry.stale = true;
  }

  /**
   * Removes a topic from the cache (it is no longer refreshed nor counted in the broker addresses).
   *
   * @param topic - The topic.
   */
  remove(topic: string): void {
    this.entries.delete(topic);
  }

  /**
   * Re-fetches the routes of all cached topics (Java `updateTopicRouteInfoFromNameServer`). A topic whose refresh
   * fails keeps its cached route; a topic served from the template route keeps it until its own route appears.
   * Overlapping calls share one run.
   *
   * @returns Resolves when every topic has been tried; never rejects.
   */
  refreshAll(): Promise<void> {
    if (this.refreshing !== null) return this.refreshing;
    const run = Promise.all(this.topics().map((topic) => this.refreshOne(topic))).then(() => undefined);
    this.refreshing = run.finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }

  /**
   * Starts refreshing all cached routes every `pollNameServerInterval` milliseconds. The timer does not keep the
   * process alive.
   *
   * @param pollNameServerInterval - Interval in milliseconds.
   * @defaultValue pollNameServerInterval 30000
   */
  start(pollNameServerInterval = 30_000): void {
    if (!(pollNameServerInterval > 0)) throw invalidArgumentError('pollNameServerInterval must be positive');
    this.stop();
    this.timer = setInterval(() => void this.refreshAll(), pollNameServerInterval);
    this.timer.unref();
  }

  /** Stops the periodic refresh (a refresh already running completes on its own). */
  stop(): void {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
  }

  /**
   * The master address of a broker, from any cached route (Java `findBrokerAddressInPublish`).
   *
   * @param brokerName - Broker name.
   * @returns `"ip:port"` of broker id 0, or `null` when unknown.
   */
  masterAddressOf(brokerName: string): string | null {
    for (const entry of this.entries.values()) {
      const addr = entry.info.brokerAddrs.get(brokerName)?.get(MASTER_ID);
      if (addr !== undefined) return addr;
    }
    return null;
  }

  /**
   * Master addresses of the brokers of the cached topics (what a producer sends heartbeats to).
   *
   * @returns Distinct `"ip:port"` strings, sorted.
   */
  brokerAddresses(): string[] {
    return this.collectAddresses(true);
  }

  /**
   * Addresses of every broker (masters and slaves) of the cached topics (what a producer sends UNREGISTER_CLIENT to).
   *
   * @returns Distinct `"ip:port"` strings, sorted.
   */
  allBrokerAddresses(): string[] {
    return this.collectAddresses(false);
  }

  private collectAddresses(mastersOnly: boolean): string[] {
    const out = new Set<string>();
    for (const entry of this.entries.values()) {
      for (const byId of entry.info.brokerAddrs.values()) {
        for (const [id, addr] of byId) if (!mastersOnly || id === MASTER_ID) out.add(addr);
      }
    }
    return [...out].sort();
  }

  private store(topic: string, route: TopicRouteData, fromDefaultTopic: boolean): TopicPublishInfo {
    const info = topicRouteToPublishInfo(topic, route, this.random === undefined ? {} : { random: this.random });
    const previous = this.entries.get(topic);
    this.entries.set(topic, { info, fromDefaultTopic, stale: false, updatedAt: Date.now() });
    if (routeRefreshChannel.hasSubscribers) {
      routeRefreshChannel.publish({
        topic,
        brokers: sendBrokers(info),
        queues: info.messageQueues.length,
        changed: previous === undefined || !sameQueues(previous.info, info),
        fromDefaultTopic,
        error: null,
      } satisfies RouteRefreshEvent);
    }
    return info;
  }

  private async lookUp(topic: string): Promise<TopicPublishInfo> {
    let info: TopicPublishInfo;
    try {
      info = this.store(topic, await this.nameServer.getTopicRoute(topic, this.timeoutMillis), false);
    } catch (error) {
      if (!isTopicNotExist(error)) {
        const cached = this.entries.get(topic);
        if (cached !== undefined && hasSendQueues(cached.info)) return cached.info; // NameServers down: keep serving
        throw error;
      }
      info = await this.lookUpDefault(topic, error);
    }
    if (!hasSendQueues(info)) throw routeNotFoundError(topic, null);
    return info;
  }

  private async lookUpDefault(topic: string, notExist: MQClientError): Promise<TopicPublishInfo> {
    let route: TopicRouteData;
    try {
      route = await this.nameServer.getTopicRoute(this.createTopicKey, this.timeoutMillis);
    } catch (error) {
      if (isTopicNotExist(error)) throw routeNotFoundError(topic, this.createTopicKey, notExist);
      throw error;
    }
    const info = this.store(topic, deriveFromDefaultTopicRoute(route, this.defaultTopicQueueNums), true);
    if (!hasSendQueues(info)) throw routeNotFoundError(topic, this.createTopicKey, notExist);
    return info;
  }

  private async refreshOne(topic: string): Promise<void> {
    try {
      const route = await this.nameServer.getTopicRoute(topic, this.timeoutMillis);
      if (this.entries.has(topic)) this.store(topic, route, false);
    } catch (error) {
      // A template-served topic is expected to answer TOPIC_NOT_EXIST until the broker has created it.
      if (isTopicNotExist(error) && this.entries.get(topic)?.fromDefaultTopic === true) return;
      const cached = this.entries.get(topic);
      if (cached !== undefined && routeRefreshChannel.hasSubscribers) {
        routeRefreshChannel.publish({
          topic,
          brokers: sendBrokers(cached.info),
          queues: cached.info.messageQueues.length,
          changed: false,
          fromDefaultTopic: cached.fromDefaultTopic,
          error,
        } satisfies RouteRefreshEvent);
      }
      try {
        this.onRefreshError?.(topic, error);
      } catch {
        // A faulty listener must not break the refresh loop.
      }
    }
  }
}
