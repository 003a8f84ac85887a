/**
 * `TopicRouteData`: the NameServer's answer to GET_ROUTEINFO_BY_TOPIC (spec §7.3), its parser (both the standard
 * JSON and the legacy fastjson form with unquoted integer map keys) and its serializer (what the Java NameServer
 * writes, used by the embedded NameServer).
 */
import { MQClientError } from '../errors.js';

/** Error `code` of {@link parseTopicRouteData} when the body is not a route. */
export const ROUTE_PARSE_ERROR_CODE = 'RMQ_ERR_ROUTE_PARSE';

/**
 * Most queues a route may declare (the sum of its `writeQueueNums`, and each `readQueueNums`; also the sum of an
 * `orderTopicConf`). The counts are numbers with no bytes behind them, so a hostile or broken NameServer could make
 * a publish info of billions of queues out of a few bytes; real topics have a few hundred at most. Java has no
 * limit.
 */
export const MAX_ROUTE_QUEUES = 65536;

/** The queues one broker serves for a topic (Java `QueueData`). */
export interface QueueData {
  /** Name of the broker (group) holding the queues. */
  brokerName: string;
  /** Number of readable queues. */
  readQueueNums: number;
  /** Number of writable queues; sends use queue ids `0 … writeQueueNums − 1`. */
  writeQueueNums: number;
  /** `PermName` bits: 8 priority, 4 read, 2 write, 1 inherit. */
  perm: number;
  /** Bit 0 unit, bit 1 unit-sub. */
  topicSysFlag: number;
}

/** One broker group and the addresses of its members (Java `BrokerData`). */
export interface BrokerData {
  /** Cluster name. */
  cluster: string;
  /** Broker (group) name. */
  brokerName: string;
  /** Broker id (decimal string, as in the JSON) → `"ip:port"`; id `"0"` is the master, ≥ 1 are slaves. */
  brokerAddrs: Record<string, string>;
  /** [5.x] Whether a slave may act as master; absent in 4.9 routes. */
  enableActingMaster?: boolean;
  /** [5.x] Zone of the broker; absent when null. */
  zoneName?: string;
}

/** The route of one topic as the NameServer returns it (Java `TopicRouteData`). */
export interface TopicRouteData {
  /** `"brokerA:4;brokerB:4"` for ordered topics; absent otherwise. */
  orderTopicConf?: string;
  /** Queues per broker. */
  queueDatas: QueueData[];
  /** Brokers serving the topic. */
  brokerDatas: BrokerData[];
  /** Broker address → filter server addresses; normally empty. */
  filterServerTable: Record<string, string[]>;
  /** [5.x] Static-topic mapping, kept as parsed (a producer that ignores static topics ignores it). */
  topicQueueMappingByBroker?: Record<string, unknown>;
}

/** Options of {@link serializeTopicRouteData}. */
export interface SerializeTopicRouteOptions {
  /**
   * Write fastjson's default form (integer map keys unquoted, non-ASCII raw), as NameServers older than 4.9.4 do and
   * newer ones do for requests with `version < 401`.
   * @defaultValue false
   */
  legacy?: boolean;
}

function parseError(message: string, cause?: unknown): MQClientError {
  return new MQClientError(`Invalid topic route data: ${message}`, -1, {
    code: ROUTE_PARSE_ERROR_CODE,
    ...(cause === undefined ? {} : { cause }),
  });
}

const CH_QUOTE = 0x22;
const CH_BACKSLASH = 0x5c;
const CH_MINUS = 0x2d;
const CH_0 = 0x30;
const CH_9 = 0x39;
const CH_COLON = 0x3a;

function isDigit(c: number): boolean {
  return c >= CH_0 && c <= CH_9;
}

/** Characters that may continue a JSON number token (`.`, digits, exponent, sign). */
function isNumberChar(c: number): boolean {
  return isDigit(c) || c === 0x2e || c === 0x65 || c === 0x45 || c === 0x2b || c === CH_MINUS;
}

function isJsonWhitespace(c: number): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/**
 * Quotes bare integer object keys (`{0:"a"}` → `{"0":"a"}`) so the legacy fastjson form becomes JSON. Walks the text
 * once, tracking string literals (with `\` escapes), so `:` and digits inside strings — `orderTopicConf` values,
 * addresses — are never touched. Returns the input itself when there is nothing to quote.
 * @internal
 */
