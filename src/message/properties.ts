/**
 * The message properties string (spec §9.1): `name \x01 value \x02 name \x01 value …`, the property names of
 * §9.2, and the reserved-name set the Java client refuses in `putUserProperty`.
 */

/** Separates a property name from its value (U+0001). */
export const NAME_VALUE_SEPARATOR = '\u0001';

/** Separates one property from the next (U+0002). */
export const PROPERTY_SEPARATOR = '\u0002';

/** Largest UTF-8 length of a properties string: it travels in a signed short in batches and stored messages. */
export const MAX_PROPERTIES_BYTES = 32767;

/**
 * Property names used by RocketMQ (spec §9.2), keyed by their wire name where that is a valid identifier.
 *
 * @example
 * ```ts
 * const tags = decodeProperties(text)[MessageConst.TAGS];
 * ```
 */
export const MessageConst = {
  KEYS: 'KEYS',
  TAGS: 'TAGS',
  WAIT: 'WAIT',
  DELAY: 'DELAY',
  UNIQ_KEY: 'UNIQ_KEY',
  TRAN_MSG: 'TRAN_MSG',
  PGROUP: 'PGROUP',
  INSTANCE_ID: 'INSTANCE_ID',
  RETRY_TOPIC: 'RETRY_TOPIC',
  RECONSUME_TIME: 'RECONSUME_TIME',
  MAX_RECONSUME_TIMES: 'MAX_RECONSUME_TIMES',
  REAL_TOPIC: 'REAL_TOPIC',
  REAL_QID: 'REAL_QID',
  MSG_REGION: 'MSG_REGION',
  TRACE_ON: 'TRACE_ON',
  CLUSTER: 'CLUSTER',
  CORRELATION_ID: 'CORRELATION_ID',
  REPLY_TO_CLIENT: 'REPLY_TO_CLIENT',
  TTL: 'TTL',
  MSG_TYPE: 'MSG_TYPE',
  ARRIVE_TIME: 'ARRIVE_TIME',
  PUSH_REPLY_TIME: 'PUSH_REPLY_TIME',
  MIN_OFFSET: 'MIN_OFFSET',
  MAX_OFFSET: 'MAX_OFFSET',
  BUYER_ID: 'BUYER_ID',
  ORIGIN_MESSAGE_ID: 'ORIGIN_MESSAGE_ID',
  TRANSFER_FLAG: 'TRANSFER_FLAG',
  CORRECTION_FLAG: 'CORRECTION_FLAG',
  MQ2_FLAG: 'MQ2_FLAG',
  CONSUME_START_TIME: 'CONSUME_START_TIME',
  INNER_MULTI_QUEUE_OFFSET: 'INNER_MULTI_QUEUE_OFFSET',
  INNER_MULTI_DISPATCH: 'INNER_MULTI_DISPATCH',
  CHECK_IMMUNITY_TIME_IN_SECONDS: 'CHECK_IMMUNITY_TIME_IN_SECONDS',
  TRAN_PREPARED_QUEUE_OFFSET: 'TRAN_PREPARED_QUEUE_OFFSET',
  TRANSACTION_CHECK_TIMES: 'TRANSACTION_CHECK_TIMES',
  /** Put on the message object after a successful half send; never sent. */
  TRANSACTION_ID: '__transactionId__',
  /** Alibaba Cloud (ONS) absolute delivery time; ignored by Apache brokers. */
  START_DELIVER_TIME: '__STARTDELIVERTIME',
  /** [5.x] ordering key (ali-ons uses `__SHARDING_KEY`, which is different). */
  SHARDING_KEY: '__SHARDINGKEY',
  TIMER_DELIVER_MS: 'TIMER_DELIVER_MS',
  TIMER_DELAY_SEC: 'TIMER_DELAY_SEC',
  TIMER_DELAY_MS: 'TIMER_DELAY_MS',
  TIMER_ENQUEUE_MS: 'TIMER_ENQUEUE_MS',
  TIMER_DEQUEUE_MS: 'TIMER_DEQUEUE_MS',
  TIMER_ROLL_TIMES: 'TIMER_ROLL_TIMES',
  TIMER_OUT_MS: 'TIMER_OUT_MS',
  TIMER_DEL_UNIQKEY: 'TIMER_DEL_UNIQKEY',
  TIMER_DELAY_LEVEL: 'TIMER_DELAY_LEVEL',
  DUP_INFO: 'DUP_INFO',
  EXTEND_UNIQ_INFO: 'EXTEND_UNIQ_INFO',
  INNER_NUM: 'INNER_NUM',
  INNER_BASE: 'INNER_BASE',
  POP_CK: 'POP_CK',
  POP_CK_OFFSET: 'POP_CK_OFFSET',
  FIRST_POP_TIME: '1ST_POP_TIME',
  FORWARD_QUEUE_ID: 'PROPERTY_FORWARD_QUEUE_ID',
  REDIRECT: 'REDIRECT',
  TRACE_CONTEXT: 'TRACE_CONTEXT',
  BORN_HOST: '__BORNHOST',
  BORN_TIMESTAMP: 'BORN_TIMESTAMP',
  DLQ_ORIGIN_TOPIC: 'DLQ_ORIGIN_TOPIC',
  DLQ_ORIGIN_MESSAGE_ID: 'DLQ_ORIGIN_MESSAGE_ID',
  CRC32: '__CRC32#',
  /** [5.x] prefix of properties that the broker never stores. */
  TRANSIENT_PREFIX: '__RMQ.TRANSIENT.',
  /** Separates several keys inside `KEYS`. */
  KEY_SEPARATOR: ' ',
} as const;

