/**
 * The options of an embedded cluster. In a file of their own because both the in-process cluster and the spawned
 * one (`spawn.ts`, which `cluster.ts` calls) read them.
 */
import type { EmbeddedAclOptions } from './acl-validator.js';
import type { BrokerVersion, MessageStoredEvent } from './broker-processor.js';
import type { EmbeddedTlsOption } from './tls-material.js';

/** Options of {@link EmbeddedCluster.start} (and {@link EmbeddedCluster.spawn}). */
export interface EmbeddedClusterOptions {
  /** Number of brokers, named `broker-a`, `broker-b`, …. @defaultValue `1` */
  brokers?: number;
  /** Queues of TBW102, hence of auto-created topics. @defaultValue `4` */
  queuesPerTopic?: number;
  /** Create unknown topics on first send. @defaultValue `true` */
  autoCreateTopic?: boolean;
  /** NameServer port; 0 picks a free one. @defaultValue `0` */
  namesrvPort?: number;
  /** Broker ports, in broker order; missing or 0 = a free one. @defaultValue all `0` */
  brokerPorts?: number[];
  /** @defaultValue `'DefaultCluster'` */
  clusterName?: string;
  /** Registrations older than this leave every route. @defaultValue `120000` */
  brokerExpireMillis?: number;
  /** Brokers re-register this often. @defaultValue `30000` */
  registerIntervalMillis?: number;
  /** Messages each broker keeps in memory. @defaultValue `100000` */
  maxStoredMessages?: number;
  /** Bytes of stored records each broker keeps in memory. @defaultValue `268435456` (256 MiB) */
  maxStoredBytes?: number;
  /** Largest accepted body. @defaultValue `4194304` */
  maxMessageSize?: number;
  /** Java generation to imitate. @defaultValue `'4.9'` */
  version?: BrokerVersion;
  /** Brokers also listen on port − 2. @defaultValue `false` */
  vipChannel?: boolean;
  /** Keep a request log on every server. @defaultValue `false` */
  recordRequests?: boolean;
  /** See `EmbeddedNameServerOptions.removeBrokerOnDisconnect`. @defaultValue `false` */
  removeBrokerOnDisconnect?: boolean;
  /**
   * ACL 1.0 on every broker (the content of a `plain_acl.yml`): requests are checked as the 4.9.8
   * `PlainAccessValidator` checks them and refused with its codes and remarks. The NameServer checks nothing (as 4.9.8).
   * Keys of 6 characters or fewer are refused at start.
   * @defaultValue none (no ACL)
   */
  acl?: EmbeddedAclOptions;
  /**
   * TLS on the NameServer and broker ports: `true` generates a fresh self-signed certificate for 127.0.0.1 /
   * localhost at start (needs the optional package `selfsigned`), or pass `{ key, cert, ca? }`. Clients trust
   * `cluster.tls.ca`.
   * @defaultValue `false`
   */
  tls?: EmbeddedTlsOption;
  /**
   * With `tls`: `enforcing` closes plaintext connections; `permissive` serves TLS and plaintext on the same port
   * (it peeks at the first byte, as the Java server does).
   * @defaultValue `'enforcing'`
   */
  tlsMode?: 'enforcing' | 'permissive';
  /** Called after every stored message (in-process clusters only). */
  onMessageStored?: (event: MessageStoredEvent & { brokerName: string }) => void;
  /** See `EmbeddedBrokerOptions.messageDelayLevel`. @defaultValue the 4.x table `'1s 5s 10s 30s 1m … 2h'` */
  messageDelayLevel?: string;
  /** See `EmbeddedBrokerOptions.transactionCheckInterval`. @defaultValue `60000` */
  transactionCheckInterval?: number;
  /** See `EmbeddedBrokerOptions.transactionTimeOut`. @defaultValue `6000` */
  transactionTimeOut?: number;
  /** See `EmbeddedBrokerOptions.transactionCheckMax`. @defaultValue `15` */
  transactionCheckMax?: number;
}
