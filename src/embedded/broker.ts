/**
 * The embedded Broker: a {@link BrokerProcessor} on a TCP port (and its VIP port), registered with the NameServers
 * over the wire, with a fault script, request counters and a readable message store.
 */
import { RemotingClient } from '../remoting/remoting-client.js';
import { RemotingServer, type ServerConnection } from '../remoting/remoting-server.js';
import { isOneway, SerializeType, type RemotingCommand } from '../remoting/remoting-command.js';
import { ResponseCode } from '../remoting/response-code.js';
import { AclValidator, type EmbeddedAclOptions } from './acl-validator.js';
import {
  BrokerProcessor,
  VERSION_ORDINAL,
  type BrokerVersion,
  type ClientRecord,
  type EndTransactionRecord,
  type MessageStoredEvent,
  type PendingTransaction,
} from './broker-processor.js';
import { DEFAULT_MESSAGE_DELAY_LEVEL, parseDelayLevels } from './scheduled-delivery.js';
import { FaultInjector } from './fault-injector.js';
import { javaServerResponse } from './java-header.js';
import { MessageStore, type MessageFilter, type StoredMessage } from './message-store.js';
import { registerBrokerBody, registerBrokerRequest, unregisterBrokerRequest, type BrokerIdentity } from './register-broker.js';
import { createFaultyHandler, type FaultyHandler, type RequestProcessor } from './request-handler.js';
import { resolveEmbeddedTls, type EmbeddedTlsMaterial, type EmbeddedTlsOption } from './tls-material.js';
import { RequestStats } from './request-stats.js';
import { PermName, type TopicConfig } from './topic-config.js';

/** Options of {@link EmbeddedBroker.start}. */
export interface EmbeddedBrokerOptions {
  /** Broker name, e.g. `'broker-a'`. */
  brokerName: string;
  /** NameServer address(es) to register with; none = not registered anywhere. */
  namesrvAddr?: string | string[];
  /** @defaultValue `'DefaultCluster'` */
  clusterName?: string;
  /** Listen port; 0 picks a free one (and, with `vipChannel`, one whose port − 2 is free too). @defaultValue `0` */
  port?: number;
  /** @defaultValue `'127.0.0.1'` */
  host?: string;
  /** Also listen on the VIP port (listen port − 2). @defaultValue `false` */
  vipChannel?: boolean;
  /** Queues of TBW102, hence of auto-created topics, and of {@link EmbeddedBroker.createTopic}. @defaultValue `4` */
  queuesPerTopic?: number;
  /** Create unknown topics on first send (registers TBW102 with perm 7). @defaultValue `true` */
  autoCreateTopic?: boolean;
  /** Java broker generation to imitate. @defaultValue `'4.9'` */
  version?: BrokerVersion;
  /** Messages kept in memory; the oldest are dropped beyond it. @defaultValue `100000` */
  maxStoredMessages?: number;
  /** Total bytes of stored records kept in memory; the oldest are dropped beyond it. @defaultValue `268435456` (256 MiB) */
  maxStoredBytes?: number;
  /** Largest accepted body (`maxMessageSize`). @defaultValue `4194304` */
  maxMessageSize?: number;
  /** Interval of the periodic REGISTER_BROKER. @defaultValue `30000` */
  registerIntervalMillis?: number;
  /** Keep a log of every request ({@link EmbeddedBroker.stats}). @defaultValue `false` */
  recordRequests?: boolean;
  /** `MSG_REGION` of send responses. @defaultValue `'DefaultRegion'` */
  regionId?: string;
  /** `TRACE_ON` of send responses. @defaultValue `true` */
  traceOn?: boolean;
  /** Answer transactional half messages with NO_PERMISSION. @defaultValue `false` */
  rejectTransactionMessage?: boolean;
  /** Largest accepted inbound frame. @defaultValue 16 MiB */
  maxFrameBytes?: number;
  /** Called after every stored message (the CLI logs them). */
  onMessageStored?: (event: MessageStoredEvent & { brokerName: string }) => void;
  /**
   * Delay levels (Java `messageDelayLevel`): level n waits the n-th duration; units `ms s m h d`.
   * @defaultValue `'1s 5s 10s 30s 1m 2m 3m 4m 5m 6m 7m 8m 9m 10m 20m 30m 1h 2h'`
   */
  messageDelayLevel?: string;
  /**
   * How often the transaction check service runs (Java `transactionCheckInterval`); 0 = never by itself (call
   * {@link EmbeddedBroker.checkTransactions}).
   * @defaultValue `60000`
   */
  transactionCheckInterval?: number;
  /** Age of an undecided half message before it is checked (Java `transactionTimeOut`). @defaultValue `6000` */
  transactionTimeOut?: number;
  /** Checks of one half message before it is given up (Java `transactionCheckMax`). @defaultValue `15` */
  transactionCheckMax?: number;
  /**
   * ACL 1.0 (`aclEnable=true` with this `plain_acl.yml` content): every request is checked as the 4.9.8
   * `PlainAccessValidator` checks it; refusals are answered 1 SYSTEM_ERROR with the Java remark, oneway ones dropped.
   * @defaultValue none (no ACL)
   */
  acl?: EmbeddedAclOptions;
  /** Serve TLS on the broker's ports (and register with the NameServers over TLS). @defaultValue `false` */
  tls?: EmbeddedTlsOption;
  /** With `tls`: `enforcing` (TLS only) or `permissive` (TLS and plaintext on the same port). @defaultValue `'enforcing'` */
  tlsMode?: 'enforcing' | 'permissive';
}