/**
 * Names a user may not set through `Message.properties` (Java `MessageConst.STRING_HASH_SET`, the keys marked R in
 * spec §9.2): the client or broker owns them. `validators.checkUserProperty` refuses them.
 */
export const RESERVED_PROPERTY_NAMES: ReadonlySet<string> = new Set<string>([
  'KEYS', 'TAGS', 'WAIT', 'DELAY', 'UNIQ_KEY', 'TRAN_MSG', 'PGROUP', 'INSTANCE_ID', 'RETRY_TOPIC', 'RECONSUME_TIME',
  'MAX_RECONSUME_TIMES', 'REAL_TOPIC', 'REAL_QID', 'MSG_REGION', 'TRACE_ON', 'CLUSTER', 'CORRELATION_ID',
  'REPLY_TO_CLIENT', 'TTL', 'MSG_TYPE', 'ARRIVE_TIME', 'PUSH_REPLY_TIME', 'MIN_OFFSET', 'MAX_OFFSET', 'BUYER_ID',
  'ORIGIN_MESSAGE_ID', 'TRANSFER_FLAG', 'CORRECTION_FLAG', 'MQ2_FLAG', 'CONSUME_START_TIME', 'INNER_MULTI_QUEUE_OFFSET',
  'TRAN_PREPARED_QUEUE_OFFSET', 'TIMER_DELIVER_MS', 'TIMER_DELAY_SEC', 'TIMER_DELAY_MS', 'TIMER_ENQUEUE_MS',
  'TIMER_DEQUEUE_MS', 'TIMER_ROLL_TIMES', 'TIMER_OUT_MS', 'TIMER_DEL_UNIQKEY', 'TIMER_DELAY_LEVEL', 'DUP_INFO',
  'EXTEND_UNIQ_INFO', 'POP_CK', 'POP_CK_OFFSET', '1ST_POP_TIME', '__BORNHOST', 'BORN_TIMESTAMP',
]);

/** Options of {@link encodeProperties} (and of the producer's own properties writer). */
export interface EncodePropertiesOptions {
  /**
   * End the string with `\x02` as 5.2+ writers do. Every broker reads both forms.
   * @defaultValue `false` (4.9 … 5.1 style, byte-identical to a 4.9 Java client)
   */
  trailingSeparator?: boolean;
}

