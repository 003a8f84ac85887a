/**
 * The client instance (Java `MQClientInstance`): what producers with the same client id (`clientIP@instanceName`)
 * share — one remoting client (connections), one NameServer client and route cache, one heartbeat timer. A small
 * registry hands out one instance per client id and closes it when its last producer leaves.
 * @internal
 */
import { InvalidOptionError, MQClientError } from '../errors.js';
import { RemotingClient, type RPCHook } from '../remoting/remoting-client.js';
import { createRequest } from '../remoting/remoting-command.js';
import { RequestCode } from '../remoting/request-code.js';
import { NameServerClient } from '../route/name-server-client.js';
import { RouteCache } from '../route/route-cache.js';
import { AclSigningHook } from '../security/acl-signer.js';
import { CredentialsProvider } from '../security/credentials.js';
import type { ResolvedProducerOptions } from './config.js';
import { publishCredentialsError, type ProducerEventSource } from './diagnostics.js';

/** The producer group the Java client always adds to its heartbeat (and unregisters on close). */
export const CLIENT_INNER_PRODUCER_GROUP = 'CLIENT_INNER_PRODUCER';

/** Options an instance takes from the producer that creates it. @internal */
export type ClientInstanceOptions = Pick<
  ResolvedProducerOptions,
  | 'namesrvAddr'
  | 'pollNameServerInterval'
  | 'heartbeatBrokerInterval'
  | 'mqClientApiTimeout'
  | 'connectTimeoutMillis'
  | 'clientAsyncSemaphoreValue'
  | 'clientOnewaySemaphoreValue'
  | 'rpcHooks'
  | 'createTopicKey'
  | 'defaultTopicQueueNums'
  | 'credentials'
  | 'credentialsRefreshInterval'
  | 'tls'
>;

/** Delay of the first heartbeat after start, as the Java client (1 s); later ones every `heartbeatBrokerInterval`. */
const FIRST_HEARTBEAT_DELAY = 1000;

const registry = new Map<string, ClientInstance>();

/** @internal */
export class ClientInstance {
  /** `clientIP@instanceName`. */
  readonly clientId: string;
  /** Connections to brokers and name servers. */
  readonly remoting: RemotingClient;
  /** Name server look-ups. */
  readonly nameServer: NameServerClient;
  /** Topic routes in use. */
  readonly routes: RouteCache;
  /** Settles once the first credentials are loaded (at once without a credentials function); rejects if they fail. */
  readonly ready: Promise<void>;

  private readonly options: ClientInstanceOptions;
  private readonly credentials: CredentialsProvider | null;
  /** The producers of each group, told about failed credentials refreshes. */
  private readonly sources = new Map<string, ProducerEventSource>();
  private readonly groups = new Set<string>();
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private firstHeartbeat: NodeJS.Timeout | null = null;
  private closed = false;

  private constructor(clientId: string, options: ClientInstanceOptions) {
    this.clientId = clientId;
    this.options = options;
    const hooks: RPCHook[] = [...options.rpcHooks];
    this.credentials =
      options.credentials === null
        ? null
        : new CredentialsProvider(options.credentials, {
            refreshIntervalMillis: options.credentialsRefreshInterval,
            onRefreshError: (error) => {
              for (const source of this.sources.values()) publishCredentialsError(source, error);
            },
          });
    // Signing runs last, after every user hook may have added fields: the signature covers them all.
    if (this.credentials !== null) hooks.push(new AclSigningHook(this.credentials));
    this.remoting = new RemotingClient({
      connectTimeoutMillis: options.connectTimeoutMillis,
      clientAsyncSemaphoreValue: options.clientAsyncSemaphoreValue,
      clientOnewaySemaphoreValue: options.clientOnewaySemaphoreValue,
      rpcHooks: hooks,
      tls: options.tls?.reveal() ?? null,
    });
    this.ready = this.credentials === null ? Promise.resolve() : this.credentials.start();
    // Observed by the producer's start(); this keeps an unobserved failure from being reported twice.
    this.ready.catch(() => undefined);
    this.nameServer = new NameServerClient({ transport: this.remoting, namesrvAddr: options.namesrvAddr });
    this.routes = new RouteCache({
      nameServer: this.nameServer,
      createTopicKey: options.createTopicKey,
      defaultTopicQueueNums: options.defaultTopicQueueNums,
      timeoutMillis: options.mqClientApiTimeout,
    });
  }