const VIP_PORT_ATTEMPTS = 20;
const REGISTER_TIMEOUT_MILLIS = 3000;

/**
 * An embedded RocketMQ broker (master, brokerId 0). Usually started by `EmbeddedCluster.start()`.
 *
 * @example
 * ```ts
 * const broker = await EmbeddedBroker.start({ brokerName: 'broker-a', namesrvAddr: nameServer.address });
 * broker.faults.respondWith(ResponseCode.SYSTEM_BUSY, { times: 1 });
 * broker.messages({ topic: 'TopicTest' });
 * await broker.stop();
 * ```
 */
export class EmbeddedBroker {
  /** Broker name, e.g. `'broker-a'`. */
  readonly name: string;
  /** Cluster it registers in. */
  readonly clusterName: string;
  /** The fault script of this broker. */
  readonly faults = new FaultInjector();
  /** Request counters (per request code, in flight, optional log). */
  readonly stats: RequestStats;
  private readonly options: Required<Omit<EmbeddedBrokerOptions, 'onMessageStored' | 'namesrvAddr' | 'acl' | 'tls'>> & { namesrvAddrs: string[] };
  private readonly delayLevels: number[];
  private readonly putListeners = new Set<(message: StoredMessage) => void>();
  private checkTimer: NodeJS.Timeout | null = null;
  private checkChannelCounter = 0;
  private readonly acl: AclValidator | null;
  private tlsMaterial: EmbeddedTlsMaterial | null = null;
  /** The ACL check in front of the processor, as the Java broker's server RPC hook. */
  private readonly guardedProcessor: RequestProcessor = {
    process: (request, origin) => {
      const refusal = this.acl?.check(request, origin.remoteAddress) ?? null;
      if (refusal === null) return this.processor.process(request, origin);
      // The remoting layer answers the escaped AclException in its default (JSON) serialization; oneway: nothing.
      if (isOneway(request)) return null;
      return javaServerResponse(request, ResponseCode.SYSTEM_ERROR, this.options.version, VERSION_ORDINAL[this.options.version], {
        remark: refusal,
        serializeType: SerializeType.JSON,
      });
    },
    encodeResponse: (response) => this.processor.encodeResponse(response),
  };
  private readonly onMessageStored: EmbeddedBrokerOptions['onMessageStored'];
  private processorInstance: BrokerProcessor | null = null;
  private storeInstance: MessageStore | null = null;
  private server: RemotingServer | null = null;
  private vipServer: RemotingServer | null = null;
  private client: RemotingClient | null = null;
  private handler: FaultyHandler;
  private registerTimer: NodeJS.Timeout | null = null;
  private boundPort = 0;
  private running = false;
  private registrations = 0;
  private lastRegisterError: unknown = null;
  private readonly unsubscribePause: () => void;
  /** Broker → client requests waiting for their response, by opaque. */
  private readonly clientCalls = new Map<number, { resolve: (response: RemotingCommand) => void; reject: (error: Error) => void; timer: NodeJS.Timeout }>();