/**
 * Serialises properties in the map's iteration order (Java `messageProperties2String`); entries whose value is
 * `null`/`undefined` are skipped. Names and values are written as given: validate them first
 * (`checkUserProperty`), since a separator inside one would split the entry on the reader side.
 *
 * @param map - properties to write
 * @param options - {@link EncodePropertiesOptions}
 * @returns the properties string, `''` for an empty map
 * @example
 * ```ts
 * encodeProperties({ KEYS: 'k1', TAGS: 't1' }); // 'KEYS\x01k1\x02TAGS\x01t1'
 * ```
 */
export function encodeProperties(
  map: Readonly<Record<string, string | null | undefined>> | ReadonlyMap<string, string | null | undefined>,
  options?: EncodePropertiesOptions,
): string {
  let text = '';
  if (map instanceof Map) {
    for (const [name, value] of map) {
      if (value === null || value === undefined) continue;
      text += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
    }
  } else {
    // Own enumerable keys, as Object.entries, without an array per entry.
    const record = map as Readonly<Record<string, string | null | undefined>>;
    const names = Object.keys(record);
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const value = record[name];
      if (value === null || value === undefined) continue;
      text += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
    }
  }
  return options?.trailingSeparator === true ? text : text.slice(0, -1);
}

/**
 * Parses a properties string exactly as Java `MessageDecoder.string2messageProperties` does (spec §9.1): segments
 * shorter than 3 characters and entries with an empty name or value are dropped, a `\x01` inside a value is kept,
 * a trailing `\x02` is accepted (no bogus `"": ""` entry), and a repeated name keeps its last value.
 *
 * @param text - the properties string (header `i`/`properties`, or from a batch/stored record)
 * @returns a plain object of name → value
 * @example
 * ```ts
 * decodeProperties('KEYS\x01k1\x02TAGS\x01t1\x02'); // { KEYS: 'k1', TAGS: 't1' }
 * ```
 */
export function decodeProperties(text: string): Record<string, string> {
  const map: Record<string, string> = {};
  const len = text.length;
  let i = 0;
  while (i < len) {
    let n = text.indexOf(PROPERTY_SEPARATOR, i);
    if (n < 0) n = len;
    if (n - i >= 3) {
      const k = text.indexOf(NAME_VALUE_SEPARATOR, i);
      if (k > i && k < n - 1) setProperty(map, text.slice(i, k), text.slice(k + 1, n));
    }
    i = n + 1;
  }
  return map;
}

function setProperty(map: Record<string, string>, name: string, value: string): void {
  // A plain assignment to "__proto__" would change the object's prototype instead of adding a property.
  if (name === '__proto__') {
    Object.defineProperty(map, name, { value, enumerable: true, writable: true, configurable: true });
  } else {
    map[name] = value;
  }
}

/** The message-level inputs of {@link buildPropertiesString}; absent/empty fields are not written. */
export interface PropertyParts {
  /** `TAGS`. */
  tags?: string | null;
  /** `KEYS`; an array is joined with a single space as Java `setKeys(Collection)` does. */
  keys?: string | readonly string[] | null;
  /**
   * `WAIT`. Every Java `Message` constructor sets it, so it is always written.
   * @defaultValue `true`
   */
  waitStoreMsgOK?: boolean;
  /** `DELAY`, written when > 0. */
  delayTimeLevel?: number | null;
  /** User properties (already validated), in insertion order. */
  userProperties?: Readonly<Record<string, string>> | null;
  /** [5.x] `TIMER_DELIVER_MS`: deliver at this epoch millisecond (Java 5.x `Message.setDeliverTimeMs`). */
  timerDeliverMs?: number | null;
  /** [5.x] `TIMER_DELAY_MS`: deliver this many milliseconds after the broker stored it (`setDelayTimeMs`). */
  timerDelayMs?: number | null;
  /**
   * Leave out `WAIT`: a Java `new Message()` without arguments has none (the reply messages of
   * `MessageUtil.createReplyMessage`); brokers then treat it as `true`.
   * @defaultValue `false`
   */
  omitWait?: boolean;
  /** `TRAN_MSG=true` for a transactional half message. */
  transactionPrepared?: boolean;
  /** `PGROUP`, set on transactional half messages. */
  producerGroup?: string | null;
  /**
   * Properties the producer itself puts on the message before the send, in the order Java puts them (a request's
   * `CORRELATION_ID`, `REPLY_TO_CLIENT`, `TTL`); written after `PGROUP`, before `UNIQ_KEY`.
   */
  systemProperties?: readonly (readonly [string, string])[] | null;
  /** `UNIQ_KEY`, the client message id. */
  uniqKey?: string | null;
  /** `INSTANCE_ID`, when the client has a namespace. */
  instanceId?: string | null;
  /** `CONTENT_TYPE` (see body-codec), when the body was encoded from an object. */
  contentType?: string | null;
}

