/**
 * The embedded NameServer: a {@link NameServerProcessor} on a TCP port, with periodic expiry of brokers that stopped
 * registering, a fault script and request counters.
 */
import { RemotingServer, type ServerConnection } from '../remoting/remoting-server.js';
import { VERSION_ORDINAL, type BrokerVersion } from './broker-processor.js';
import { FaultInjector } from './fault-injector.js';
import { NameServerProcessor, type RegisteredBroker } from './name-server-processor.js';
import { createFaultyHandler, type FaultyHandler } from './request-handler.js';
import { resolveEmbeddedTls, type EmbeddedTlsMaterial, type EmbeddedTlsOption } from './tls-material.js';
import { RequestStats } from './request-stats.js';
import type { TopicRouteData } from './codec.js';

/** Options of {@link EmbeddedNameServer.start}. */
export interface EmbeddedNameServerOptions {
  /** Listen port; 0 picks a free one. @defaultValue `0` */
  port?: number;
  /** @defaultValue `'127.0.0.1'` */
  host?: string;
  /** Java NameServer generation to imitate (`version` of responses, 5.x route fields). @defaultValue `'4.9'` */
  version?: BrokerVersion;
  /** A broker whose last REGISTER_BROKER is older than this leaves every route. @defaultValue `120000` (Java) */
  brokerExpireMillis?: number;
  /** How often expired brokers are looked for. @defaultValue `brokerExpireMillis / 4`, between 10 ms and 10 s */
  scanIntervalMillis?: number;
  /**
   * Drop a broker as soon as the connection it registered over closes, as the Java NameServer does. Off by default
   * so that a killed broker stays in routes until its registration expires (what a partition or a hung broker looks
   * like to producers).
   * @defaultValue `false`
   */
  removeBrokerOnDisconnect?: boolean;
  /** Keep a log of every request. @defaultValue `false` */
  recordRequests?: boolean;
  /** Largest accepted inbound frame. @defaultValue 16 MiB */
  maxFrameBytes?: number;
  /** Serve TLS on the port. @defaultValue `false` */
  tls?: EmbeddedTlsOption;
  /** With `tls`: `enforcing` (TLS only) or `permissive` (TLS and plaintext on the same port). @defaultValue `'enforcing'` */
  tlsMode?: 'enforcing' | 'permissive';
}

/**
 * An embedded RocketMQ NameServer. Usually started by `EmbeddedCluster.start()`.
 *
 * @example
 * ```ts
 * const nameServer = await EmbeddedNameServer.start({ brokerExpireMillis: 500 });
 * nameServer.faults.respondWith(ResponseCode.SYSTEM_ERROR, { requestCode: RequestCode.GET_ROUTEINFO_BY_TOPIC, times: 1 });
 * await nameServer.stop();
 * ```
 */
export class EmbeddedNameServer {
  /** The fault script of this NameServer. */
  readonly faults = new FaultInjector();
  /** Request counters. */
  readonly stats: RequestStats;
  private readonly processor: NameServerProcessor;
  private readonly host: string;
  private readonly scanIntervalMillis: number;
  private readonly removeOnDisconnect: boolean;
  private readonly maxFrameBytes: number;
  private readonly handler: FaultyHandler;
  private server: RemotingServer | null = null;
  private tlsMaterial: EmbeddedTlsMaterial | null = null;
  private readonly tlsMode: 'enforcing' | 'permissive';
  private scanTimer: NodeJS.Timeout | null = null;
  private boundPort = 0;
  private readonly unsubscribePause: () => void;

