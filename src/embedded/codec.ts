/**
 * The codecs the embedded broker borrows from the rest of the library (properties, batch bodies, stored-message
 * records, offset message ids, route JSON), gathered in one place so the broker code has one seam to them.
 * @internal
 */
import { crc32, inflateSync } from 'node:zlib';

// TEMPORARY until src/message and src/route land on main; replaced by re-exports at merge time.

/** Java `MessageDecoder.string2messageProperties`. */
export function decodeProperties(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  const len = text.length;
  let i = 0;
  while (i < len) {
    let n = text.indexOf('\x02', i);
    if (n < 0) n = len;
    if (n - i >= 3) {
      const k = text.indexOf('\x01', i);
      if (k > i && k < n - 1) map[text.slice(i, k)] = text.slice(k + 1, n);
    }
    i = n + 1;
  }
  return map;
}

/** 4.9-style properties string (no trailing separator). */
export function encodeProperties(map: Record<string, string>): string {
  let text = '';
  for (const key in map) {
    const value = map[key];
    if (value === undefined) continue;
    text += (text.length > 0 ? '\x02' : '') + key + '\x01' + value;
  }
  return text;
}

export interface BatchRecord {
  body: Buffer;
  flag: number;
  properties: string;
}

export function decodeBatchBody(body: Buffer): BatchRecord[] {
  const records: BatchRecord[] = [];
  let pos = 0;
  while (pos < body.length) {
    if (body.length - pos < 20) throw new Error('truncated batch record');
    const total = body.readInt32BE(pos);
    const flag = body.readInt32BE(pos + 12);
    const bodyLength = body.readInt32BE(pos + 16);
    if (bodyLength < 0 || pos + 20 + bodyLength + 2 > body.length) throw new Error('bad batch body length');
    const recordBody = body.subarray(pos + 20, pos + 20 + bodyLength);
    const propsLength = body.readInt16BE(pos + 20 + bodyLength);
    const propsStart = pos + 22 + bodyLength;
    if (propsLength < 0 || propsStart + propsLength > body.length) throw new Error('bad batch properties length');
    if (total !== 22 + bodyLength + propsLength) throw new Error('bad batch record size');
    records.push({ body: recordBody, flag, properties: body.toString('utf8', propsStart, propsStart + propsLength) });
    pos = propsStart + propsLength;
  }
  return records;
}

export interface StoredMessageFields {
  queueId: number;
  flag: number;
  queueOffset: bigint;
  commitLogOffset: bigint;
  sysFlag: number;
  bornTimestamp: bigint;
  bornHost: string;
  storeTimestamp: bigint;
  storeHost: string;
  reconsumeTimes: number;
  preparedTransactionOffset: bigint;
  body: Buffer;
  topic: string;
  properties: string;
}

function writeHost(buf: Buffer, pos: number, host: string): number {
  const at = host.lastIndexOf(':');
  const parts = host.slice(0, at).split('.').map(Number);
  for (let i = 0; i < 4; i++) buf.writeUInt8(parts[i] ?? 0, pos + i);
  buf.writeInt32BE(Number(host.slice(at + 1)), pos + 4);
  return pos + 8;
}

function readHost(buf: Buffer, pos: number): string {
  return `${buf[pos]}.${buf[pos + 1]}.${buf[pos + 2]}.${buf[pos + 3]}:${buf.readInt32BE(pos + 4)}`;
}

export function encodeStoredMessage(m: StoredMessageFields): Buffer {
  const topic = Buffer.from(m.topic);
  const props = Buffer.from(m.properties);
  const size = 4 + 4 + 4 + 4 + 4 + 8 + 8 + 4 + 8 + 8 + 8 + 8 + 4 + 8 + 4 + m.body.length + 1 + topic.length + 2 + props.length;
  const buf = Buffer.allocUnsafe(size);
  let p = 0;
  p = buf.writeInt32BE(size, p);
  p = buf.writeInt32BE(-626843481, p);
  p = buf.writeInt32BE((crc32(m.body) & 0x7fffffff) | 0, p);
  p = buf.writeInt32BE(m.queueId, p);
  p = buf.writeInt32BE(m.flag, p);
  p = buf.writeBigInt64BE(m.queueOffset, p);
  p = buf.writeBigInt64BE(m.commitLogOffset, p);
  p = buf.writeInt32BE(m.sysFlag, p);
  p = buf.writeBigInt64BE(m.bornTimestamp, p);
  p = writeHost(buf, p, m.bornHost);
  p = buf.writeBigInt64BE(m.storeTimestamp, p);
  p = writeHost(buf, p, m.storeHost);
  p = buf.writeInt32BE(m.reconsumeTimes, p);
  p = buf.writeBigInt64BE(m.preparedTransactionOffset, p);
  p = buf.writeInt32BE(m.body.length, p);
  p += m.body.copy(buf, p);
  p = buf.writeUInt8(topic.length, p);
  p += topic.copy(buf, p);
  p = buf.writeInt16BE(props.length, p);
  props.copy(buf, p);
  return buf;
}

export function decodeStoredMessage(buf: Buffer): StoredMessageFields {
  let p = 12;
  const queueId = buf.readInt32BE(p);
  const flag = buf.readInt32BE(p + 4);
  const queueOffset = buf.readBigInt64BE(p + 8);
  const commitLogOffset = buf.readBigInt64BE(p + 16);
  const sysFlag = buf.readInt32BE(p + 24);
  const bornTimestamp = buf.readBigInt64BE(p + 28);
  const bornHost = readHost(buf, p + 36);
  const storeTimestamp = buf.readBigInt64BE(p + 44);
  const storeHost = readHost(buf, p + 52);
  const reconsumeTimes = buf.readInt32BE(p + 60);
  const preparedTransactionOffset = buf.readBigInt64BE(p + 64);
  p += 72;
  const bodyLength = buf.readInt32BE(p);
  const body = buf.subarray(p + 4, p + 4 + bodyLength);
  p += 4 + bodyLength;
  const topicLength = buf.readUInt8(p);
  const topic = buf.toString('utf8', p + 1, p + 1 + topicLength);
  p += 1 + topicLength;
  const propsLength = buf.readInt16BE(p);
  const properties = buf.toString('utf8', p + 2, p + 2 + propsLength);
  return {
    queueId, flag, queueOffset, commitLogOffset, sysFlag, bornTimestamp, bornHost, storeTimestamp, storeHost,
    reconsumeTimes, preparedTransactionOffset, body, topic, properties,
  };
}

export function createOffsetMessageId(storeHost: string, commitLogOffset: bigint): string {
  const buf = Buffer.allocUnsafe(16);
  writeHost(buf, 0, storeHost);
  buf.writeBigInt64BE(commitLogOffset, 8);
  return buf.toString('hex').toUpperCase();
}

export function decompressBody(body: Buffer): Buffer {
  return inflateSync(body);
}

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

let uniqueCounter = 0;
export function createUniqueId(): string {
  const buf = Buffer.alloc(16);
  buf.writeUInt32BE(0x7f000001, 0);
  buf.writeUInt16BE(process.pid & 0xffff, 4);
  buf.writeUInt32BE(0x1b6d3586, 6);
  buf.writeUInt32BE(Date.now() % 0x7fffffff, 10);
  buf.writeUInt16BE(uniqueCounter++ & 0xffff, 14);
  return buf.toString('hex').toUpperCase();
}
