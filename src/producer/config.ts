/**
 * Producer options: the Java `DefaultMQProducer` / `ClientConfig` names and defaults, declared once and validated
 * eagerly.
 */
import { InvalidOptionError } from '../errors.js';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { COMPRESSION_TYPES, requireCompressor } from '../message/compression.js';
import type { CompressionType } from '../message/compression.js';
import type { RPCHook } from '../remoting/remoting-client.js';
import type { Logger } from '../logger.js';
import type { TelemetryOptions } from '../telemetry/otel.js';
import { resolveCredentialsOption, type CredentialsSource } from '../security/credentials.js';
import type { Redacted } from '../security/redacted.js';
import { resolveTlsOption, type TlsOption } from '../security/tls-options.js';
import type { CheckForbiddenHook, SendMessageHook } from './hooks.js';
import type { TransactionListener } from '../transaction/transaction-listener.js';
import { FaultTolerancePresets } from './fault/mq-fault-strategy.js';

/**
 * Options of `new Producer(options)`. Every field is optional; the defaults are those of the Java client.
 * @example
 * ```ts
 * const options: ProducerOptions = { producerGroup: 'PG', namesrvAddr: '10.0.0.1:9876;10.0.0.2:9876', sendMsgTimeout: 5000 };
 * ```
 */