export function quoteIntegerKeys(text: string): string {
  let parts: string[] | null = null;
  let copiedUpTo = 0;
  const length = text.length;
  let i = 0;
  while (i < length) {
    const c = text.charCodeAt(i);
    if (c === CH_QUOTE) {
      i++;
      while (i < length) {
        const s = text.charCodeAt(i);
        if (s === CH_BACKSLASH) i += 2;
        else if (s === CH_QUOTE) break;
        else i++;
      }
      i++;
      continue;
    }
    if (c === CH_MINUS || isDigit(c)) {
      const start = i;
      let j = c === CH_MINUS ? i + 1 : i;
      const digitsStart = j;
      while (j < length && isDigit(text.charCodeAt(j))) j++;
      const isInteger = j > digitsStart;
      // The whole number token, so that `1.5e3` is skipped as one value.
      let end = j;
      while (end < length && isNumberChar(text.charCodeAt(end))) end++;
      if (isInteger && end === j) {
        let k = j;
        while (k < length && isJsonWhitespace(text.charCodeAt(k))) k++;
        if (k < length && text.charCodeAt(k) === CH_COLON) {
          parts ??= [];
          parts.push(text.slice(copiedUpTo, start), '"', text.slice(start, j), '"');
          copiedUpTo = j;
        }
      }
      i = end;
      continue;
    }
    i++;
  }
  if (parts === null) return text;
  parts.push(text.slice(copiedUpTo));
  return parts.join('');
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function requireString(owner: Record<string, unknown>, key: string, where: string): string {
  const value = owner[key];
  if (typeof value !== 'string') throw parseError(`${where}.${key} is not a string`);
  return value;
}

function requireInt(owner: Record<string, unknown>, key: string, where: string): number {
  const value = owner[key];
  if (typeof value !== 'number' || !Number.isInteger(value)) throw parseError(`${where}.${key} is not an integer`);
  return value;
}

function requireQueueCount(owner: Record<string, unknown>, key: string, where: string): number {
  const count = requireInt(owner, key, where);
  if (count > MAX_ROUTE_QUEUES) throw parseError(`${where}.${key} is ${count}, more than ${MAX_ROUTE_QUEUES} queues`);
  return count;
}

function toQueueData(value: unknown, index: number): QueueData {
  const where = `queueDatas[${index}]`;
  if (!isPlainObject(value)) throw parseError(`${where} is not an object`);
  return {
    brokerName: requireString(value, 'brokerName', where),
    readQueueNums: requireQueueCount(value, 'readQueueNums', where),
    writeQueueNums: requireQueueCount(value, 'writeQueueNums', where),
    perm: requireInt(value, 'perm', where),
    topicSysFlag: value['topicSysFlag'] === undefined ? 0 : requireInt(value, 'topicSysFlag', where),
  };
}

const BROKER_ID = /^-?[0-9]+$/;

function toBrokerData(value: unknown, index: number): BrokerData {
  const where = `brokerDatas[${index}]`;
  if (!isPlainObject(value)) throw parseError(`${where} is not an object`);
  const addrs = value['brokerAddrs'];
  if (!isPlainObject(addrs)) throw parseError(`${where}.brokerAddrs is not an object`);
  const brokerAddrs: Record<string, string> = {};
  for (const [id, addr] of Object.entries(addrs)) {
    if (!BROKER_ID.test(id)) throw parseError(`${where}.brokerAddrs has a non-integer broker id`);
    if (typeof addr !== 'string') throw parseError(`${where}.brokerAddrs[${id}] is not a string`);
    brokerAddrs[id] = addr;
  }
  const broker: BrokerData = {
    cluster: typeof value['cluster'] === 'string' ? value['cluster'] : '',
    brokerName: requireString(value, 'brokerName', where),
    brokerAddrs,
  };
  const acting = value['enableActingMaster'];
  if (acting !== undefined && acting !== null) {
    if (typeof acting !== 'boolean') throw parseError(`${where}.enableActingMaster is not a boolean`);
    broker.enableActingMaster = acting;
  }
  const zone = value['zoneName'];
  if (zone !== undefined && zone !== null) broker.zoneName = requireString(value, 'zoneName', where);
  return broker;
}

function toFilterServerTable(value: unknown): Record<string, string[]> {
  if (value === undefined || value === null) return {};
  if (!isPlainObject(value)) throw parseError('filterServerTable is not an object');
  const table: Record<string, string[]> = {};
  for (const [addr, servers] of Object.entries(value)) {
    if (!Array.isArray(servers) || !servers.every((s) => typeof s === 'string')) {
      throw parseError(`filterServerTable[${addr}] is not a string array`);
    }
    // A plain assignment of the key "__proto__" would replace the table's prototype instead of adding an entry.
    Object.defineProperty(table, addr, { value: servers as string[], enumerable: true, writable: true, configurable: true });
  }
  return table;
}

/**
 * Parses a GET_ROUTEINFO_BY_TOPIC response body. Accepts the standard JSON form and the legacy fastjson form whose
 * integer map keys are unquoted (`{0:"127.0.0.1:10911"}`), which NameServers older than 4.9.4 send.
 *
 * @param body - The response body (UTF-8).
 * @returns The validated route.
 * @throws MQClientError with code `RMQ_ERR_ROUTE_PARSE` when the body is not a topic route.
 * @example
 * ```ts
 * const route = parseTopicRouteData(response.body!);
 * route.brokerDatas[0]?.brokerAddrs['0']; // the master's address
 * ```
 */
export function parseTopicRouteData(body: Buffer | string): TopicRouteData {
  const text = typeof body === 'string' ? body : body.toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(quoteIntegerKeys(text));
  } catch (error) {
    throw parseError('not JSON', error);
  }
  if (!isPlainObject(raw)) throw parseError('not an object');
  const queueDatas = raw['queueDatas'];
  const brokerDatas = raw['brokerDatas'];
  if (!Array.isArray(queueDatas)) throw parseError('queueDatas is not an array');
  if (!Array.isArray(brokerDatas)) throw parseError('brokerDatas is not an array');
  const parsedQueueDatas = queueDatas.map(toQueueData);
  const writeQueues = parsedQueueDatas.reduce((sum, q) => sum + Math.max(0, q.writeQueueNums), 0);
  if (writeQueues > MAX_ROUTE_QUEUES) throw parseError(`the queueDatas declare ${writeQueues} write queues, more than ${MAX_ROUTE_QUEUES}`);
  const route: TopicRouteData = {
    queueDatas: parsedQueueDatas,
    brokerDatas: brokerDatas.map(toBrokerData),
    filterServerTable: toFilterServerTable(raw['filterServerTable']),
  };
  const order = raw['orderTopicConf'];
  if (order !== undefined && order !== null) {
    if (typeof order !== 'string') throw parseError('orderTopicConf is not a string');
    route.orderTopicConf = order;
  }
  const mapping = raw['topicQueueMappingByBroker'];
  if (mapping !== undefined && mapping !== null) {
    if (!isPlainObject(mapping)) throw parseError('topicQueueMappingByBroker is not an object');
    route.topicQueueMappingByBroker = mapping;
  }
  return route;
}

