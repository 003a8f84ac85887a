/**
 * `EmbeddedCluster`: one NameServer and N brokers (`broker-a`, `broker-b`, …) on loopback ports, in this process or
 * in a child process of its own.
 */
import { AclValidator } from './acl-validator.js';
import { EmbeddedBroker } from './broker.js';
import type { EmbeddedClusterOptions } from './cluster-options.js';
import type { MessageFilter, StoredMessage } from './message-store.js';
import { EmbeddedNameServer } from './name-server.js';
import { resolveEmbeddedTls, type EmbeddedTlsMaterial } from './tls-material.js';
import { spawnCluster, type SpawnedCluster } from './spawn.js';
import type { Message } from '../message/message.js';
import { Producer } from '../producer/producer.js';
import { createReplyMessage } from '../request-reply/reply-message.js';

/** What {@link EmbeddedCluster.respond} answers a request with: the reply body (or a promise of it). */
export type RequestResponder = (request: StoredMessage) => Message['body'] | Promise<Message['body']>;

/** A running test responder ({@link EmbeddedCluster.respond}). */
export interface Responder {
  /** Replies sent so far. */
  readonly replies: number;
  /** What the handler threw, or the reply send failed with, in order (those requests got no reply). */
  readonly errors: readonly unknown[];
  /** Stops answering and shuts its producer down. */
  stop(): Promise<void>;
}

/** `broker-a`, `broker-b`, … `broker-z`, `broker-aa`, …. */
export function brokerNameAt(index: number): string {
  let suffix = '';
  let n = index;
  do {
    suffix = String.fromCharCode(97 + (n % 26)) + suffix;
    n = Math.floor(n / 26) - 1;
  } while (n >= 0);
  return `broker-${suffix}`;
}

/**
 * A NameServer plus brokers speaking the real RocketMQ protocol on loopback, for tests, examples and local
 * development.
 *
 * @example
 * ```ts
 * const cluster = await EmbeddedCluster.start({ brokers: 2, queuesPerTopic: 4, autoCreateTopic: true, namesrvPort: 0 });
 * // point a producer at cluster.namesrvAddr, send, then:
 * cluster.brokers[0].messages({ topic: 'TopicTest' });
 * await cluster.stop();
 * ```
 */
export class EmbeddedCluster {
  /** The NameServer. */
  readonly nameServer: EmbeddedNameServer;
  /** The brokers, `broker-a` first. */
  readonly brokers: readonly EmbeddedBroker[];
  private readonly responders = new Set<Responder>();
  /**
   * With `tls`: the CA certificate (PEM) clients trust, e.g. `new Producer({ tls: { ca: cluster.tls.ca } })`;
   * `null` without TLS.
   */
  readonly tls: { readonly ca: string } | null;

  private constructor(nameServer: EmbeddedNameServer, brokers: EmbeddedBroker[], tls: EmbeddedTlsMaterial | null) {
    this.nameServer = nameServer;
    this.brokers = brokers;
    this.tls = tls === null ? null : Object.freeze({ ca: tls.ca });
  }

  /**
   * Starts a NameServer and the brokers in this process; resolves once every broker has registered.
   * @returns the running cluster; `stop()` it to free every port and timer
   */
  static async start(options: EmbeddedClusterOptions = {}): Promise<EmbeddedCluster> {
    // Bad ACL accounts fail before anything listens (4.9.8 refuses to start with them).
    if (options.acl !== undefined) new AclValidator(options.acl);
    // One certificate for the whole cluster, so one CA for clients.
    const tls = await resolveEmbeddedTls(options.tls);
    const nameServer = await EmbeddedNameServer.start({
      ...(tls === null ? {} : { tls, tlsMode: options.tlsMode }),
      port: options.namesrvPort ?? 0,
      version: options.version,
      brokerExpireMillis: options.brokerExpireMillis,
      recordRequests: options.recordRequests,
      removeBrokerOnDisconnect: options.removeBrokerOnDisconnect,
    });
    const brokers: EmbeddedBroker[] = [];
    try {
      for (let i = 0; i < (options.brokers ?? 1); i++) {
        brokers.push(
          await EmbeddedBroker.start({
            brokerName: brokerNameAt(i),
            clusterName: options.clusterName,
            namesrvAddr: nameServer.address,
            port: options.brokerPorts?.[i] ?? 0,
            vipChannel: options.vipChannel,
            queuesPerTopic: options.queuesPerTopic,
            autoCreateTopic: options.autoCreateTopic,
            version: options.version,
            maxStoredMessages: options.maxStoredMessages,
            maxStoredBytes: options.maxStoredBytes,
            maxMessageSize: options.maxMessageSize,
            registerIntervalMillis: options.registerIntervalMillis,
            recordRequests: options.recordRequests,
            onMessageStored: options.onMessageStored,
            messageDelayLevel: options.messageDelayLevel,
            transactionCheckInterval: options.transactionCheckInterval,
            transactionTimeOut: options.transactionTimeOut,
            transactionCheckMax: options.transactionCheckMax,
            ...(options.acl === undefined ? {} : { acl: options.acl }),
            ...(tls === null ? {} : { tls, tlsMode: options.tlsMode }),
          }),
        );
      }
    } catch (error) {
      await Promise.all(brokers.map((broker) => broker.stop()));
      await nameServer.stop();
      throw error;
    }
    return new EmbeddedCluster(nameServer, brokers, tls);
  }