  /**
   * The instance of `clientId` (created and started on first use), with `group` registered on it.
   * @throws MQClientError `RMQ_ERR_PRODUCER_GROUP_IN_USE` when a running producer of the instance has that group.
   */
  static acquire(clientId: string, group: string, options: ClientInstanceOptions, source: ProducerEventSource): ClientInstance {
    let instance = registry.get(clientId);
    if (instance === undefined) {
      instance = new ClientInstance(clientId, options);
      registry.set(clientId, instance);
      instance.start();
    } else {
      instance.checkSameSecurity(options);
    }
    if (instance.groups.has(group)) {
      throw new MQClientError(
        `The producer group[${group}] has been created before in client instance ${clientId}: use another group or instanceName`,
        -1,
        { code: 'RMQ_ERR_PRODUCER_GROUP_IN_USE' },
      );
    }
    instance.groups.add(group);
    instance.sources.set(group, source);
    return instance;
  }

  /**
   * Credentials and TLS belong to the instance (its one connection set): a producer joining it with other ones
   * would silently sign with, or connect as, the first producer's, so it is refused.
   */
  private checkSameSecurity(options: ClientInstanceOptions): void {
    const mine = this.options;
    if (!sameCredentials(mine.credentials?.reveal() ?? null, options.credentials?.reveal() ?? null)) {
      throw new InvalidOptionError('credentials', `client instance ${this.clientId} already runs with other credentials: use another instanceName`);
    }
    if (!sameShallow(mine.tls?.reveal() ?? null, options.tls?.reveal() ?? null)) {
      throw new InvalidOptionError('tls', `client instance ${this.clientId} already runs with other TLS options: use another instanceName`);
    }
  }

  /** Number of live instances (tests). */
  static get count(): number {
    return registry.size;
  }

  /** Producer groups registered on this instance. */
  get producerGroups(): readonly string[] {
    return [...this.groups];
  }

  private start(): void {
    this.routes.start(this.options.pollNameServerInterval);
    this.firstHeartbeat = setTimeout(() => {
      this.firstHeartbeat = null;
      void this.sendHeartbeat();
      this.heartbeatTimer = setInterval(() => void this.sendHeartbeat(), this.options.heartbeatBrokerInterval);
      this.heartbeatTimer.unref();
    }, Math.min(FIRST_HEARTBEAT_DELAY, this.options.heartbeatBrokerInterval));
    this.firstHeartbeat.unref();
  }

  /**
   * Sends HEART_BEAT (spec §12.1, the 4.9 body) with every producer group of the instance plus
   * `CLIENT_INNER_PRODUCER` to every master broker the routes in use name. Failures are ignored: the next beat
   * tries again, and brokers accept sends without a heartbeat.
   * @returns how many brokers acknowledged.
   */
  async sendHeartbeat(): Promise<number> {
    if (this.closed) return 0;
    const body = Buffer.from(
      JSON.stringify({
        clientID: this.clientId,
        consumerDataSet: [],
        producerDataSet: [CLIENT_INNER_PRODUCER_GROUP, ...this.groups].map((groupName) => ({ groupName })),
      }),
    );
    const results = await Promise.allSettled(
      this.routes.brokerAddresses().map((addr) =>
        this.remoting.invoke(addr, createRequest(RequestCode.HEART_BEAT, null, { body }), this.options.mqClientApiTimeout),
      ),
    );
    return results.filter((r) => r.status === 'fulfilled' && r.value.code === 0).length;
  }

  /** UNREGISTER_CLIENT for `group` to every broker (masters and slaves) the routes name; failures are ignored. */
  private async unregister(group: string, timeoutMillis: number): Promise<void> {
    await Promise.allSettled(
      this.routes.allBrokerAddresses().map((addr) =>
        this.remoting.invoke(
          addr,
          createRequest(RequestCode.UNREGISTER_CLIENT, { producerGroup: group, clientID: this.clientId }),
          timeoutMillis,
        ),
      ),
    );
  }

  /**
   * Takes `group` off the instance (UNREGISTER_CLIENT to every broker); the last producer to leave also unregisters
   * `CLIENT_INNER_PRODUCER`, stops the timers and closes every connection.
   */
  async release(group: string, timeoutMillis: number): Promise<void> {
    if (!this.groups.delete(group)) return;
    this.sources.delete(group);
    await this.unregister(group, timeoutMillis);
    if (this.groups.size > 0) return;
    registry.delete(this.clientId);
    this.closed = true;
    if (this.firstHeartbeat !== null) clearTimeout(this.firstHeartbeat);
    if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
    this.routes.stop();
    this.credentials?.stop();
    await this.unregister(CLIENT_INNER_PRODUCER_GROUP, timeoutMillis);
    await this.remoting.close();
  }
}

function sameCredentials(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return sameShallow(a, b);
}

function sameShallow(a: object | null, b: object | null): boolean {
  if (a === b) return true;
  if (a === null || b === null) return false;
  const keys = Object.keys(a);
  if (keys.length !== Object.keys(b).length) return false;
  return keys.every((key) => (a as Record<string, unknown>)[key] === (b as Record<string, unknown>)[key]);
}