export interface ProducerOptions {
  /**
   * Producer group: producers of the same role share it (it matters for transactions).
   * @defaultValue `'DEFAULT_PRODUCER'`
   */
  producerGroup?: string;
  /**
   * Name server addresses, `'host:port;host:port'` or an array. When unset, the `NAMESRV_ADDR` environment variable
   * is read (as the Java client does); one of the two is required.
   * @defaultValue `null` (use `NAMESRV_ADDR`)
   */
  namesrvAddr?: string | readonly string[] | null;
  /**
   * Name of the client instance. Producers with the same `clientIP@instanceName` share one connection set, route
   * cache and heartbeat. `'DEFAULT'` becomes `<pid>#<hrtime>` at start, so each producer gets its own instance
   * unless you name one.
   * @defaultValue `'DEFAULT'`
   */
  instanceName?: string;
  /**
   * Namespace: when set, topics and the group go on the wire as `<namespace>%<name>`, and results show them without it.
   * @defaultValue `null`
   */
  namespace?: string | null;
  /**
   * The client's IP in the client id and in hooks' `bornHost`.
   * @defaultValue `null` (the first non-loopback IPv4 address)
   */
  clientIP?: string | null;
  /**
   * One deadline, in milliseconds, over all attempts of one send (route look-up included).
   * @defaultValue `3000`
   */
  sendMsgTimeout?: number;
  /**
   * Caps each attempt that still has a retry after it, in milliseconds, so a retry has time left; `-1` = no cap.
   * @defaultValue `-1`
   */
  sendMsgMaxTimeoutPerRequest?: number;
  /**
   * Extra attempts of a sync send after a retriable failure (each on another broker where possible).
   * @defaultValue `2`
   */
  retryTimesWhenSendFailed?: number;
  /**
   * Extra attempts of an async send after a retriable failure (RxJS `retry` count).
   * @defaultValue `2`
   */
  retryTimesWhenSendAsyncFailed?: number;
  /**
   * Retry a sync send whose result is stored but not `SEND_OK` (flush/slave timeouts) on another broker.
   * @defaultValue `false`
   */
  retryAnotherBrokerWhenNotStoreOK?: boolean;
  /**
   * Broker response codes that make a send retriable.
   * @defaultValue `[17, 14, 1, 2, 16, 204, 205, 1500]` (Java 5.3: TOPIC_NOT_EXIST, SERVICE_NOT_AVAILABLE,
   * SYSTEM_ERROR, SYSTEM_BUSY, NO_PERMISSION, NO_BUYER_ID, NOT_IN_CURRENT_UNIT, GO_AWAY)
   */
  retryResponseCodes?: readonly number[];
  /**
   * Bodies of at least this many bytes are compressed (with `compressType`). In `sendAsync`, `sendOneway` and
   * `publish`, a ZLIB or ZSTD body is compressed on worker threads, off the event loop; `send` compresses on the calling thread, as the Java client does (bodies of 256 KiB or more excepted).
   * @defaultValue `4096`
   */
  compressMsgBodyOverHowmuch?: number;
  /**
   * Compression level: ZLIB `-1` (zlib default) … `9`; ZSTD `1` … `22`; LZ4 has none (ignored, as in Java).
   * @defaultValue `5`
   */
  compressLevel?: number;
  /**
   * Body codec (Java 5.x `compressType`, system property `rocketmq.message.compressType`), written into sysFlag bits
   * 8–10 as the Java client does. `'ZLIB'` is readable by every consumer; `'LZ4'` and `'ZSTD'` need 4.9.4+ / 5.x
   * consumers and an optional package: `lz4-wasm-nodejs` for LZ4, `@foxglove/wasm-zstd` for ZSTD (reading ZSTD
   * bodies with `decompressBody` needs `fzstd`). A missing package fails `new Producer()` with
   * `RMQ_ERR_UNSUPPORTED_COMPRESSION`.
   * @defaultValue `'ZLIB'`
   */
  compressType?: CompressionType;
  /**
   * Largest body accepted, in bytes (checked before compression).
   * @defaultValue `4194304` (4 MiB)
   */
  maxMessageSize?: number;
  /**
   * Queues per broker of a topic created through the `createTopicKey` template.
   * @defaultValue `4`
   */
  defaultTopicQueueNums?: number;
  /**
   * Template topic for auto-created topics.
   * @defaultValue `'TBW102'`
   */
  createTopicKey?: string;
  /**
   * Avoid brokers that were slow or failed, for the penalty window `latencyMax` → `notAvailableDuration` gives.
   * @defaultValue `false`
   */
  sendLatencyFaultEnable?: boolean;
  /**
   * Latency thresholds in ms, ascending (pairs with `notAvailableDuration`).
   * @defaultValue `[50, 100, 550, 1800, 3000, 5000, 15000]` (Java 5.1.4+; {@link LATENCY_TABLES_4_9} has the 4.9 ones)
   */
  latencyMax?: readonly number[];
  /**
   * How long a broker is avoided, in ms, after a send whose latency reached the matching `latencyMax` entry.
   * @defaultValue `[0, 0, 2000, 5000, 6000, 10000, 30000]` (Java 5.1.4+)
   */
  notAvailableDuration?: readonly number[];
  /**
   * Send messages to the broker's VIP port (its port − 2).
   * @defaultValue `false`
   */
  sendMessageWithVIPChannel?: boolean;
  /**
   * Refresh interval of the routes of topics in use, ms.
   * @defaultValue `30000`
   */
  pollNameServerInterval?: number;
  /**
   * Heartbeat interval to the master brokers in use, ms.
   * @defaultValue `30000`
   */
  heartbeatBrokerInterval?: number;
  /**
   * Timeout of the client's own requests (route look-ups, heartbeats, unregister), ms.
   * @defaultValue `3000`
   */
  mqClientApiTimeout?: number;
  /**
   * TCP connect timeout, ms.
   * @defaultValue `3000`
   */
  connectTimeoutMillis?: number;
  /**
   * Most async sends in flight at once.
   * @defaultValue `65535`
   */
  clientAsyncSemaphoreValue?: number;
  /**
   * Most oneway sends being written at once.
   * @defaultValue `65535`
   */
  clientOnewaySemaphoreValue?: number;
  /**
   * Java `unitMode`, sent as header field `k`.
   * @defaultValue `false`
   */
  unitMode?: boolean;
  /**
   * How long `shutdown()` waits for sends in flight, ms; sends still pending then fail with
   * `RMQ_ERR_PRODUCER_SHUT_DOWN`. UNREGISTER_CLIENT runs during the wait, not after it.
   * @defaultValue `3000`
   */
  shutdownTimeoutMillis?: number;
  /**
   * Hooks that may refuse a send.
   * @defaultValue `[]`
   */
  checkForbiddenHooks?: readonly CheckForbiddenHook[];
  /**
   * Hooks run before and after every send attempt.
   * @defaultValue `[]`
   */
  sendMessageHooks?: readonly SendMessageHook[];
  /**
   * Remoting hooks run on every request of the client instance (e.g. ACL signing).
   * @defaultValue `[]`
   */
  rpcHooks?: readonly RPCHook[];
  /**
   * OpenTelemetry spans and metrics (needs the optional peer dependency `@opentelemetry/api`). `false` turns them
   * off even when a global provider is registered.
   * @defaultValue `null`: the global tracer and meter providers, if registered when `start()` runs; else nothing
   *   (and `@opentelemetry/api` is not even loaded)
   */
  telemetry?: TelemetryOptions | false | null;
  /**
   * RocketMQ message trace (Java `enableMsgTrace`): after every successful send a "Pub" trace record goes to
   * `customizedTraceTopic`, as the Java client writes it, for the RocketMQ Dashboard's message-trace view.
   * @defaultValue `false`
   */
  enableMsgTrace?: boolean;
  /**
   * Topic of the message-trace records (Java `customizedTraceTopic`).
   * @defaultValue `'RMQ_SYS_TRACE_TOPIC'`
   */
  customizedTraceTopic?: string;
  /**
   * Where the producer logs (any pino-compatible `debug/info/warn/error(obj, msg)` object). Options, credentials
   * and message bodies are never logged.
   * @defaultValue `null` (quiet)
   */
  logger?: Logger | null;
  /**
   * Makes this a transactional producer (Java `TransactionMQProducer.setTransactionListener`): runs the local
   * transaction of `sendMessageInTransaction` and answers the broker's check-backs for this group.
   * @defaultValue `null` (`sendMessageInTransaction` fails with `RMQ_ERR_NO_TRANSACTION_LISTENER`, checks are ignored)
   */
  transactionListener?: TransactionListener | null;
  /**
   * Check-backs answered at once (Java `checkThreadPoolMinSize` = `checkThreadPoolMaxSize`).
   * @defaultValue `1`
   */
  checkConcurrency?: number;
  /**
   * Check-backs that may wait for a free slot (Java `checkRequestHoldMax`); one more is dropped and published on
   * `rocketmq:transaction:checkDropped` (the broker checks again later).
   * @defaultValue `2000`
   */
  checkRequestHoldMax?: number;
  /**
   * ACL credentials: every request (route look-ups, sends, batches, heartbeats, unregister) is signed as the Java
   * `AclClientRPCHook` signs it. Either `{ accessKey, secretKey, securityToken? }` or a function returning them (sync or
   * async) for rotating keys: it is called at `start()` and then in the background at most every
   * `credentialsRefreshInterval` ms; a failing refresh keeps the last good credentials and is published on
   * `rocketmq:producer:credentialsError`. Never printed (`util.inspect(producer.options)` shows only the AccessKey).
   * @defaultValue `null` (requests are not signed)
   */
  credentials?: CredentialsSource | null;
  /**
   * Least time between two calls of a `credentials` function, ms.
   * @defaultValue `60000`
   */
  credentialsRefreshInterval?: number;
  /**
   * TLS on the NameServer and broker connections (same ports): `true` verifies the server certificate against the
   * system CAs; `tls.ConnectionOptions` pass through (`ca`, `servername`, `cert`/`key`, `rejectUnauthorized: false`).
   * A handshake or certificate failure fails the sends with `RMQ_ERR_TLS` (`RemotingConnectError`, `cause` = Node's
   * error).
   * @defaultValue `false`
   */
  tls?: TlsOption | null;
  /**
   * Header serialization of every request the producer sends (sends, batches, heartbeats, route look-ups,
   * unregister, END_TRANSACTION), as Java's `rocketmq.serialize.type` system property / `ROCKETMQ_SERIALIZE_TYPE`
   * environment variable: `'JSON'` (the Java default, fastjson text) or `'ROCKETMQ'` (the compact binary header of
   * `RocketMQSerializable`, cheaper to write and to read on both ends). Every Apache broker and NameServer reads
   * both; a 4.9 broker answers a ROCKETMQ request in ROCKETMQ, a 5.x one in JSON, and either answer is read. Producers
   * sharing a client instance (`instanceName`) must agree on it.
   * @defaultValue `'JSON'`
   */
  serializeType?: SerializeTypeName;
}