  private constructor(options: EmbeddedNameServerOptions) {
    const version = options.version ?? '4.9';
    const brokerExpireMillis = options.brokerExpireMillis ?? 120_000;
    this.processor = new NameServerProcessor({ version, brokerExpireMillis });
    this.host = options.host ?? '127.0.0.1';
    this.scanIntervalMillis = options.scanIntervalMillis ?? Math.max(10, Math.min(10_000, Math.floor(brokerExpireMillis / 4)));
    this.removeOnDisconnect = options.removeBrokerOnDisconnect ?? false;
    this.maxFrameBytes = options.maxFrameBytes ?? 16 * 1024 * 1024;
    this.tlsMode = options.tlsMode ?? 'enforcing';
    this.stats = new RequestStats(options.recordRequests ?? false);
    this.handler = createFaultyHandler(() => this.processor, this.faults, this.stats, VERSION_ORDINAL[version]);
    this.unsubscribePause = this.faults.onPauseChange((paused) => {
      for (const connection of this.server?.connections ?? []) {
        if (paused) connection.pause();
        else connection.resume();
      }
    });
  }

  /** Starts a NameServer on `port` (0 = a free one). */
  static async start(options: EmbeddedNameServerOptions = {}): Promise<EmbeddedNameServer> {
    const nameServer = new EmbeddedNameServer(options);
    nameServer.tlsMaterial = await resolveEmbeddedTls(options.tls);
    await nameServer.listen(options.port ?? 0);
    return nameServer;
  }

  /** `ip:port` of this NameServer, e.g. `"127.0.0.1:9876"`. */
  get address(): string {
    return `${this.host}:${this.boundPort}`;
  }

  /** The port the NameServer listens on (the bound one when started with port 0). */
  get port(): number {
    return this.boundPort;
  }

  /** The CA (PEM) clients trust when the NameServer serves TLS, else `null`. */
  get tlsCa(): string | null {
    return this.tlsMaterial?.ca ?? null;
  }

  /** Whether it is listening. */
  get isRunning(): boolean {
    return this.server !== null;
  }

  /** Requests received per request code. */
  get requestCounts(): ReadonlyMap<number, number> {
    return this.stats.requestCounts;
  }

  /** Live broker registrations. */
  brokers(): RegisteredBroker[] {
    return this.processor.brokers();
  }

  /** Topics with a route. */
  topics(): string[] {
    return this.processor.topics();
  }

  /** The route the NameServer would answer for a topic, or `null` (TOPIC_NOT_EXIST). */
  topicRoute(topic: string): TopicRouteData | null {
    return this.processor.topicRoute(topic);
  }

  /** Runs the expiry scan now (it also runs every `scanIntervalMillis`). */
  scanNow(): void {
    for (const connection of this.processor.scanNotActiveBrokers()) {
      // Java closes the channel of an expired broker.
      (connection as ServerConnection | undefined)?.destroy();
    }
    if (this.removeOnDisconnect && this.server !== null) {
      this.processor.forgetConnectionsNotIn(new Set<unknown>(this.server.connections));
    }
  }

  /** Closes the listener and every connection (a crash). */
  async kill(): Promise<void> {
    const server = this.server;
    if (server === null) return;
    this.server = null;
    if (this.scanTimer !== null) clearInterval(this.scanTimer);
    this.scanTimer = null;
    this.handler.releaseAll();
    await server.close();
  }

  /**
   * Listens again on the same port. Like a restarted Java NameServer it starts with empty tables (routes come back
   * as brokers re-register, within their `registerIntervalMillis`; `broker.registerNow()` hurries them), unless
   * `keepRoutes` is set.
   */
  async restart(options: { keepRoutes?: boolean } = {}): Promise<void> {
    if (this.server !== null) return;
    if (options.keepRoutes !== true) this.processor.reset();
    await this.listen(this.boundPort);
  }

  /** Stops for good; frees the port and the timer. */
  async stop(): Promise<void> {
    await this.kill();
    this.unsubscribePause();
  }

  private async listen(port: number): Promise<void> {
    const tls = this.tlsMaterial;
    const server = new RemotingServer(this.handler.handler, {
      host: this.host,
      maxFrameBytes: this.maxFrameBytes,
      ...(tls === null ? {} : { tls: { key: tls.key, cert: tls.cert, mode: this.tlsMode } }),
    });
    this.boundPort = await server.listen(port);
    this.server = server;
    this.scanTimer = setInterval(() => this.scanNow(), this.scanIntervalMillis);
    this.scanTimer.unref();
  }
}