  /**
   * Starts the same cluster in a child process of its own (so it does not share the caller's event loop, e.g. for
   * benchmarks). The child stops when `stop()` is called or the parent exits.
   */
  static spawn(options: Omit<EmbeddedClusterOptions, 'onMessageStored'> = {}): Promise<SpawnedCluster> {
    return spawnCluster(options);
  }

  /** `ip:port` of the NameServer, for a producer's `namesrvAddr`. */
  get namesrvAddr(): string {
    return this.nameServer.address;
  }

  /** The broker with that name. */
  broker(name: string): EmbeddedBroker | undefined {
    return this.brokers.find((broker) => broker.name === name);
  }

  /**
   * Creates a topic on every broker (what `mqadmin updateTopic -c <cluster>` does) and waits until the NameServer
   * has it; for clients that, unlike the Java client, do not fall back to TBW102 (e.g. ali-ons).
   */
  async createTopic(topic: string, queueNums?: number): Promise<void> {
    await Promise.all(this.brokers.filter((broker) => broker.isRunning).map((broker) => broker.createTopic(topic, queueNums)));
  }

  /** Stored messages of every broker (broker order, then store order). */
  messages(filter: MessageFilter = {}): StoredMessage[] {
    return this.brokers.flatMap((broker) => broker.messages(filter));
  }

  /**
   * Answers request messages (those with `CORRELATION_ID` and `REPLY_TO_CLIENT`, e.g. from `producer.request`) put on
   * `topic`, as a service would: a producer of its own sends `createReplyMessage(request, await handler(request))`
   * with SEND_REPLY_MESSAGE_V2, and the broker pushes it to the requester (PUSH_REPLY_MESSAGE_TO_CLIENT).
   *
   * @param topic - the request topic
   * @param handler - builds the reply body from the stored request
   * @returns the running responder; `stop()` it (the cluster's `stop()` does too)
   * @example
   * ```ts
   * await cluster.respond('PriceRequests', (request) => `price of ${request.body.toString()}: 187.30`);
   * ```
   */
  async respond(topic: string, handler: RequestResponder): Promise<Responder> {
    const producer = new Producer({ producerGroup: `${topic.replace(/[^%|a-zA-Z0-9_-]/g, '_')}_RESPONDER`, namesrvAddr: this.namesrvAddr });
    await producer.start();
    const errors: unknown[] = [];
    let replies = 0;
    const answer = async (request: StoredMessage): Promise<void> => {
      try {
        const body = await handler(request);
        await producer.send(createReplyMessage(request, body));
        replies++;
      } catch (error) {
        errors.push(error);
      }
    };
    const unsubscribes = this.brokers.map((broker) =>
      broker.onPut((message) => {
        if (message.topic !== topic || message.properties.CORRELATION_ID === undefined || message.properties.REPLY_TO_CLIENT === undefined) return;
        void answer(message);
      }),
    );
    let stopped = false;
    const responder: Responder = {
      get replies() {
        return replies;
      },
      errors,
      stop: async () => {
        if (stopped) return;
        stopped = true;
        for (const unsubscribe of unsubscribes) unsubscribe();
        this.responders.delete(responder);
        await producer.shutdown();
      },
    };
    this.responders.add(responder);
    return responder;
  }

  /** Stops every broker (cleanly: UNREGISTER_BROKER) and the NameServer; frees every port and timer. */
  async stop(): Promise<void> {
    await Promise.all([...this.responders].map((responder) => responder.stop()));
    await Promise.all(this.brokers.map((broker) => broker.stop()));
    await this.nameServer.stop();
  }
}
