/**
 * rocketmq-rx/protocol: the RocketMQ remoting protocol as building blocks, for tools that speak it directly (probes,
 * proxies, test brokers, admin scripts). Applications that only send messages need the main `rocketmq-rx` entry.
 *
 * @example
 * ```ts
 * import { RemotingClient, RequestCode, ResponseCode, createRequest, parseTopicRouteData } from 'rocketmq-rx/protocol';
 *
 * const client = new RemotingClient();
 * const response = await client.invoke('127.0.0.1:9876', createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic: 'TopicTest' }), 3000);
 * if (response.code === ResponseCode.SUCCESS && response.body) console.log(parseTopicRouteData(response.body).brokerDatas);
 * await client.close();
 * ```
 *
 * ## By purpose
 *
 * - **Commands**: {@link RemotingCommand}, {@link createRequest}, {@link createResponse}, {@link RequestCode},
 *   {@link ResponseCode}, {@link SerializeType}, {@link LanguageCode}.
 * - **Frames**: {@link encodeFrame}, {@link decodeFrame}, {@link decodeFramePayload}, {@link FrameDecoder} (a byte
 *   stream split anywhere).
 * - **Transport**: {@link RemotingClient} (with {@link RPCHook}s), {@link RemotingServer}, {@link Connection}.
 * - **Message encoding**: {@link encodeProperties} / {@link decodeProperties}, {@link MessageConst}, {@link SysFlag},
 *   {@link encodeBatchBody} / {@link decodeBatchBody}, {@link encodeStoredMessage} / {@link decodeStoredMessage},
 *   {@link createUniqueId}, {@link createOffsetMessageId} / {@link decodeOffsetMessageId}.
 * - **Routes**: {@link parseTopicRouteData}, {@link serializeTopicRouteData}, {@link topicRouteToPublishInfo},
 *   {@link NameServerClient}, {@link RouteCache}, {@link SendQueueIndex}.
 * - **Queue choice**: {@link MQFaultStrategy}, {@link LatencyFaultTolerance}, {@link FaultTolerancePresets},
 *   {@link javaHashCode} (Java's `hashCode`, as `selectByHash` uses it).
 *
 * @packageDocumentation
 * @module rocketmq-rx/protocol
 */

// --- Remoting commands ------------------------------------------------------------------------------------------
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
  JsonFieldPieces,
  SerializeTypeValue,
  CreateRequestOptions,
  CreateResponseOptions,
} from './remoting/remoting-command.js';
export { RequestCode, requestCodeName } from './remoting/request-code.js';
export { ResponseCode, responseCodeName } from './remoting/response-code.js';

// --- Frames -----------------------------------------------------------------------------------------------------
export { encodeFrame, encodeFrameHead, decodeFrame, decodeFramePayload, DEFAULT_MAX_FRAME_BYTES } from './remoting/frame-codec.js';
export { FrameDecoder } from './remoting/frame-decoder.js';

// --- Connections, client and server -----------------------------------------------------------------------------
export { Connection, parseAddress } from './remoting/connection.js';
export type { ConnectionOptions, ConnectionState, ConnectionClosed } from './remoting/connection.js';
export { RemotingClient } from './remoting/remoting-client.js';
export type { RemotingClientOptions, InvokeOptions, RPCHook, ServerRequest, ServerRequestHandler } from './remoting/remoting-client.js';
export type { BodyLease } from './remoting/body-lease.js';
export type { ResponseObserver } from './remoting/response-observer.js';
export { RemotingServer } from './remoting/remoting-server.js';
export type { RemotingServerOptions, RemotingServerTls, ServerConnection, RequestHandler } from './remoting/remoting-server.js';

// --- ACL 1.0 request signing ------------------------------------------------------------------------------------
export { AclSigningHook, aclSignature, ACCESS_KEY_FIELD, SIGNATURE_FIELD, SECURITY_TOKEN_FIELD } from './security/acl-signer.js';
export type { CredentialsSupplier } from './security/acl-signer.js';
export { aclRefusalReason } from './security/acl-refusal.js';

// --- Message encoding: properties, flags, ids, batch bodies, stored records -------------------------------------
export { MessageConst, decodeProperties, encodeProperties, encodePropertiesJavaOrder, javaHashMapOrder } from './message/properties.js';
export type { EncodePropertiesOptions } from './message/properties.js';
export { SysFlag, compressionSysFlag } from './message/compression.js';
export { createUniqueId, createOffsetMessageId, decodeOffsetMessageId } from './message/message-id.js';
export type { OffsetMessageId } from './message/message-id.js';
export { encodeBatchBody, decodeBatchBody } from './message/batch.js';
export type { BatchRecord, DecodedBatchRecord } from './message/batch.js';
export {
  encodeStoredMessage,
  decodeStoredMessage,
  decodeStoredMessages,
  messageBodyCrc,
  MESSAGE_MAGIC_CODE_V1,
  MESSAGE_MAGIC_CODE_V2,
  BLANK_MAGIC_CODE,
} from './message/stored-message.js';
export type { StoredMessageFields, DecodedStoredMessage } from './message/stored-message.js';
export { decodeMessageExt } from './message/message-ext.js';
export type { MessageExt } from './message/message-ext.js';

// --- Routes -----------------------------------------------------------------------------------------------------
export {
  parseTopicRouteData,
  serializeTopicRouteData,
  PermName,
  isWriteable,
  ROUTE_PARSE_ERROR_CODE,
  MAX_ROUTE_QUEUES,
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
export { NameServerClient, parseNamesrvAddr } from './route/name-server-client.js';
export type { NameServerClientOptions, NameServerRetryOptions, RouteTransport } from './route/name-server-client.js';
export { RouteCache } from './route/route-cache.js';
export type { RouteCacheOptions, TopicRouteSource } from './route/route-cache.js';

// --- Queue choice: fault tolerance and the Java hash ------------------------------------------------------------
export { LatencyFaultTolerance } from './producer/fault/latency-fault-tolerance.js';
export type { LatencyFaultToleranceOptions, FaultItem } from './producer/fault/latency-fault-tolerance.js';
export { MQFaultStrategy, FaultTolerancePresets } from './producer/fault/mq-fault-strategy.js';
export type { MQFaultStrategyOptions, FaultTables } from './producer/fault/mq-fault-strategy.js';
export { javaHashCode, javaStringHashCode } from './producer/queue-selector.js';

// --- RocketMQ message trace records (Java TraceDataEncoder) ----------------------------------------------------
export { encodePubRecord, decodeTraceData, CONTENT_SPLITOR, FIELD_SPLITOR, TraceMessageType } from './trace/trace-data-encoder.js';
export type { PubTraceRecord, TraceTransfer, DecodedTraceRecord } from './trace/trace-data-encoder.js';
