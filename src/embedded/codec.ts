/**
 * The codecs the embedded broker borrows from the rest of the library (properties, batch bodies, stored-message
 * records, offset message ids, route JSON), gathered in one place so the broker code has one seam to them.
 * @internal
 */
export { decodeProperties, encodeProperties, encodePropertiesJavaOrder, javaHashMapOrder } from '../message/properties.js';
export { decodeBatchBody } from '../message/batch.js';
export {
  encodeStoredMessage,
  encodeStoredRecord,
  decodeStoredMessage,
  recordHostOf,
  recordPropertiesLength,
  recordTopicOf,
  storedRecordSize,
  StoredBatchWriter,
  writeStoredRecord,
  type RecordHost,
  type RecordTopic,
  type RecordValues,
  zeroRecordValues,
} from '../message/stored-message.js';
export { parseSocketAddress, type SocketAddressBytes } from '../message/inet-address.js';
export { createOffsetMessageId, createUniqueId } from '../message/message-id.js';
export { decompressBody } from '../message/compression.js';

export { serializeTopicRouteData } from '../route/topic-route.js';
export type { BrokerData, QueueData, TopicRouteData } from '../route/topic-route.js';
