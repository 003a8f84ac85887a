/**
 * The codecs the embedded broker borrows from the rest of the library (properties, batch bodies, stored-message
 * records, offset message ids, route JSON), gathered in one place so the broker code has one seam to them.
 * @internal
 */
export { decodeProperties, encodeProperties } from '../message/properties.js';
export { decodeBatchBody } from '../message/batch.js';
export { encodeStoredMessage, decodeStoredMessage } from '../message/stored-message.js';
export { createOffsetMessageId, createUniqueId } from '../message/message-id.js';
export { decompressBody } from '../message/compression.js';

// TEMPORARY until src/route lands on main; replaced by a re-export of serializeTopicRouteData at merge time.

export interface QueueData {
  brokerName: string;
  readQueueNums: number;
  writeQueueNums: number;
  perm: number;
  topicSysFlag: number;
}
export interface BrokerData {
  cluster: string;
  brokerName: string;
  brokerAddrs: Record<string, string>;
  enableActingMaster?: boolean;
}
export interface TopicRouteData {
  orderTopicConf?: string | null;
  queueDatas: QueueData[];
  brokerDatas: BrokerData[];
  filterServerTable: Record<string, string[]>;
}

export function serializeTopicRouteData(route: TopicRouteData, options: { legacy?: boolean } = {}): string {
  const brokers = route.brokerDatas
    .map((b) => {
      const ids = Object.keys(b.brokerAddrs).sort((x, y) => Number(x) - Number(y));
      const addrs = ids.map((id) => (options.legacy ? id : JSON.stringify(id)) + ':' + JSON.stringify(b.brokerAddrs[id])).join(',');
      const acting = b.enableActingMaster === undefined ? '' : `,"enableActingMaster":${b.enableActingMaster}`;
      return `{"brokerAddrs":{${addrs}},"brokerName":${JSON.stringify(b.brokerName)},"cluster":${JSON.stringify(b.cluster)}${acting}}`;
    })
    .join(',');
  const queues = route.queueDatas
    .map((q) => `{"brokerName":${JSON.stringify(q.brokerName)},"perm":${q.perm},"readQueueNums":${q.readQueueNums},"topicSysFlag":${q.topicSysFlag},"writeQueueNums":${q.writeQueueNums}}`)
    .join(',');
  const order = route.orderTopicConf ? `"orderTopicConf":${JSON.stringify(route.orderTopicConf)},` : '';
  return `{"brokerDatas":[${brokers}],"filterServerTable":{},${order}"queueDatas":[${queues}]}`;
}