const SHORT_ESCAPES: Record<number, string> = { 0x08: '\\b', 0x09: '\\t', 0x0a: '\\n', 0x0c: '\\f', 0x0d: '\\r' };

function unicodeEscape(c: number): string {
  return '\\u' + c.toString(16).toUpperCase().padStart(4, '0');
}

/**
 * A JSON string literal as fastjson writes it: BrowserCompatible (standard form) escapes `/`, control characters and
 * every char ≥ 127 as `\uXXXX`; the default (legacy form) escapes only quotes, backslashes and control characters.
 */
function quoteString(value: string, legacy: boolean): string {
  let out = '"';
  let copiedUpTo = 0;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    let escaped: string | null = null;
    if (c === CH_QUOTE) escaped = '\\"';
    else if (c === CH_BACKSLASH) escaped = '\\\\';
    else if (c < 0x20) escaped = SHORT_ESCAPES[c] ?? unicodeEscape(c);
    else if (!legacy && c === 0x2f) escaped = '\\/';
    else if (!legacy && c >= 0x7f) escaped = unicodeEscape(c);
    if (escaped !== null) {
      out += value.slice(copiedUpTo, i) + escaped;
      copiedUpTo = i + 1;
    }
  }
  return out + value.slice(copiedUpTo) + '"';
}

/** Java `compareTo` order of strings: UTF-16 code units, which is what JS `<` compares. */
function compareJavaStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Generic value writer for the opaque parts (`topicQueueMappingByBroker`): map keys sorted, as MapSortField does. */
function writeValue(value: unknown, legacy: boolean): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return quoteString(value, legacy);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return value.toString();
  if (Array.isArray(value)) return '[' + value.map((v) => writeValue(v, legacy)).join(',') + ']';
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => compareJavaStrings(a, b));
    return '{' + entries.map(([k, v]) => quoteString(k, legacy) + ':' + writeValue(v, legacy)).join(',') + '}';
  }
  return 'null';
}