/** The header serializations a producer can send with (Java `SerializeType` names). */
export type SerializeTypeName = 'JSON' | 'ROCKETMQ';

/** {@link ProducerOptions} after defaults and validation. */
export interface ResolvedProducerOptions {
  readonly producerGroup: string;
  readonly namesrvAddr: readonly string[];
  readonly instanceName: string;
  readonly namespace: string | null;
  readonly clientIP: string | null;
  readonly sendMsgTimeout: number;
  readonly sendMsgMaxTimeoutPerRequest: number;
  readonly retryTimesWhenSendFailed: number;
  readonly retryTimesWhenSendAsyncFailed: number;
  readonly retryAnotherBrokerWhenNotStoreOK: boolean;
  readonly retryResponseCodes: ReadonlySet<number>;
  readonly compressMsgBodyOverHowmuch: number;
  readonly compressLevel: number;
  readonly compressType: CompressionType;
  readonly maxMessageSize: number;
  readonly defaultTopicQueueNums: number;
  readonly createTopicKey: string;
  readonly sendLatencyFaultEnable: boolean;
  readonly latencyMax: readonly number[];
  readonly notAvailableDuration: readonly number[];
  readonly sendMessageWithVIPChannel: boolean;
  readonly pollNameServerInterval: number;
  readonly heartbeatBrokerInterval: number;
  readonly mqClientApiTimeout: number;
  readonly connectTimeoutMillis: number;
  readonly clientAsyncSemaphoreValue: number;
  readonly clientOnewaySemaphoreValue: number;
  readonly unitMode: boolean;
  readonly shutdownTimeoutMillis: number;
  readonly checkForbiddenHooks: readonly CheckForbiddenHook[];
  readonly sendMessageHooks: readonly SendMessageHook[];
  readonly rpcHooks: readonly RPCHook[];
  readonly telemetry: TelemetryOptions | false | null;
  readonly enableMsgTrace: boolean;
  readonly customizedTraceTopic: string;
  readonly logger: Logger | null;
  readonly transactionListener: TransactionListener | null;
  readonly checkConcurrency: number;
  readonly checkRequestHoldMax: number;
  /** The credentials (fixed or a function), kept out of printouts; `null` when requests are not signed. */
  readonly credentials: Redacted<CredentialsSource> | null;
  readonly credentialsRefreshInterval: number;
  /** `tls.connect` options, kept out of printouts (they may hold a client key); `null` for plain TCP. */
  readonly tls: Redacted<TlsConnectionOptions> | null;
  readonly serializeType: SerializeTypeName;
}