  private constructor(options: EmbeddedBrokerOptions) {
    this.name = options.brokerName;
    this.clusterName = options.clusterName ?? 'DefaultCluster';
    const namesrv = options.namesrvAddr ?? [];
    this.options = {
      brokerName: options.brokerName,
      clusterName: this.clusterName,
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      vipChannel: options.vipChannel ?? false,
      queuesPerTopic: options.queuesPerTopic ?? 4,
      autoCreateTopic: options.autoCreateTopic ?? true,
      version: options.version ?? '4.9',
      maxStoredMessages: options.maxStoredMessages ?? 100_000,
      maxStoredBytes: options.maxStoredBytes ?? 256 * 1024 * 1024,
      maxMessageSize: options.maxMessageSize ?? 4 * 1024 * 1024,
      registerIntervalMillis: options.registerIntervalMillis ?? 30_000,
      recordRequests: options.recordRequests ?? false,
      regionId: options.regionId ?? 'DefaultRegion',
      traceOn: options.traceOn ?? true,
      rejectTransactionMessage: options.rejectTransactionMessage ?? false,
      maxFrameBytes: options.maxFrameBytes ?? 16 * 1024 * 1024,
      messageDelayLevel: options.messageDelayLevel ?? DEFAULT_MESSAGE_DELAY_LEVEL,
      transactionCheckInterval: options.transactionCheckInterval ?? 60_000,
      transactionTimeOut: options.transactionTimeOut ?? 6000,
      transactionCheckMax: options.transactionCheckMax ?? 15,
      namesrvAddrs: Array.isArray(namesrv) ? [...namesrv] : [namesrv],
      tlsMode: options.tlsMode ?? 'enforcing',
    };
    this.delayLevels = parseDelayLevels(this.options.messageDelayLevel);
    // Refused here, before anything listens, as 4.9.8 refuses to start with keys of 6 characters or fewer.
    this.acl = options.acl === undefined ? null : new AclValidator(options.acl);
    this.onMessageStored = options.onMessageStored;
    this.stats = new RequestStats(this.options.recordRequests);
    this.handler = createFaultyHandler(() => this.guardedProcessor, this.faults, this.stats, VERSION_ORDINAL[this.options.version]);
    this.unsubscribePause = this.faults.onPauseChange((paused) => {
      for (const server of [this.server, this.vipServer]) {
        for (const connection of server?.connections ?? []) {
          if (paused) connection.pause();
          else connection.resume();
        }
      }
    });
  }

  /** Starts a broker: listens, then registers with the NameServers (awaited) and every `registerIntervalMillis`. */
  static async start(options: EmbeddedBrokerOptions): Promise<EmbeddedBroker> {
    const broker = new EmbeddedBroker(options);
    broker.tlsMaterial = await resolveEmbeddedTls(options.tls);
    await broker.listen(broker.options.port);
    broker.processorInstance = broker.createProcessor();
    await broker.startRegistering();
    return broker;
  }

  /** `ip:port` clients send to (also the store host in offset message ids). */
  get address(): string {
    return `${this.options.host}:${this.boundPort}`;
  }

  /** The listen port. */
  get port(): number {
    return this.boundPort;
  }

  /** The CA (PEM) clients trust when the broker serves TLS, else `null`. */
  get tlsCa(): string | null {
    return this.tlsMaterial?.ca ?? null;
  }

  /** `ip:(port − 2)` when the VIP channel is on, else `null`. */
  get vipAddress(): string | null {
    return this.options.vipChannel ? `${this.options.host}:${this.boundPort - 2}` : null;
  }

  /** Whether it is listening (false after {@link kill} / {@link stop}). */
  get isRunning(): boolean {
    return this.running;
  }

  /** Requests received per request code (shortcut for `stats.requestCounts`). */
  get requestCounts(): ReadonlyMap<number, number> {
    return this.stats.requestCounts;
  }

  /** Successful REGISTER_BROKER round trips so far. */
  get registrationCount(): number {
    return this.registrations;
  }

