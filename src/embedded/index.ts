/**
 * rocketmq-rx/embedded: an in-process NameServer + Broker speaking the real RocketMQ remoting protocol, for tests,
 * examples and local development.
 *
 * @example
 * ```ts
 * import { Producer } from 'rocketmq-rx';
 * import { EmbeddedCluster } from 'rocketmq-rx/embedded';
 *
 * const cluster = await EmbeddedCluster.start({ brokers: 2 });
 * const producer = new Producer({ producerGroup: 'PG', namesrvAddr: cluster.namesrvAddr });
 * await producer.start();
 * await producer.send({ topic: 'TopicTest', body: 'Hello' });
 * console.log(cluster.messages({ topic: 'TopicTest' }).length); // 1: what the brokers stored, decoded
 * await producer.shutdown();
 * await cluster.stop();
 * ```
 *
 * ## By purpose
 *
 * - **A cluster**: {@link EmbeddedCluster} (`start()` in this process, `spawn()` in a child), or its parts
 *   {@link EmbeddedNameServer} and {@link EmbeddedBroker}.
 * - **What the brokers saw**: {@link StoredMessage}, {@link RequestStats}, {@link ClientRecord},
 *   {@link EndTransactionRecord}.
 * - **Faults**: {@link FaultInjector} (error responses, delays, swallowed requests, garbage, closed connections,
 *   paused reads), and `kill()` / `restart()` of each server.
 *
 * @packageDocumentation
 * @module rocketmq-rx/embedded
 */
export { EmbeddedCluster, brokerNameAt } from './cluster.js';
export type { EmbeddedClusterOptions } from './cluster-options.js';
export type { RequestResponder, Responder } from './cluster.js';
export { EmbeddedBroker } from './broker.js';
export type { EmbeddedBrokerOptions } from './broker.js';
export { EmbeddedNameServer } from './name-server.js';
export type { EmbeddedNameServerOptions } from './name-server.js';
export { FaultInjector } from './fault-injector.js';
export type { FaultScope, FaultHandle, RespondWithOptions, WriteGarbageOptions } from './fault-injector.js';
export { RequestStats } from './request-stats.js';
export type { RequestLogEntry, RequestStatsSnapshot } from './request-stats.js';
export type { StoredMessage, MessageFilter } from './message-store.js';
export type { BrokerVersion, ClientRecord, EndTransactionRecord, MessageStoredEvent, PendingTransaction } from './broker-processor.js';
export { DEFAULT_MESSAGE_DELAY_LEVEL } from './scheduled-delivery.js';
export type { RegisteredBroker } from './name-server-processor.js';
export type { TopicConfig } from './topic-config.js';
export type { SpawnedCluster, ClusterStats } from './spawn.js';
export type { EmbeddedAclOptions, EmbeddedAclAccount, AclPermission } from './acl-validator.js';
export type { EmbeddedTlsOption, EmbeddedTlsCertificate } from './tls-material.js';
export { parsePlainAclYaml } from './plain-acl-yaml.js';