/** The latency-fault tables of the Java client 5.1.4 and later (the default). */
export const LATENCY_TABLES_5 = Object.freeze({
  latencyMax: FaultTolerancePresets.V5.latencyMax,
  notAvailableDuration: FaultTolerancePresets.V5.notAvailableDuration,
});

/** The latency-fault tables of the Java client 4.9 (`{ ...LATENCY_TABLES_4_9 }` in the options selects them). */
export const LATENCY_TABLES_4_9 = Object.freeze({
  latencyMax: FaultTolerancePresets.V4_9.latencyMax,
  notAvailableDuration: FaultTolerancePresets.V4_9.notAvailableDuration,
});

/** The Java client's retry response codes (5.3): TOPIC_NOT_EXIST, SERVICE_NOT_AVAILABLE, SYSTEM_ERROR, SYSTEM_BUSY, NO_PERMISSION, NO_BUYER_ID, NOT_IN_CURRENT_UNIT, GO_AWAY. */
export const DEFAULT_RETRY_RESPONSE_CODES: readonly number[] = Object.freeze([17, 14, 1, 2, 16, 204, 205, 1500]);

/**
 * Every default, with the Java client's names and values (units: milliseconds and bytes).
 * `namesrvAddr: null` means "read `NAMESRV_ADDR`"; `clientIP: null` means "detect".
 * @example
 * ```ts
 * DEFAULTS.retryTimesWhenSendFailed; // 2
 * ```
 */