  /** The error of the last failed registration, or `null`. */
  get lastRegistrationError(): unknown {
    return this.lastRegisterError;
  }

  /** Topic configs of this broker. */
  get topics(): ReadonlyMap<string, TopicConfig> {
    return this.processor.topicConfigs;
  }

  /** Clients known from their heartbeats, by client id. */
  get clients(): ReadonlyMap<string, ClientRecord> {
    return this.processor.clients;
  }

  /** Every END_TRANSACTION received. */
  get endTransactions(): readonly EndTransactionRecord[] {
    return this.processor.endTransactions;
  }

  /** Messages stored and still kept, oldest first, decoded; optionally only one topic and/or queue. */
  messages(filter: MessageFilter = {}): StoredMessage[] {
    return this.store.messages(filter);
  }

  /** Number of messages stored and still kept (cheap; {@link messages} decodes them all). */
  get storedMessageCount(): number {
    return this.store.size;
  }

  /** Next commit-log offset: total bytes of every record stored so far. */
  get maxCommitLogOffset(): number {
    return this.store.maxCommitLogOffset;
  }

  /** Forgets the stored messages (offsets keep growing). */
  clearMessages(): void {
    this.store.clear();
  }

  /**
   * The encoded §11 record at a commit-log offset (e.g. for a CHECK_TRANSACTION_STATE body): a copy of its own, which
   * stays as it is after the store drops the record and reuses its memory.
   */
  storedRecord(commitLogOffset: number): Buffer | undefined {
    return this.store.recordAt(commitLogOffset);
  }

  /** Creates (or replaces) a topic with `queueNums` queues and registers it with the NameServers. */
  async createTopic(topic: string, queueNums = this.options.queuesPerTopic, perm: number = PermName.READ | PermName.WRITE): Promise<TopicConfig> {
    const config = this.processor.createTopic(topic, queueNums, perm);
    await this.registerAll(false);
    return config;
  }

  /** Deletes a topic from this broker (the NameServer keeps it until the broker expires, as in 4.9). */
  deleteTopic(topic: string): boolean {
    return this.processor.deleteTopic(topic);
  }

  /** Re-registers with every NameServer now (normally every `registerIntervalMillis`). */
  async registerNow(): Promise<void> {
    await this.registerAll(false);
  }

  /**
   * Sends a request to a client over the connection it last heart-beat on (e.g. CHECK_TRANSACTION_STATE, which is
   * oneway). Returns false when no such client or connection is known or the write failed.
   */
  sendToClient(clientId: string, request: RemotingCommand): boolean {
    const client = this.processor.clients.get(clientId);
    const connection = client?.connection as ServerConnection | undefined;
    if (connection === undefined || connection.closed) return false;
    return connection.write(request);
  }

  /**
   * Checks one undecided half message now, as the transaction check service would (whatever its age): re-puts a
   * copy into the half topic and pushes CHECK_TRANSACTION_STATE (39) naming the copy to a connection of a producer
   * of its group (`PGROUP`). Returns false when it is not an undecided half message or no producer of the group is
   * connected.
   * @param commitLogOffset - commit-log offset of the half message (or of a copy of it)
   */
  checkTransactionState(commitLogOffset: number): boolean {
    const half = this.store.messageAt(commitLogOffset);
    if (half === undefined || half.uniqueId === null || !this.processor.pendingTransactions.has(half.uniqueId)) return false;
    const checks = this.processor.collectTransactionChecks(0, half.uniqueId);
    return checks.map((check) => this.deliverCheck(check.producerGroup, check.request)).some(Boolean);
  }

  /**
   * Runs one pass of the transaction check service now: every undecided half message born at least
   * `transactionTimeOut` ago is checked (see {@link checkTransactionState}).
   * @returns how many checks were pushed to a producer
   */
  checkTransactions(): number {
    if (!this.running) return 0;
    return this.processor
      .collectTransactionChecks(this.options.transactionTimeOut)
      .filter((check) => this.deliverCheck(check.producerGroup, check.request)).length;
  }

  /** Undecided transactions (half messages neither committed nor rolled back), by `UNIQ_KEY`. */
  get pendingTransactions(): ReadonlyMap<string, PendingTransaction> {
    return this.processor.pendingTransactions;
  }