/**
 * Builds the properties string of a message straight from its parts, for the send hot path: no intermediate
 * `Map`, one pass of string appends.
 *
 * Entries come out in the iteration order of the Java client's `HashMap<String, String>` for the same content
 * (bucket `(h ^ h >>> 16) & (capacity − 1)` of Java `String.hashCode`, capacity 16 growing ×2 past a 0.75 load;
 * insertion order inside a bucket, with the Java insertion order TAGS, KEYS, WAIT, user properties, DELAY,
 * TRAN_MSG, PGROUP, UNIQ_KEY, INSTANCE_ID), so the bytes equal what a Java producer writes, e.g.
 * `KEYS, UNIQ_KEY, WAIT, TAGS` of spec §16(b). Receivers do not care about the order; matching it keeps captures
 * comparable byte for byte. (Java turns a bucket of ≥ 8 colliding names into a tree; that case is not modelled.)
 *
 * @param parts - the message fields that become properties
 * @param options - {@link EncodePropertiesOptions}
 * @returns the properties string
 * @example
 * ```ts
 * buildPropertiesString({ tags: 'TagA', keys: ['OrderID188'], uniqKey: id });
 * // 'KEYS\x01OrderID188\x02UNIQ_KEY\x01<id>\x02WAIT\x01true\x02TAGS\x01TagA'
 * ```
 */
export function buildPropertiesString(parts: PropertyParts, options?: EncodePropertiesOptions): string {
  if (onlyKnownNames(parts)) {
    if (!parts.uniqKey) return knownPropertiesText(parts, options);
    const around = knownAroundUniqKey(parts, options);
    return around.head + parts.uniqKey + around.tail;
  }
  const names: string[] = [];
  const values: string[] = [];
  const hashes: number[] = [];
  const add = (name: string, value: string, hash: number): void => {
    names.push(name);
    values.push(value);
    hashes.push(hash);
  };
  if (parts.tags) add('TAGS', parts.tags, H_TAGS);
  const keys = typeof parts.keys === 'string' ? parts.keys : parts.keys ? parts.keys.join(' ') : '';
  if (keys) add('KEYS', keys, H_KEYS);
  if (parts.omitWait !== true) add('WAIT', parts.waitStoreMsgOK === false ? 'false' : 'true', H_WAIT);
  if (parts.userProperties) {
    for (const name of Object.keys(parts.userProperties)) {
      const value = parts.userProperties[name];
      if (value !== undefined && value !== null) addOrReplace(names, values, hashes, name, value);
    }
  }
  if (parts.delayTimeLevel && parts.delayTimeLevel > 0) add('DELAY', String(parts.delayTimeLevel), H_DELAY);
  if (parts.timerDeliverMs !== undefined && parts.timerDeliverMs !== null) {
    add('TIMER_DELIVER_MS', String(parts.timerDeliverMs), H_TIMER_DELIVER_MS);
  }
  if (parts.timerDelayMs !== undefined && parts.timerDelayMs !== null) add('TIMER_DELAY_MS', String(parts.timerDelayMs), H_TIMER_DELAY_MS);
  if (parts.transactionPrepared) add('TRAN_MSG', 'true', H_TRAN_MSG);
  if (parts.producerGroup) add('PGROUP', parts.producerGroup, H_PGROUP);
  if (parts.systemProperties) {
    for (const [name, value] of parts.systemProperties) addOrReplace(names, values, hashes, name, value);
  }
  if (parts.uniqKey) add('UNIQ_KEY', parts.uniqKey, H_UNIQ_KEY);
  if (parts.instanceId) add('INSTANCE_ID', parts.instanceId, H_INSTANCE_ID);
  if (parts.contentType) addOrReplace(names, values, hashes, 'CONTENT_TYPE', parts.contentType);

  const count = names.length;
  let capacity = 16;
  while (count > capacity * 0.75) capacity *= 2;
  const mask = capacity - 1;
  // Stable insertion sort by bucket: the list is short (a handful of entries) and mostly ordered already.
  const order: number[] = [];
  for (let i = 0; i < count; i++) {
    const bucket = hashes[i]! & mask;
    let j = order.length;
    while (j > 0 && (hashes[order[j - 1]!]! & mask) > bucket) j--;
    order.splice(j, 0, i);
  }
  let text = '';
  for (let i = 0; i < count; i++) {
    const index = order[i]!;
    text += names[index]! + NAME_VALUE_SEPARATOR + values[index]! + PROPERTY_SEPARATOR;
  }
  return options?.trailingSeparator === true ? text : text.slice(0, -1);
}