function writeBrokerAddrs(addrs: Record<string, string>, legacy: boolean): string {
  // Java keys are Longs: sorted numerically (MapSortField; a small-Long HashMap iterates in the same order).
  const ids = Object.keys(addrs).sort((a, b) => Number(a) - Number(b));
  const parts = ids.map((id) => (legacy ? id : `"${id}"`) + ':' + quoteString(addrs[id]!, legacy));
  return '{' + parts.join(',') + '}';
}

function writeBrokerData(broker: BrokerData, legacy: boolean): string {
  let out = `{"brokerAddrs":${writeBrokerAddrs(broker.brokerAddrs, legacy)}`;
  out += `,"brokerName":${quoteString(broker.brokerName, legacy)}`;
  out += `,"cluster":${quoteString(broker.cluster, legacy)}`;
  if (broker.enableActingMaster !== undefined) out += `,"enableActingMaster":${broker.enableActingMaster}`;
  if (broker.zoneName !== undefined && broker.zoneName !== null) out += `,"zoneName":${quoteString(broker.zoneName, legacy)}`;
  return out + '}';
}

function writeQueueData(queue: QueueData, legacy: boolean): string {
  return (
    `{"brokerName":${quoteString(queue.brokerName, legacy)},"perm":${queue.perm},` +
    `"readQueueNums":${queue.readQueueNums},"topicSysFlag":${queue.topicSysFlag},"writeQueueNums":${queue.writeQueueNums}}`
  );
}

function writeFilterServerTable(table: Record<string, string[]>, legacy: boolean): string {
  const keys = Object.keys(table).sort(compareJavaStrings);
  const parts = keys.map((k) => quoteString(k, legacy) + ':[' + table[k]!.map((s) => quoteString(s, legacy)).join(',') + ']');
  return '{' + parts.join(',') + '}';
}

/**
 * Serializes a route the way the Java NameServer does: bean fields in alphabetical order (`brokerDatas`,
 * `filterServerTable`, `orderTopicConf`, `queueDatas`, `topicQueueMappingByBroker`), null fields omitted, broker ids
 * sorted. The standard form (default) quotes the integer keys and escapes as fastjson's BrowserCompatible; the legacy
 * form leaves them bare. `enableActingMaster` / `zoneName` are written when present (a 5.x NameServer always has the
 * former).
 *
 * @param route - The route to write.
 * @param options - `{ legacy: true }` for the pre-4.9.4 form.
 * @returns The JSON text (encode it as UTF-8 for the response body).
 * @example
 * ```ts
 * const body = Buffer.from(serializeTopicRouteData(route), 'utf8');
 * ```
 */
export function serializeTopicRouteData(route: TopicRouteData, options: SerializeTopicRouteOptions = {}): string {
  const legacy = options.legacy === true;
  let out = '{"brokerDatas":[' + route.brokerDatas.map((b) => writeBrokerData(b, legacy)).join(',') + ']';
  out += ',"filterServerTable":' + writeFilterServerTable(route.filterServerTable ?? {}, legacy);
  if (route.orderTopicConf !== undefined && route.orderTopicConf !== null) {
    out += ',"orderTopicConf":' + quoteString(route.orderTopicConf, legacy);
  }
  out += ',"queueDatas":[' + route.queueDatas.map((q) => writeQueueData(q, legacy)).join(',') + ']';
  if (route.topicQueueMappingByBroker !== undefined && route.topicQueueMappingByBroker !== null) {
    out += ',"topicQueueMappingByBroker":' + writeValue(route.topicQueueMappingByBroker, legacy);
  }
  return out + '}';
}

/** Permission bits of a topic's queues (Java `PermName`, spec §7.4). */
export const PermName = {
  /** Priority queue. */
  PERM_PRIORITY: 0x8,
  /** Consumers may read. */
  PERM_READ: 0x4,
  /** Producers may write. */
  PERM_WRITE: 0x2,
  /** The topic may serve as a template for auto-created topics (TBW102). */
  PERM_INHERIT: 0x1,
} as const;

/** Whether `perm` has the write bit (a producer may send to the queues). */
export function isWriteable(perm: number): boolean {
  return (perm & PermName.PERM_WRITE) === PermName.PERM_WRITE;
}