export const DEFAULTS = Object.freeze({
  producerGroup: 'DEFAULT_PRODUCER',
  namesrvAddr: null,
  instanceName: 'DEFAULT',
  namespace: null,
  clientIP: null,
  sendMsgTimeout: 3000,
  sendMsgMaxTimeoutPerRequest: -1,
  retryTimesWhenSendFailed: 2,
  retryTimesWhenSendAsyncFailed: 2,
  retryAnotherBrokerWhenNotStoreOK: false,
  retryResponseCodes: DEFAULT_RETRY_RESPONSE_CODES,
  compressMsgBodyOverHowmuch: 4096,
  compressLevel: 5,
  compressType: 'ZLIB' as CompressionType,
  maxMessageSize: 4 * 1024 * 1024,
  defaultTopicQueueNums: 4,
  createTopicKey: 'TBW102',
  sendLatencyFaultEnable: false,
  latencyMax: LATENCY_TABLES_5.latencyMax,
  notAvailableDuration: LATENCY_TABLES_5.notAvailableDuration,
  sendMessageWithVIPChannel: false,
  pollNameServerInterval: 30_000,
  heartbeatBrokerInterval: 30_000,
  mqClientApiTimeout: 3000,
  connectTimeoutMillis: 3000,
  clientAsyncSemaphoreValue: 65535,
  clientOnewaySemaphoreValue: 65535,
  unitMode: false,
  shutdownTimeoutMillis: 3000,
  checkForbiddenHooks: Object.freeze([]) as readonly CheckForbiddenHook[],
  sendMessageHooks: Object.freeze([]) as readonly SendMessageHook[],
  rpcHooks: Object.freeze([]) as readonly RPCHook[],
  telemetry: null,
  enableMsgTrace: false,
  customizedTraceTopic: 'RMQ_SYS_TRACE_TOPIC',
  logger: null,
  transactionListener: null as TransactionListener | null,
  checkConcurrency: 1,
  checkRequestHoldMax: 2000,
  credentials: null,
  credentialsRefreshInterval: 60_000,
  tls: false,
  serializeType: 'JSON' as SerializeTypeName,
} as const);

const GROUP_PATTERN = /^[%|a-zA-Z0-9_-]+$/;
const ADDRESS_PATTERN = /^(?:\[[0-9a-fA-F:.]+\]|[^\s:;[\]]+):(\d{1,5})$/;