/** Whether only the client's own names can occur in the properties of `parts` (no user properties, content type or timer). */
function onlyKnownNames(parts: PropertyParts): boolean {
  return (
    !parts.userProperties &&
    !parts.contentType &&
    !parts.systemProperties &&
    parts.omitWait !== true &&
    parts.timerDeliverMs == null &&
    parts.timerDelayMs == null
  );
}

/** The text of a properties string before and after its UNIQ_KEY value (see {@link propertiesAroundUniqKey}). */
export interface PropertiesAroundUniqKey {
  /** Everything up to and including `UNIQ_KEY\x01`. */
  readonly head: string;
  /** Everything after the UNIQ_KEY value. */
  readonly tail: string;
}

/**
 * When the properties of `parts` hold only the client's own names and a UNIQ_KEY, the text around the UNIQ_KEY
 * value: `buildPropertiesString(parts, options)` is then exactly `head + parts.uniqKey + tail`. The sends of one
 * producer mostly differ in their UNIQ_KEY only, so the same `head` and `tail` strings come back for them (and a
 * caller can keep what it derives from them). The object is reused by the next call: read it at once.
 * @param parts - the message fields that become properties
 * @param options - {@link EncodePropertiesOptions}
 * @returns the text around the UNIQ_KEY, or `null` (other names may occur, or no UNIQ_KEY)
 * @internal
 */
export function propertiesAroundUniqKey(parts: PropertyParts, options?: EncodePropertiesOptions): PropertiesAroundUniqKey | null {
  return parts.uniqKey && onlyKnownNames(parts) ? knownAroundUniqKey(parts, options) : null;
}

/**
 * {@link buildPropertiesString} when only the client's own names can occur: at most 8 entries, so always 16 buckets,
 * and their bucket order is fixed — {@link KNOWN_ORDER}, computed once — so the string is built straight in that
 * order, without the name/value/hash lists and the sort. This is the text around the UNIQ_KEY (`parts.uniqKey` set).
 */
