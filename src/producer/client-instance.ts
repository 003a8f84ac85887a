/**
 * The client instance (Java `MQClientInstance`): what producers with the same client id (`clientIP@instanceName`)
 * share — one remoting client (connections), one NameServer client and route cache, one heartbeat timer. A small
 * registry hands out one instance per client id and closes it when its last producer leaves.
 * @internal
 */
import type { Subscription } from 'rxjs';
import { InvalidOptionError, MQClientError } from '../errors.js';
import { RemotingClient, type RPCHook } from '../remoting/remoting-client.js';
import { createRequest, SerializeType } from '../remoting/remoting-command.js';
import { RequestCode } from '../remoting/request-code.js';
import { NameServerClient } from '../route/name-server-client.js';
import { RouteCache } from '../route/route-cache.js';
import { AclSigningHook } from '../security/acl-signer.js';
import { CredentialsProvider } from '../security/credentials.js';
import type { ResolvedProducerOptions } from './config.js';
import { decodeMessageExt } from '../message/message-ext.js';
import { createResponse } from '../remoting/remoting-command.js';
import { ResponseCode } from '../remoting/response-code.js';
import type { ServerRequest } from '../remoting/remoting-client.js';
import { replyDroppedChannel } from '../request-reply/diagnostics.js';
import { replyFromPush } from '../request-reply/reply-message.js';
import { RequestFutureTable } from '../request-reply/request-futures.js';
import type { TransactionChecker } from '../transaction/transaction-flow.js';
import { heartbeatChannel, publishCredentialsError, type ProducerEventSource } from './diagnostics.js';
import type { HeartbeatEvent } from './diagnostics.js';

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
  | 'serializeType'
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
  /** Requests waiting for their reply (PUSH_REPLY_MESSAGE_TO_CLIENT), by correlation id. */
  readonly requests = new RequestFutureTable();
  /** Settles once the first credentials are loaded (at once without a credentials function); rejects if they fail. */
  readonly ready: Promise<void>;

  private readonly options: ClientInstanceOptions;
  private readonly credentials: CredentialsProvider | null;
  /** The producers of each group, told about failed credentials refreshes. */
  private readonly sources = new Map<string, ProducerEventSource>();
  private readonly groups = new Set<string>();
  /** Who answers CHECK_TRANSACTION_STATE for each producer group (Java `selectProducer(PGROUP)`). */
  private readonly checkers = new Map<string, TransactionChecker>();
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
      // JSON: every request goes as created (createRequest makes JSON ones), the default path untouched.
      serializeType: options.serializeType === 'ROCKETMQ' ? SerializeType.ROCKETMQ : null,
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
    // The broker requests a producer serves (Java ClientRemotingProcessor); they take precedence over the default.
    this.remoting.handleRequests(RequestCode.CHECK_TRANSACTION_STATE, (request) => this.onCheckTransactionState(request));
    this.remoting.handleRequests(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, (request) => this.onPushReply(request));
  }

  /** Routes the check-backs of `group`'s half messages to `checker` (until {@link release}). */
  registerTransactionChecker(group: string, checker: TransactionChecker): void {
    this.checkers.set(group, checker);
  }

  /**
   * CHECK_TRANSACTION_STATE (39, oneway): decode the stored half message and hand it to the producer of its
   * `PGROUP`; never answered. A check for a group without producer here is ignored, as Java does.
   */
  private onCheckTransactionState({ address, request }: ServerRequest): void {
    const ext = request.extFields ?? {};
    let message;
    try {
      message = decodeMessageExt(request.body ?? Buffer.alloc(0));
    } catch (error) {
      for (const checker of this.checkers.values()) checker.dropped(address, ext['msgId'] ?? null, 'malformed', error);
      return;
    }
    const group = message.properties['PGROUP'];
    const checker = group === undefined ? undefined : this.checkers.get(group);
    if (checker === undefined) return;
    const tranStateTableOffset = ext['tranStateTableOffset'];
    const commitLogOffset = ext['commitLogOffset'];
    if (tranStateTableOffset === undefined || commitLogOffset === undefined) {
      checker.dropped(address, message.msgId, 'malformed', null);
      return;
    }
    checker.check(
      address,
      {
        tranStateTableOffset,
        commitLogOffset,
        msgId: ext['msgId'] ?? null,
        transactionId: ext['transactionId'] ?? null,
        offsetMsgId: ext['offsetMsgId'] ?? null,
        brokerName: ext['bname'] ?? null,
      },
      message,
    );
  }

  /**
   * PUSH_REPLY_MESSAGE_TO_CLIENT (326): complete the request with the reply's correlation id and answer SUCCESS (a
   * reply nobody waits for is dropped, still SUCCESS, as Java); a push that does not decode gets SYSTEM_ERROR.
   */
  private onPushReply({ address, request, respond }: ServerRequest): void {
    let reply;
    try {
      reply = replyFromPush(request, Date.now());
    } catch (error) {
      respond(createResponse(request, ResponseCode.SYSTEM_ERROR, { remark: 'process reply message fail' }));
      this.publishReplyDropped(address, null, 'malformed', error);
      return;
    }
    respond(createResponse(request, ResponseCode.SUCCESS));
    if (!this.requests.complete(reply)) this.publishReplyDropped(address, reply.correlationId, 'unknownCorrelationId', null);
  }

  private publishReplyDropped(brokerAddr: string, correlationId: string | null, reason: 'unknownCorrelationId' | 'malformed', error: unknown): void {
    if (!replyDroppedChannel.hasSubscribers) return;
    replyDroppedChannel.publish({ clientId: this.clientId, brokerAddr, correlationId, reason, error });
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
   * Credentials, TLS and the header serialization belong to the instance (its one connection set): a producer
   * joining it with other ones would silently sign with, connect as, or serialize as the first producer's, so it is
   * refused.
   */
  private checkSameSecurity(options: ClientInstanceOptions): void {
    const mine = this.options;
    if (!sameCredentials(mine.credentials?.reveal() ?? null, options.credentials?.reveal() ?? null)) {
      throw new InvalidOptionError('credentials', `client instance ${this.clientId} already runs with other credentials: use another instanceName`);
    }
    if (!sameShallow(mine.tls?.reveal() ?? null, options.tls?.reveal() ?? null)) {
      throw new InvalidOptionError('tls', `client instance ${this.clientId} already runs with other TLS options: use another instanceName`);
    }
    // Every request of the instance goes with one serialization: a second one would be silently ignored.
    if (mine.serializeType !== options.serializeType) {
      throw new InvalidOptionError(
        'serializeType',
        `client instance ${this.clientId} already sends ${mine.serializeType} headers: use another instanceName`,
      );
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
    const startedAt = performance.now();
    const brokers = this.routes.brokerAddresses();
    const results = await Promise.allSettled(
      brokers.map((addr) =>
        this.remoting.invoke(addr, createRequest(RequestCode.HEART_BEAT, null, { body }), this.options.mqClientApiTimeout),
      ),
    );
    const acknowledged = results.filter((r) => r.status === 'fulfilled' && r.value.code === 0).length;
    if (heartbeatChannel.hasSubscribers) {
      const failures: { addr: string; error: unknown }[] = [];
      results.forEach((r, i) => {
        if (r.status === 'rejected') failures.push({ addr: brokers[i]!, error: r.reason });
        else if (r.value.code !== 0) failures.push({ addr: brokers[i]!, error: `response code ${r.value.code}` });
      });
      heartbeatChannel.publish({
        clientId: this.clientId,
        producerGroups: [CLIENT_INNER_PRODUCER_GROUP, ...this.groups],
        brokers,
        acknowledged,
        failures,
        durationMillis: performance.now() - startedAt,
      } satisfies HeartbeatEvent);
    }
    return acknowledged;
  }

  /**
   * UNREGISTER_CLIENT for each of `groups` to every broker (masters and slaves) the routes name, all at once;
   * failures are ignored. Once `sendsSettled` resolves, a request still stuck behind a broker that stopped reading
   * (its socket reports backpressure) is given up: nothing else will make that socket drain.
   */
  private unregister(groups: readonly string[], timeoutMillis: number, sendsSettled: Promise<void>): Promise<void> {
    const calls: { addr: string; subscription: Subscription; done: Promise<void> }[] = [];
    for (const addr of this.routes.allBrokerAddresses()) {
      for (const group of groups) {
        let finished: () => void = () => undefined;
        const done = new Promise<void>((resolve) => (finished = resolve));
        const request = createRequest(RequestCode.UNREGISTER_CLIENT, { producerGroup: group, clientID: this.clientId });
        const subscription = this.remoting.invoke$(addr, request, timeoutMillis).subscribe({ error: finished, complete: finished });
        subscription.add(finished);
        calls.push({ addr, subscription, done });
      }
    }
    void sendsSettled.then(() => {
      for (const call of calls) if (this.remoting.writeStalled(call.addr)) call.subscription.unsubscribe();
    });
    return Promise.all(calls.map((call) => call.done)).then(() => undefined);
  }

  /**
   * Takes `group` off the instance: UNREGISTER_CLIENT to every broker, written at once, while the producer's sends
   * in flight settle (`sendsSettled`). The last producer to leave also unregisters `CLIENT_INNER_PRODUCER` (in the
   * same round), stops the timers and, once both the sends and the unregisters are done, closes every connection.
   */
  async release(group: string, timeoutMillis: number, sendsSettled: Promise<void> = Promise.resolve()): Promise<void> {
    if (!this.groups.delete(group)) {
      await sendsSettled;
      return;
    }
    this.checkers.get(group)?.close();
    this.checkers.delete(group);
    this.sources.delete(group);
    const last = this.groups.size === 0;
    if (last) {
      registry.delete(this.clientId);
      this.closed = true;
      if (this.firstHeartbeat !== null) clearTimeout(this.firstHeartbeat);
      if (this.heartbeatTimer !== null) clearInterval(this.heartbeatTimer);
      this.routes.stop();
      this.credentials?.stop();
    }
    const groups = last ? [group, CLIENT_INNER_PRODUCER_GROUP] : [group];
    await Promise.all([sendsSettled, this.unregister(groups, timeoutMillis, sendsSettled)]);
    if (last) await this.remoting.close();
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
