/**
 * rocketmq-rx: an embeddable Apache RocketMQ producer for Node.js, built on RxJS.
 *
 * This is the only public entry point (plus `rocketmq-rx/embedded`); everything exported here is documented API.
 */
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
  InvalidOptionError,
} from './errors.js';
export type { RocketMQErrorOptions } from './errors.js';
export {
  SerializeType,
  LanguageCode,
  CLIENT_VERSION,
  RPC_ONEWAY,
  RPC_TYPE_RESPONSE,
  createRequest,
  createResponse,
  isOneway,
  isResponse,
  nextOpaque,
} from './remoting/remoting-command.js';
export type {
  RemotingCommand,
  SerializeTypeValue,
  CreateRequestOptions,
  CreateResponseOptions,
} from './remoting/remoting-command.js';
export { RequestCode, requestCodeName } from './remoting/request-code.js';
export { ResponseCode, responseCodeName } from './remoting/response-code.js';
export { encodeFrame, encodeFrameHead, decodeFrame, decodeFramePayload, DEFAULT_MAX_FRAME_BYTES } from './remoting/frame-codec.js';
export { FrameDecoder } from './remoting/frame-decoder.js';
export { SendStatus } from './message/message.js';
export type { Message, MessageQueue, SendResult } from './message/message.js';
export { MessageConst, decodeProperties, encodeProperties } from './message/properties.js';
export { decodeOffsetMessageId } from './message/message-id.js';
export type { OffsetMessageId } from './message/message-id.js';
export { decodeBody, MSGPACK_CONTENT_TYPE, CONTENT_TYPE_PROPERTY } from './message/body-codec.js';
export { decompressBody, SysFlag } from './message/compression.js';
export { MessageErrorCode } from './message/error-codes.js';
export type { MessageErrorCodeValue } from './message/error-codes.js';
export { Connection, parseAddress } from './remoting/connection.js';
export type { ConnectionOptions, ConnectionState, ConnectionClosed } from './remoting/connection.js';
export { RemotingServer } from './remoting/remoting-server.js';
export type { RemotingServerOptions, ServerConnection, RequestHandler } from './remoting/remoting-server.js';
export { RemotingClient } from './remoting/remoting-client.js';
export type { RemotingClientOptions, InvokeOptions, RPCHook, ServerRequest } from './remoting/remoting-client.js';
export {
  parseTopicRouteData,
  serializeTopicRouteData,
  PermName,
  isWriteable,
  ROUTE_PARSE_ERROR_CODE,
} from './route/topic-route.js';
export type { TopicRouteData, QueueData, BrokerData, SerializeTopicRouteOptions } from './route/topic-route.js';
export { messageQueueKey, isSameMessageQueue, compareMessageQueues } from './route/message-queue.js';
export {
  topicRouteToPublishInfo,
  deriveFromDefaultTopicRoute,
  masterAddress,
  hasSendQueues,
  writeQueueNumsOf,
  MASTER_ID,
} from './route/topic-publish-info.js';
export type { TopicPublishInfo, PublishInfoOptions } from './route/topic-publish-info.js';
export { SendQueueIndex } from './route/send-queue-index.js';
export { RouteErrorCode } from './route/route-errors.js';
export { NameServerClient, parseNamesrvAddr } from './route/name-server-client.js';
export type { NameServerClientOptions, NameServerRetryOptions, RouteTransport } from './route/name-server-client.js';
export { RouteCache } from './route/route-cache.js';
export type { RouteCacheOptions, TopicRouteSource } from './route/route-cache.js';
export { LatencyFaultTolerance } from './producer/fault/latency-fault-tolerance.js';
export type { LatencyFaultToleranceOptions, FaultItem } from './producer/fault/latency-fault-tolerance.js';
export { MQFaultStrategy, FaultTolerancePresets } from './producer/fault/mq-fault-strategy.js';
export type { MQFaultStrategyOptions, FaultTables } from './producer/fault/mq-fault-strategy.js';
export { EmbeddedCluster, EmbeddedBroker, EmbeddedNameServer } from './embedded/index.js';
export type { EmbeddedClusterOptions, StoredMessage, SpawnedCluster } from './embedded/index.js';
export { Producer } from './producer/producer.js';
export type { SendOptions, SendCallback } from './producer/producer.js';
export {
  DEFAULTS,
  DEFAULT_RETRY_RESPONSE_CODES,
  LATENCY_TABLES_5,
  LATENCY_TABLES_4_9,
  resolveOptions,
} from './producer/config.js';
export type { ProducerOptions, ResolvedProducerOptions } from './producer/config.js';
export { MessageType } from './producer/hooks.js';
export type {
  SendMode,
  MessageTypeValue,
  OutgoingMessage,
  CheckForbiddenHook,
  CheckForbiddenContext,
  SendMessageHook,
  SendMessageContext,
} from './producer/hooks.js';
export type { ProducerState } from './producer/operators/validate.js';
export { hookErrorChannel, sendChannel, callbackErrorChannel } from './producer/diagnostics.js';
export type {
  HookErrorEvent,
  SendEvent,
  CallbackErrorEvent,
  ProducerEvent,
  ProducerEventSource,
} from './producer/diagnostics.js';
export type { MessageQueueSelector } from './producer/queue-selector.js';
export { selectByHash, selectByRandom, javaHashCode, javaStringHashCode } from './producer/queue-selector.js';
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
export { BatchErrorCode, BatchMessageError } from './producer/batch/batch-message.js';
export type { BatchErrorCodeValue } from './producer/batch/batch-message.js';
export type { Logger, LogFn } from './logger.js';
export type { ProducerMetrics, BrokerFaultState } from './producer/producer.js';
export type { BrokerLatency } from './producer/broker-latency.js';
export type { PermitStats } from './remoting/remoting-client.js';
export type { RouteAge } from './route/route-cache.js';
export type { TelemetryOptions, TracerProviderLike, MeterProviderLike } from './telemetry/otel.js';
export { SendMetricNames, INSTRUMENTATION_SCOPE } from './telemetry/send-telemetry.js';
export type { RocketMQMessageKind } from './telemetry/send-telemetry.js';
export { heartbeatChannel } from './producer/diagnostics.js';
export type { HeartbeatEvent } from './producer/diagnostics.js';
export { remotingConnectChannel, remotingCloseChannel, remotingRequestChannel, remotingTimeoutChannel } from './remoting/diagnostics.js';
export type { RemotingConnectEvent, RemotingCloseEvent, RemotingRequestEvent, RemotingTimeoutEvent } from './remoting/diagnostics.js';
export { routeRefreshChannel } from './route/diagnostics.js';
export type { RouteRefreshEvent } from './route/diagnostics.js';
export {
  encodePubRecord,
  decodeTraceData,
  CONTENT_SPLITOR,
  FIELD_SPLITOR,
  RMQ_SYS_TRACE_TOPIC,
  TraceMessageType,
} from './trace/trace-data-encoder.js';
export type { PubTraceRecord, TraceTransfer, DecodedTraceRecord } from './trace/trace-data-encoder.js';
export { TraceDispatcherDefaults } from './trace/async-trace-dispatcher.js';
export type { TraceDispatcherStats } from './trace/async-trace-dispatcher.js';