function knownAroundUniqKey(parts: PropertyParts, options?: EncodePropertiesOptions): PropertiesAroundUniqKey {
  // Sends of one producer mostly differ in their UNIQ_KEY only: the text around it is kept from the send before.
  const around = KNOWN_AROUND_UNIQ_KEY;
  const tags = parts.tags ? parts.tags : null;
  const keys = typeof parts.keys === 'string' ? parts.keys : parts.keys ? parts.keys.join(' ') : '';
  const wait = parts.waitStoreMsgOK !== false;
  const delay = parts.delayTimeLevel && parts.delayTimeLevel > 0 ? parts.delayTimeLevel : 0;
  const transactionPrepared = parts.transactionPrepared === true;
  const producerGroup = parts.producerGroup ? parts.producerGroup : null;
  const instanceId = parts.instanceId ? parts.instanceId : null;
  const trailing = options?.trailingSeparator === true;
  if (
    around.head === null ||
    around.tags !== tags ||
    around.keys !== keys ||
    around.wait !== wait ||
    around.delay !== delay ||
    around.transactionPrepared !== transactionPrepared ||
    around.producerGroup !== producerGroup ||
    around.instanceId !== instanceId ||
    around.trailing !== trailing
  ) {
    let head = '';
    let tail = '';
    let after = false;
    for (let i = 0; i < KNOWN_ORDER.length; i++) {
      const name = KNOWN_ORDER[i]!;
      if (name === 'UNIQ_KEY') {
        head += name + NAME_VALUE_SEPARATOR;
        tail = PROPERTY_SEPARATOR;
        after = true;
        continue;
      }
      const value = knownValue(parts, name);
      if (value === null) continue;
      if (after) tail += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
      else head += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
    }
    around.head = head;
    around.tail = trailing ? tail : tail.slice(0, -1);
    around.tags = tags;
    around.keys = keys;
    around.wait = wait;
    around.delay = delay;
    around.transactionPrepared = transactionPrepared;
    around.producerGroup = producerGroup;
    around.instanceId = instanceId;
    around.trailing = trailing;
  }
  return around as PropertiesAroundUniqKey;
}

/**
 * The text {@link knownPropertiesString} built last around a UNIQ_KEY (`head` + id + `tail`), and the parts it was
 * built from.
 */
const KNOWN_AROUND_UNIQ_KEY: {
  head: string | null;
  tail: string;
  tags: string | null;
  keys: string;
  wait: boolean;
  delay: number;
  transactionPrepared: boolean;
  producerGroup: string | null;
  instanceId: string | null;
  trailing: boolean;
} = { head: null, tail: '', tags: null, keys: '', wait: true, delay: 0, transactionPrepared: false, producerGroup: null, instanceId: null, trailing: false };

/** {@link knownPropertiesString}, built entry by entry. */
function knownPropertiesText(parts: PropertyParts, options?: EncodePropertiesOptions): string {
  let text = '';
  for (let i = 0; i < KNOWN_ORDER.length; i++) {
    const name = KNOWN_ORDER[i]!;
    const value = knownValue(parts, name);
    if (value !== null) text += name + NAME_VALUE_SEPARATOR + value + PROPERTY_SEPARATOR;
  }
  return options?.trailingSeparator === true ? text : text.slice(0, -1);
}

/** The value a known property name takes from `parts` in {@link buildPropertiesString}, or `null` when absent. */
function knownValue(parts: PropertyParts, name: KnownName): string | null {
  switch (name) {
    case 'TAGS':
      return parts.tags ? parts.tags : null;
    case 'KEYS': {
      const keys = typeof parts.keys === 'string' ? parts.keys : parts.keys ? parts.keys.join(' ') : '';
      return keys ? keys : null;
    }
    case 'WAIT':
      return parts.waitStoreMsgOK === false ? 'false' : 'true';
    case 'DELAY':
      return parts.delayTimeLevel && parts.delayTimeLevel > 0 ? String(parts.delayTimeLevel) : null;
    case 'TRAN_MSG':
      return parts.transactionPrepared ? 'true' : null;
    case 'PGROUP':
      return parts.producerGroup ? parts.producerGroup : null;
    case 'UNIQ_KEY':
      return parts.uniqKey ? parts.uniqKey : null;
    case 'INSTANCE_ID':
      return parts.instanceId ? parts.instanceId : null;
  }
}