  /**
   * Calls `listener` with every message put on a topic of this broker (after a send, a commit, a due delivery).
   * @returns a function that removes the listener
   */
  onPut(listener: (message: StoredMessage) => void): () => void {
    this.putListeners.add(listener);
    return () => this.putListeners.delete(listener);
  }

  /** ProducerManager.getAvailableChannel: the next open connection (round robin) of a producer of `group`. */
  private deliverCheck(group: string, request: RemotingCommand): boolean {
    const candidates = [...this.processor.clients.values()].filter(
      (client) => client.producerGroups.includes(group) && !(client.connection as ServerConnection | undefined)?.closed,
    );
    if (candidates.length === 0) return false;
    const client = candidates[this.checkChannelCounter++ % candidates.length]!;
    return this.sendToClient(client.clientId, request);
  }

  /**
   * Simulates a crash: closes the listeners and every connection (also the one to the NameServers) and stops
   * re-registering, without UNREGISTER_BROKER. The NameServer keeps the broker in routes until its registration
   * expires. Stored messages survive for {@link restart}.
   */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    this.stopTimer();
    if (this.checkTimer !== null) clearInterval(this.checkTimer);
    this.checkTimer = null;
    this.handler.releaseAll();
    for (const call of this.clientCalls.values()) {
      clearTimeout(call.timer);
      call.reject(new Error('broker stopped'));
    }
    this.clientCalls.clear();
    const client = this.client;
    this.client = null;
    await Promise.all([this.server?.close(), this.vipServer?.close(), client?.close()]);
    this.server = null;
    this.vipServer = null;
  }

  /** Listens again on the same port(s) and registers with the NameServers again. */
  async restart(): Promise<void> {
    if (this.running) return;
    await this.listen(this.boundPort);
    await this.startRegistering();
  }

  /** Clean shutdown: UNREGISTER_BROKER with every NameServer, then closes everything. Frees every port and timer. */
  async stop(): Promise<void> {
    if (this.running) {
      this.stopTimer();
      const client = this.client;
      if (client !== null) {
        await Promise.all(
          this.options.namesrvAddrs.map((addr) =>
            client.invoke(addr, unregisterBrokerRequest(this.identity()), REGISTER_TIMEOUT_MILLIS).catch(() => undefined),
          ),
        );
      }
      await this.kill();
    }
    this.processorInstance?.close();
    this.unsubscribePause();
  }

  private get processor(): BrokerProcessor {
    if (this.processorInstance === null) throw new Error('broker not started');
    return this.processorInstance;
  }

  private get store(): MessageStore {
    if (this.storeInstance === null) throw new Error('broker not started');
    return this.storeInstance;
  }

  private createProcessor(): BrokerProcessor {
    this.storeInstance = new MessageStore(this.address, this.options.maxStoredMessages, this.options.maxStoredBytes);
    const onStored = this.onMessageStored;
    return new BrokerProcessor({
      brokerName: this.name,
      clusterName: this.clusterName,
      address: this.address,
      version: this.options.version,
      autoCreateTopic: this.options.autoCreateTopic,
      queuesPerTopic: this.options.queuesPerTopic,
      maxMessageSize: this.options.maxMessageSize,
      regionId: this.options.regionId,
      traceOn: this.options.traceOn,
      rejectTransactionMessage: this.options.rejectTransactionMessage,
      store: this.storeInstance,
      // Java re-registers (oneway) right after auto-creating a topic, so routes pick it up before the next period.
      onTopicCreated: () => void this.registerAll(true),
      onMessageStored: onStored === undefined ? undefined : (event) => onStored({ ...event, brokerName: this.name }),
      callClient: (connection, request) => this.callClient(connection as ServerConnection, request),
      delayLevels: this.delayLevels,
      transactionCheckMax: this.options.transactionCheckMax,
      onPut: (message) => {
        for (const listener of this.putListeners) listener(message);
      },
      hasPutListeners: () => this.putListeners.size > 0,
    });
  }

  /** Broker2Client.callClient: a request to a client and its response (10 s timeout, as Java). */
  private callClient(connection: ServerConnection, request: RemotingCommand, timeoutMillis = 10_000): Promise<RemotingCommand> {
    return new Promise((resolve, reject) => {
      if (connection.closed) {
        reject(new Error('client connection closed'));
        return;
      }
      const timer = setTimeout(() => {
        this.clientCalls.delete(request.opaque);
        reject(new Error(`client did not answer within ${timeoutMillis} ms`));
      }, timeoutMillis);
      this.clientCalls.set(request.opaque, { resolve, reject, timer });
      connection.write(request);
    });
  }

  private onClientResponse(response: RemotingCommand): void {
    const call = this.clientCalls.get(response.opaque);
    if (call === undefined) return;
    this.clientCalls.delete(response.opaque);
    clearTimeout(call.timer);
    call.resolve(response);
  }

  private identity(): BrokerIdentity {
    return {
      clusterName: this.clusterName,
      brokerName: this.name,
      brokerAddr: this.address,
      haServerAddr: `${this.options.host}:${this.boundPort + 1}`,
      brokerId: 0,
      version: VERSION_ORDINAL[this.options.version],
    };
  }

  private async listen(port: number): Promise<void> {
    const make = (): RemotingServer =>
      new RemotingServer(this.handler.handler, {
        host: this.options.host,
        maxFrameBytes: this.options.maxFrameBytes,
        onResponse: (response) => this.onClientResponse(response),
        ...(this.tlsMaterial === null ? {} : { tls: { key: this.tlsMaterial.key, cert: this.tlsMaterial.cert, mode: this.options.tlsMode } }),
      });
    if (!this.options.vipChannel) {
      const server = make();
      this.boundPort = await server.listen(port);
      this.server = server;
      this.running = true;
      return;
    }
    const attempts = port === 0 ? VIP_PORT_ATTEMPTS : 1;
    for (let attempt = 0; attempt < attempts; attempt++) {
      const server = make();
      const bound = await server.listen(port);
      const vip = make();
      if (bound - 2 > 0) {
        try {
          await vip.listen(bound - 2);
          this.server = server;
          this.vipServer = vip;
          this.boundPort = bound;
          this.running = true;
          return;
        } catch (error) {
          await server.close();
          if (port !== 0) {
            throw new Error(`VIP port ${bound - 2} (listen port ${bound} − 2) of ${this.name} is not free`, { cause: error });
          }
          continue;
        }
      }
      await server.close();
    }
    throw new Error(`${this.name}: found no free port whose VIP port (port − 2) is free too`);
  }

  private async startRegistering(): Promise<void> {
    if (this.options.transactionCheckInterval > 0) {
      this.checkTimer = setInterval(() => this.checkTransactions(), this.options.transactionCheckInterval);
      this.checkTimer.unref();
    }
    this.client = new RemotingClient();
    // A TLS broker registers over TLS too (trusting its own CA: one cluster, one certificate).
    this.client = new RemotingClient({ tls: this.tlsMaterial === null ? null : { ca: this.tlsMaterial.ca } });
    await this.registerAll(false);
    this.registerTimer = setInterval(() => void this.registerAll(false), this.options.registerIntervalMillis);
    this.registerTimer.unref();
  }

  private stopTimer(): void {
    if (this.registerTimer !== null) clearInterval(this.registerTimer);
    this.registerTimer = null;
  }

  private async registerAll(oneway: boolean): Promise<void> {
    const client = this.client;
    if (client === null || !this.running) return;
    const processor = this.processor;
    const body = registerBrokerBody(processor.topicConfigs.values(), processor.dataVersion);
    await Promise.all(
      this.options.namesrvAddrs.map(async (addr) => {
        const request = registerBrokerRequest(this.identity(), body, oneway);
        try {
          if (oneway) {
            await client.invokeOneway(addr, request, REGISTER_TIMEOUT_MILLIS);
          } else {
            const response = await client.invoke(addr, request, REGISTER_TIMEOUT_MILLIS);
            if (response.code !== 0) throw new Error(`REGISTER_BROKER answered ${response.code}: ${response.remark ?? ''}`);
            this.registrations++;
          }
          this.lastRegisterError = null;
        } catch (error) {
          // A NameServer that is down or faulty must not stop the broker; the next period retries.
          this.lastRegisterError = error;
        }
      }),
    );
  }
}