function integer(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new InvalidOptionError(name, `expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function bool(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidOptionError(name, `expected a boolean, got ${String(value)}`);
  return value;
}

function text(name: string, value: unknown, pattern?: RegExp, maxLength = 255): string {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidOptionError(name, `expected a non-blank string, got ${String(value)}`);
  }
  if (value.length > maxLength) throw new InvalidOptionError(name, `longer than ${maxLength} characters`);
  if (pattern && !pattern.test(value)) throw new InvalidOptionError(name, `must match ${String(pattern)}`);
  return value;
}

function numberList(name: string, value: unknown): readonly number[] {
  if (!Array.isArray(value) || value.length === 0) throw new InvalidOptionError(name, 'expected a non-empty array of numbers');
  for (const n of value) {
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) {
      throw new InvalidOptionError(name, `expected non-negative numbers, got ${String(n)}`);
    }
  }
  return Object.freeze([...(value as number[])]);
}

function hookList<T>(name: string, value: unknown, method: string | null): readonly T[] {
  if (!Array.isArray(value)) throw new InvalidOptionError(name, 'expected an array');
  for (const hook of value) {
    if (typeof hook !== 'object' || hook === null) throw new InvalidOptionError(name, 'every hook must be an object');
    if (method !== null && typeof (hook as Record<string, unknown>)[method] !== 'function') {
      throw new InvalidOptionError(name, `every hook must have a ${method}() method`);
    }
  }
  return Object.freeze([...(value as T[])]);
}

function telemetryOption(value: unknown): TelemetryOptions | false | null {
  if (value === null || value === false) return value;
  if (typeof value !== 'object') throw new InvalidOptionError('telemetry', 'expected { tracerProvider?, meterProvider?, propagate? }, false or null');
  const t = value as Record<string, unknown>;
  for (const key of Object.keys(t)) {
    if (key !== 'tracerProvider' && key !== 'meterProvider' && key !== 'propagate') throw new InvalidOptionError('telemetry', `unknown field ${key}`);
  }
  if (t['tracerProvider'] != null && typeof (t['tracerProvider'] as { getTracer?: unknown }).getTracer !== 'function') {
    throw new InvalidOptionError('telemetry', 'tracerProvider must have a getTracer() method');
  }
  if (t['meterProvider'] != null && typeof (t['meterProvider'] as { getMeter?: unknown }).getMeter !== 'function') {
    throw new InvalidOptionError('telemetry', 'meterProvider must have a getMeter() method');
  }
  if (t['propagate'] !== undefined && typeof t['propagate'] !== 'boolean') throw new InvalidOptionError('telemetry', 'propagate must be a boolean');
  return Object.freeze({ ...(value as TelemetryOptions) });
}

function loggerOption(value: unknown): Logger | null {
  if (value === null) return null;
  if (typeof value !== 'object' && typeof value !== 'function') throw new InvalidOptionError('logger', 'expected a pino-compatible logger');
  for (const level of ['debug', 'info', 'warn', 'error']) {
    if (typeof (value as Record<string, unknown>)[level] !== 'function') throw new InvalidOptionError('logger', `the logger has no ${level}() method`);
  }
  return value as Logger;
}

function transactionListener(value: unknown): TransactionListener | null {
  if (value === null) return null;
  const listener = value as Partial<Record<keyof TransactionListener, unknown>>;
  if (typeof value !== 'object' || typeof listener.executeLocalTransaction !== 'function' || typeof listener.checkLocalTransaction !== 'function') {
    throw new InvalidOptionError('transactionListener', 'expected an object with executeLocalTransaction() and checkLocalTransaction()');
  }
  return value as TransactionListener;
}

function serializeTypeOption(value: unknown): SerializeTypeName {
  if (value !== 'JSON' && value !== 'ROCKETMQ') {
    throw new InvalidOptionError('serializeType', `expected 'JSON' or 'ROCKETMQ', got ${String(value)}`);
  }
  return value;
}

/** Splits and checks `namesrvAddr` (`'a:9876;b:9876'` or an array). */
function nameServers(value: unknown): readonly string[] {
  const list = typeof value === 'string' ? value.split(';') : value;
  if (!Array.isArray(list)) throw new InvalidOptionError('namesrvAddr', 'expected "host:port;host:port" or an array');
  const out = (list as unknown[])
    .map((item) => (typeof item === 'string' ? item.trim() : item))
    .filter((item) => item !== '');
  if (out.length === 0) {
    throw new InvalidOptionError('namesrvAddr', 'no name server address: set namesrvAddr or NAMESRV_ADDR');
  }
  for (const addr of out) {
    const match = typeof addr === 'string' ? ADDRESS_PATTERN.exec(addr) : null;
    if (!match || Number(match[1]) > 65535) {
      throw new InvalidOptionError('namesrvAddr', `not a host:port address: ${String(addr)}`);
    }
  }
  return Object.freeze(out as string[]);
}

/**
 * Merges `options` over {@link DEFAULTS} (with `??`) and validates every field.
 *
 * @param options - what the caller passed to `new Producer()`.
 * @param env - where `NAMESRV_ADDR` is read from when `namesrvAddr` is unset.
 * @returns frozen resolved options.
 * @throws InvalidOptionError (`code` `RMQ_ERR_INVALID_OPTION`, `option` = the field's name) on the first bad field.
 * @example
 * ```ts
 * resolveOptions({ namesrvAddr: 'a:9876;b:9876' }).namesrvAddr; // ['a:9876', 'b:9876']
 * ```
 */
export function resolveOptions(
  options: ProducerOptions = {},
  env: Readonly<Record<string, string | undefined>> = process.env,
): ResolvedProducerOptions {
  if (typeof options !== 'object' || options === null) throw new InvalidOptionError('options', 'expected an object');
  const o = options;
  for (const key of Object.keys(o)) {
    // A misspelt option would otherwise be ignored silently and its default used.
    if (!Object.hasOwn(DEFAULTS, key)) throw new InvalidOptionError(key, 'unknown option');
  }
  const namespace = o.namespace ?? DEFAULTS.namespace;
  const clientIP = o.clientIP ?? DEFAULTS.clientIP;
  const latencyMax = numberList('latencyMax', o.latencyMax ?? DEFAULTS.latencyMax);
  const notAvailableDuration = numberList('notAvailableDuration', o.notAvailableDuration ?? DEFAULTS.notAvailableDuration);
  if (latencyMax.length !== notAvailableDuration.length) {
    throw new InvalidOptionError('notAvailableDuration', 'must have as many entries as latencyMax');
  }
  const codes = o.retryResponseCodes ?? DEFAULTS.retryResponseCodes;
  if (!Array.isArray(codes) || codes.some((c) => !Number.isInteger(c))) {
    throw new InvalidOptionError('retryResponseCodes', 'expected an array of integer response codes');
  }
  const compressType = o.compressType ?? DEFAULTS.compressType;
  if (!COMPRESSION_TYPES.includes(compressType)) {
    throw new InvalidOptionError('compressType', `expected one of ${COMPRESSION_TYPES.join(', ')}, got ${String(compressType)}`);
  }
  // A codec whose package is missing fails here, not at the first large send.
  requireCompressor(compressType);
  const resolved: ResolvedProducerOptions = {
    producerGroup: text('producerGroup', o.producerGroup ?? DEFAULTS.producerGroup, GROUP_PATTERN),
    namesrvAddr: nameServers(o.namesrvAddr ?? env['NAMESRV_ADDR'] ?? ''),
    instanceName: text('instanceName', o.instanceName ?? DEFAULTS.instanceName),
    namespace: namespace === null || namespace === '' ? null : text('namespace', namespace, GROUP_PATTERN),
    clientIP: clientIP === null ? null : text('clientIP', clientIP),
    sendMsgTimeout: integer('sendMsgTimeout', o.sendMsgTimeout ?? DEFAULTS.sendMsgTimeout, 1),
    sendMsgMaxTimeoutPerRequest: integer(
      'sendMsgMaxTimeoutPerRequest',
      o.sendMsgMaxTimeoutPerRequest ?? DEFAULTS.sendMsgMaxTimeoutPerRequest,
      -1,
    ),
    retryTimesWhenSendFailed: integer('retryTimesWhenSendFailed', o.retryTimesWhenSendFailed ?? DEFAULTS.retryTimesWhenSendFailed, 0, 1000),
    retryTimesWhenSendAsyncFailed: integer(
      'retryTimesWhenSendAsyncFailed',
      o.retryTimesWhenSendAsyncFailed ?? DEFAULTS.retryTimesWhenSendAsyncFailed,
      0,
      1000,
    ),
    retryAnotherBrokerWhenNotStoreOK: bool(
      'retryAnotherBrokerWhenNotStoreOK',
      o.retryAnotherBrokerWhenNotStoreOK ?? DEFAULTS.retryAnotherBrokerWhenNotStoreOK,
    ),
    retryResponseCodes: new Set(codes),
    compressMsgBodyOverHowmuch: integer(
      'compressMsgBodyOverHowmuch',
      o.compressMsgBodyOverHowmuch ?? DEFAULTS.compressMsgBodyOverHowmuch,
      0,
    ),
    compressType,
    compressLevel: integer(
      'compressLevel',
      o.compressLevel ?? DEFAULTS.compressLevel,
      compressType === 'ZSTD' ? 1 : -1,
      compressType === 'ZLIB' ? 9 : 22,
    ),
    maxMessageSize: integer('maxMessageSize', o.maxMessageSize ?? DEFAULTS.maxMessageSize, 1),
    defaultTopicQueueNums: integer('defaultTopicQueueNums', o.defaultTopicQueueNums ?? DEFAULTS.defaultTopicQueueNums, 1),
    createTopicKey: text('createTopicKey', o.createTopicKey ?? DEFAULTS.createTopicKey, GROUP_PATTERN, 127),
    sendLatencyFaultEnable: bool('sendLatencyFaultEnable', o.sendLatencyFaultEnable ?? DEFAULTS.sendLatencyFaultEnable),
    latencyMax,
    notAvailableDuration,
    sendMessageWithVIPChannel: bool(
      'sendMessageWithVIPChannel',
      o.sendMessageWithVIPChannel ?? DEFAULTS.sendMessageWithVIPChannel,
    ),
    pollNameServerInterval: integer('pollNameServerInterval', o.pollNameServerInterval ?? DEFAULTS.pollNameServerInterval, 10),
    heartbeatBrokerInterval: integer('heartbeatBrokerInterval', o.heartbeatBrokerInterval ?? DEFAULTS.heartbeatBrokerInterval, 10),
    mqClientApiTimeout: integer('mqClientApiTimeout', o.mqClientApiTimeout ?? DEFAULTS.mqClientApiTimeout, 1),
    connectTimeoutMillis: integer('connectTimeoutMillis', o.connectTimeoutMillis ?? DEFAULTS.connectTimeoutMillis, 1),
    clientAsyncSemaphoreValue: integer(
      'clientAsyncSemaphoreValue',
      o.clientAsyncSemaphoreValue ?? DEFAULTS.clientAsyncSemaphoreValue,
      1,
    ),
    clientOnewaySemaphoreValue: integer(
      'clientOnewaySemaphoreValue',
      o.clientOnewaySemaphoreValue ?? DEFAULTS.clientOnewaySemaphoreValue,
      1,
    ),
    unitMode: bool('unitMode', o.unitMode ?? DEFAULTS.unitMode),
    shutdownTimeoutMillis: integer('shutdownTimeoutMillis', o.shutdownTimeoutMillis ?? DEFAULTS.shutdownTimeoutMillis, 0),
    checkForbiddenHooks: hookList<CheckForbiddenHook>(
      'checkForbiddenHooks',
      o.checkForbiddenHooks ?? DEFAULTS.checkForbiddenHooks,
      'checkForbidden',
    ),
    sendMessageHooks: hookList<SendMessageHook>('sendMessageHooks', o.sendMessageHooks ?? DEFAULTS.sendMessageHooks, null),
    rpcHooks: hookList<RPCHook>('rpcHooks', o.rpcHooks ?? DEFAULTS.rpcHooks, 'doBeforeRequest'),
    telemetry: telemetryOption(o.telemetry === undefined ? DEFAULTS.telemetry : o.telemetry),
    enableMsgTrace: bool('enableMsgTrace', o.enableMsgTrace ?? DEFAULTS.enableMsgTrace),
    customizedTraceTopic: text('customizedTraceTopic', o.customizedTraceTopic ?? DEFAULTS.customizedTraceTopic, GROUP_PATTERN, 127),
    logger: loggerOption(o.logger ?? DEFAULTS.logger),
    transactionListener: transactionListener(o.transactionListener ?? DEFAULTS.transactionListener),
    checkConcurrency: integer('checkConcurrency', o.checkConcurrency ?? DEFAULTS.checkConcurrency, 1, 1000),
    checkRequestHoldMax: integer('checkRequestHoldMax', o.checkRequestHoldMax ?? DEFAULTS.checkRequestHoldMax, 0),
    credentials: o.credentials === undefined || o.credentials === null ? null : resolveCredentialsOption(o.credentials),
    credentialsRefreshInterval: integer(
      'credentialsRefreshInterval',
      o.credentialsRefreshInterval ?? DEFAULTS.credentialsRefreshInterval,
      10,
    ),
    tls: resolveTlsOption(o.tls ?? DEFAULTS.tls),
    serializeType: serializeTypeOption(o.serializeType ?? DEFAULTS.serializeType),
  };
  return Object.freeze(resolved);
}