function addOrReplace(names: string[], values: string[], hashes: number[], name: string, value: string): void {
  const existing = names.indexOf(name);
  if (existing >= 0) {
    values[existing] = value;
    return;
  }
  names.push(name);
  values.push(value);
  hashes.push(javaSpreadHash(name));
}

/**
 * Java `HashMap.hash(key)` of a string: `String.hashCode()` with the high half folded into the low half.
 * @internal
 */
export function javaSpreadHash(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(31, h) + text.charCodeAt(i)) | 0;
  return h ^ (h >>> 16);
}

const H_TAGS = javaSpreadHash('TAGS');
const H_KEYS = javaSpreadHash('KEYS');
const H_WAIT = javaSpreadHash('WAIT');
const H_DELAY = javaSpreadHash('DELAY');
const H_TRAN_MSG = javaSpreadHash('TRAN_MSG');
const H_PGROUP = javaSpreadHash('PGROUP');
const H_UNIQ_KEY = javaSpreadHash('UNIQ_KEY');
const H_INSTANCE_ID = javaSpreadHash('INSTANCE_ID');

/** The names {@link buildPropertiesString} writes itself, in the order it adds them. */
const KNOWN_NAMES = ['TAGS', 'KEYS', 'WAIT', 'DELAY', 'TRAN_MSG', 'PGROUP', 'UNIQ_KEY', 'INSTANCE_ID'] as const;
type KnownName = (typeof KNOWN_NAMES)[number];
/** {@link KNOWN_NAMES} in Java HashMap iteration order for 16 buckets (stable: ties keep the adding order). */
const KNOWN_ORDER: readonly KnownName[] = KNOWN_NAMES.map((name, index) => ({ name, index, bucket: javaSpreadHash(name) & 15 }))
  .sort((a, b) => a.bucket - b.bucket || a.index - b.index)
  .map((entry) => entry.name);

const H_TIMER_DELIVER_MS = javaSpreadHash('TIMER_DELIVER_MS');
const H_TIMER_DELAY_MS = javaSpreadHash('TIMER_DELAY_MS');

/**
 * Orders entries as a Java `new HashMap<String, String>()` filled in this order iterates them (bucket of
 * `String.hashCode` spread as Java `HashMap.hash` at the final capacity, 16 doubling past a 0.75 load; insertion order inside a bucket; a
 * repeated name keeps its first position and last value). This is the order of a Java properties string
 * (`messageProperties2String`) and of a custom header's `extFields` on the wire.
 *
 * @param entries - name/value pairs in insertion order
 * @returns a new array in Java iteration order
 * @example
 * ```ts
 * encodeProperties(new Map(javaHashMapOrder([['TAGS', 't'], ['KEYS', 'k']]))); // 'KEYS\x01k\x02TAGS\x01t'
 * ```
 */
export function javaHashMapOrder<T>(entries: Iterable<readonly [string, T]>): [string, T][] {
  const list: [string, T][] = [];
  const index = new Map<string, number>();
  for (const [name, value] of entries) {
    const at = index.get(name);
    if (at === undefined) {
      index.set(name, list.length);
      list.push([name, value]);
    } else {
      list[at]![1] = value;
    }
  }
  let capacity = 16;
  while (list.length > capacity * 0.75) capacity *= 2;
  const mask = capacity - 1;
  const keyed = list.map((entry, position) => ({ entry, position, bucket: javaSpreadHash(entry[0]) & mask }));
  keyed.sort((a, b) => a.bucket - b.bucket || a.position - b.position);
  return keyed.map((k) => k.entry);
}

/**
 * A properties string in Java `HashMap` order (what a Java broker writes after it changed a message's properties).
 * @param map - properties in insertion order
 * @returns the properties string (no trailing separator)
 */
export function encodePropertiesJavaOrder(map: Readonly<Record<string, string>> | ReadonlyMap<string, string>): string {
  const entries = map instanceof Map ? [...map.entries()] : Object.entries(map);
  return encodeProperties(new Map(javaHashMapOrder(entries)));
}
