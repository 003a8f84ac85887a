/**
 * rocketmq-rx: an embeddable Apache RocketMQ producer for Node.js, built on RxJS.
 *
 * This entry is the application's API: the {@link Producer}, its options and results, errors and their codes, queue
 * selectors, stream publishing, hooks and diagnostics channels. Two more entries exist for other audiences:
 * `rocketmq-rx/embedded` (an in-process NameServer + Broker for tests and development) and `rocketmq-rx/protocol`
 * (frames, codecs, remoting client/server and route parsing, for tools built on the wire protocol).
 *
 * @example
 * ```ts
 * import { Producer } from 'rocketmq-rx';
 *
 * const producer = new Producer({ producerGroup: 'PG', namesrvAddr: '127.0.0.1:9876' });
 * await producer.start();
 * const result = await producer.send({ topic: 'TopicTest', tags: 'TagA', body: 'Hello' });
 * await producer.shutdown();
 * ```
 *
 * ## By purpose
 *
 * - **Sending**: {@link Producer}, {@link ProducerOptions} (defaults in {@link DEFAULTS}, validated by
 *   {@link resolveOptions}), {@link SendOptions}, {@link SendCallback}, {@link Message}, {@link SendResult},
 *   {@link SendStatus}, {@link MessageQueue}, {@link ProducerState}.
 * - **Retries and fault tolerance**: {@link DEFAULT_RETRY_RESPONSE_CODES}, {@link LATENCY_TABLES_5},
 *   {@link LATENCY_TABLES_4_9}.
 * - **Ordered sends**: {@link selectByHash}, {@link selectByRandom}, {@link MessageQueueSelector}.
 * - **Streams**: {@link Producer.publish} with {@link PublishOptions}, {@link pullFrom}, {@link PublishOutcome},
 *   {@link PUBLISH_DEFAULTS}; batches with {@link Producer.sendBatch}.
 * - **Bodies**: {@link decodeBody}, {@link decompressBody}, {@link MSGPACK_CONTENT_TYPE}, {@link MessageConst}.
 * - **Errors**: {@link RocketMQError} and its subclasses; the stable codes in {@link MessageErrorCode},
 *   {@link RouteErrorCode}, {@link BatchErrorCode}; a broker's {@link ResponseCode}.
 * - **Hooks**: {@link CheckForbiddenHook}, {@link SendMessageHook}, {@link RPCHook}, {@link MessageType}.
 * - **Diagnostics**: {@link sendChannel}, {@link hookErrorChannel}, {@link callbackErrorChannel},
 *   {@link Producer.events$}.
 *
 * @packageDocumentation
 * @module rocketmq-rx
 */

// --- The producer, its options and lifecycle --------------------------------------------------------------------
export { Producer } from './producer/producer.js';
export type { SendOptions, SendCallback, RequestOptions } from './producer/send-options.js';
export type { SendMode } from './producer/hooks.js';
export type { ProducerState } from './producer/operators/validate.js';
export {
  DEFAULTS,
  DEFAULT_RETRY_RESPONSE_CODES,
  LATENCY_TABLES_5,
  LATENCY_TABLES_4_9,
  resolveOptions,
} from './producer/config.js';
export type { ProducerOptions, ResolvedProducerOptions, SerializeTypeName } from './producer/config.js';

// --- Transactional messages -------------------------------------------------------------------------------------
export { LocalTransactionState } from './transaction/transaction-listener.js';
export type { TransactionListener, TransactionSendResult } from './transaction/transaction-listener.js';
export type { MessageExt } from './message/message-ext.js';

// --- Request/reply ----------------------------------------------------------------------------------------------
export { createReplyMessage, REPLY_TOPIC_SUFFIX } from './request-reply/reply-message.js';
export type { ReplyMessage, RequestMessageLike } from './request-reply/reply-message.js';

// --- Messages and send results ----------------------------------------------------------------------------------
export { SendStatus } from './message/message.js';
export type { Message, MessageQueue, SendResult } from './message/message.js';
export { MessageConst } from './message/properties.js';

// --- Message bodies ---------------------------------------------------------------------------------------------
export { decodeBody, MSGPACK_CONTENT_TYPE, CONTENT_TYPE_PROPERTY } from './message/body-codec.js';
export { decompressBody, COMPRESSION_TYPES, DEFAULT_MAX_DECOMPRESSED_SIZE } from './message/compression.js';
export type { CompressionType, DecompressOptions } from './message/compression.js';

// --- Errors and their stable codes ------------------------------------------------------------------------------
export {
  RocketMQError,
  RemotingError,
  RemotingConnectError,
  RemotingSendRequestError,
  RemotingTimeoutError,
  RemotingTooMuchRequestError,
  RemotingProtocolError,
  MQClientError,
  MQBrokerError,
  MQAclError,
  InvalidOptionError,
} from './errors.js';
export type { RocketMQErrorOptions } from './errors.js';
export { MissingCompressionPackageError } from './message/optional-package.js';
export { MessageErrorCode } from './message/error-codes.js';
export type { MessageErrorCodeValue } from './message/error-codes.js';
export { RouteErrorCode } from './route/route-errors.js';
export { BatchErrorCode, BatchMessageError } from './producer/batch/batch-message.js';
export type { BatchErrorCodeValue } from './producer/batch/batch-message.js';
// The broker's answer codes, as `MQBrokerError.responseCode` carries them and `retryResponseCodes` takes them.
export { ResponseCode } from './remoting/response-code.js';

// --- Ordered sends: queue selectors -----------------------------------------------------------------------------
export { selectByHash, selectByRandom } from './producer/queue-selector.js';
export type { MessageQueueSelector } from './producer/queue-selector.js';

// --- Publishing streams -----------------------------------------------------------------------------------------
export { pullFrom } from './producer/publish/pull-source.js';
export type { PullInput } from './producer/publish/pull-source.js';
export { PUBLISH_DEFAULTS } from './producer/publish/publish.js';
export type {
  PublishOptions,
  PublishBatchOptions,
  PublishOutcome,
  PublishSuccess,
  PublishFailure,
} from './producer/publish/publish.js';

// --- Hooks ------------------------------------------------------------------------------------------------------
export { MessageType } from './producer/hooks.js';
export type {
  MessageTypeValue,
  OutgoingMessage,
  CheckForbiddenHook,
  CheckForbiddenContext,
  SendMessageHook,
  SendMessageContext,
} from './producer/hooks.js';
// `rpcHooks` (e.g. request signing) see every remoting command of the client instance.
export type { RPCHook } from './remoting/remoting-client.js';
export type { RemotingCommand } from './remoting/remoting-command.js';

// --- Secured clusters: ACL credentials and TLS ------------------------------------------------------------------
export type { Credentials, CredentialsSource } from './security/credentials.js';
export type { TlsOption } from './security/tls-options.js';
export { Redacted } from './security/redacted.js';

// --- Diagnostics channels ---------------------------------------------------------------------------------------
export { sendChannel, hookErrorChannel, callbackErrorChannel, credentialsErrorChannel } from './producer/diagnostics.js';
export type {
  SendEvent,
  HookErrorEvent,
  CallbackErrorEvent,
  CredentialsErrorEvent,
  ProducerEvent,
  ProducerEventSource,
} from './producer/diagnostics.js';
export { heartbeatChannel } from './producer/diagnostics.js';
export type { HeartbeatEvent } from './producer/diagnostics.js';
export { remotingConnectChannel, remotingCloseChannel, remotingRequestChannel, remotingTimeoutChannel } from './remoting/diagnostics.js';
export type { RemotingConnectEvent, RemotingCloseEvent, RemotingRequestEvent, RemotingTimeoutEvent } from './remoting/diagnostics.js';
export { routeRefreshChannel } from './route/diagnostics.js';
export type { RouteRefreshEvent } from './route/diagnostics.js';

// --- Observability: OpenTelemetry, message trace, logger, metrics() ---------------------------------------------
export type { TelemetryOptions, TracerProviderLike, MeterProviderLike } from './telemetry/otel.js';
export { SendMetricNames, INSTRUMENTATION_SCOPE } from './telemetry/send-telemetry.js';
export type { RocketMQMessageKind } from './telemetry/send-telemetry.js';
export type { Logger, LogFn } from './logger.js';
export type { ProducerMetrics, BrokerFaultState } from './producer/producer-metrics.js';
export type { BrokerLatency } from './producer/broker-latency.js';
export type { PermitStats } from './remoting/remoting-client.js';
export type { RouteAge } from './route/route-cache.js';
export { TraceDispatcherDefaults } from './trace/async-trace-dispatcher.js';
export { RMQ_SYS_TRACE_TOPIC } from './trace/trace-data-encoder.js';
export type { TraceDispatcherStats } from './trace/async-trace-dispatcher.js';
export {
  localTransactionChannel,
  transactionCheckChannel,
  transactionCheckDroppedChannel,
  endTransactionFailedChannel,
} from './transaction/diagnostics.js';
export type {
  TransactionEventSource,
  LocalTransactionEvent,
  TransactionCheckEvent,
  TransactionCheckDroppedEvent,
  EndTransactionFailedEvent,
} from './transaction/diagnostics.js';
export { requestSettledChannel, replyDroppedChannel } from './request-reply/diagnostics.js';
export type { RequestSettledEvent, ReplyDroppedEvent } from './request-reply/diagnostics.js';
