/**
 * The properties string of an ordinary send as the broker stores it. Java's `SendMessageProcessor` (4.9.8
 * `asyncSendMessage`, 5.3.3 `sendMessage`) decodes the sent string into a `HashMap`
 * (`MessageDecoder.string2messageProperties`), adds UNIQ_KEY when missing (5.x only), puts CLUSTER, and stores
 * `messageProperties2String` of that map: the entries in Java `HashMap` iteration order, not in the order they were
 * sent. 4.9 removes WAIT from the map for that string (and puts it back after); 5.x keeps it.
 *
 * {@link plainSendProperties} computes that string from the sent string itself, without a map, for the plain strings
 * producers send; {@link javaStoredSendProperties} is the general rule for any string.
 * @internal
 */
import { javaHashMapOrder, javaSpreadHash, encodeProperties, NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from '../message/properties.js';

/** What {@link plainSendProperties} found. @internal */
export interface PlainSendProperties {
  /** The properties string to store. */
  stored: string;
  /** Value of `UNIQ_KEY`, `undefined` when the message has none (and the broker did not add one). */
  uniqueId: string | undefined;
}

/** Names that change where or how the message is stored (transactions, delay levels, 5.x timers). */
const ROUTING_NAMES: ReadonlySet<string> = new Set(['TRAN_MSG', 'DELAY', 'TIMER_DELIVER_MS', 'TIMER_DELAY_SEC', 'TIMER_DELAY_MS']);

/** Entries handled here at most (each name is compared with the earlier ones). */
const MAX_ENTRIES = 32;
/** Positions of the entries the broker adds after the sent ones (UNIQ_KEY, then CLUSTER). */
const ADDED_UNIQUE = MAX_ENTRIES;
const ADDED_CLUSTER = MAX_ENTRIES + 1;
/** An order key is `bucket * KEY_SPAN + position`: sorting the keys sorts by bucket, then by insertion. */
const KEY_SPAN = 64;

/** Entry bounds of the string being scanned: start of the name, its `\x01`, the end of the value. */
const starts = new Int32Array(MAX_ENTRIES);
const separators = new Int32Array(MAX_ENTRIES);
const ends = new Int32Array(MAX_ENTRIES);
/** Spread Java hashes of the entries' names, then the order keys of the map's entries. */
const hashes = new Int32Array(MAX_ENTRIES);
const keys = new Int32Array(MAX_ENTRIES + 2);

const H_CLUSTER = javaSpreadHash('CLUSTER');
const H_UNIQ_KEY = javaSpreadHash('UNIQ_KEY');
const CLUSTER_NAME = 'CLUSTER' + NAME_VALUE_SEPARATOR;
const UNIQ_KEY_NAME = 'UNIQ_KEY' + NAME_VALUE_SEPARATOR;

/**
 * The stored properties string of an ordinary (not transactional, not delayed, not timed) send, from a plain sent
 * string (every entry well formed, every name once, at most 32 entries, none of the names that send the message
 * elsewhere); equal to {@link javaStoredSendProperties} whenever it answers.
 *
 * @param text - the properties string as sent (header `i`)
 * @param cluster - the broker's cluster name (property `CLUSTER`)
 * @param keepWait - keep WAIT in the stored string (5.x); otherwise it is left out (4.9)
 * @param createUniqueId - for a message without `UNIQ_KEY`, makes the id to add (5.x); `null` adds none
 * @returns the string and the message's `UNIQ_KEY`, or `null` when the string is not plain (take the map path)
 */
export function plainSendProperties(
  text: string,
  cluster: string,
  keepWait: boolean,
  createUniqueId: (() => string) | null,
): PlainSendProperties | null {
  const length = text.length;
  let count = 0;
  let wait = -1;
  let clusterAt = -1;
  let unique = -1;
  let i = 0;
  // Only a string that ends with its separator has an empty last segment, which string2messageProperties skips too.
  while (i < length) {
    let end = text.indexOf(PROPERTY_SEPARATOR, i);
    if (end < 0) end = length;
    // string2messageProperties drops a segment without a name or a value: then the map is not the string.
    const separator = text.indexOf(NAME_VALUE_SEPARATOR, i);
    if (separator <= i || separator >= end - 1 || count === MAX_ENTRIES) return null;
    let h = 0;
    for (let c = i; c < separator; c++) h = (Math.imul(31, h) + text.charCodeAt(c)) | 0;
    const nameLength = separator - i;
    for (let e = 0; e < count; e++) {
      // A repeated name keeps its first place with its last value: the general path.
      if (hashes[e] === (h ^ (h >>> 16)) && separators[e]! - starts[e]! === nameLength && text.startsWith(text.slice(i, separator), starts[e]!)) return null;
    }
    if (nameLength === 4 && text.startsWith('WAIT', i)) wait = count;
    else if (nameLength === 7 && text.startsWith('CLUSTER', i)) clusterAt = count;
    else if (nameLength === 8 && text.startsWith('UNIQ_KEY', i)) unique = count;
    else if (nameLength >= 5 && nameLength <= 16 && ROUTING_NAMES.has(text.slice(i, separator))) return null;
    starts[count] = i;
    separators[count] = separator;
    ends[count] = end;
    hashes[count] = h ^ (h >>> 16);
    count++;
    i = end + 1;
  }
  let uniqueId = unique < 0 ? undefined : text.slice(separators[unique]! + 1, ends[unique]!);
  const addUnique = uniqueId === undefined && createUniqueId !== null;
  if (addUnique) uniqueId = createUniqueId();
  // The map's size at its largest (WAIT included: 4.9 removes it only after CLUSTER is in) sets its capacity.
  const size = count + (addUnique ? 1 : 0) + (clusterAt < 0 ? 1 : 0);
  let capacity = 16;
  while (size > capacity * 0.75) capacity *= 2;
  const mask = capacity - 1;
  // Order keys of the stored entries, sorted by insertion (a handful of entries, mostly in order already).
  let n = 0;
  for (let e = 0; e < count; e++) if (e !== wait || keepWait) n = insertKey(n, (hashes[e]! & mask) * KEY_SPAN + e);
  if (addUnique) n = insertKey(n, (H_UNIQ_KEY & mask) * KEY_SPAN + ADDED_UNIQUE);
  if (clusterAt < 0) n = insertKey(n, (H_CLUSTER & mask) * KEY_SPAN + ADDED_CLUSTER);
  let stored = '';
  // Entries of the sent string that stay neighbours go in as one slice of it.
  let runStart = -1;
  let runLast = -1;
  for (let k = 0; k <= n; k++) {
    const position = k < n ? keys[k]! % KEY_SPAN : -1;
    const fromText = position >= 0 && position < count && position !== clusterAt;
    if (fromText && runStart >= 0 && position === runLast + 1) {
      runLast = position;
      continue;
    }
    if (runStart >= 0) {
      stored += (stored.length === 0 ? '' : PROPERTY_SEPARATOR) + text.slice(starts[runStart]!, ends[runLast]!);
      runStart = -1;
    }
    if (k === n) break;
    if (fromText) {
      runStart = position;
      runLast = position;
    } else if (position === clusterAt || position === ADDED_CLUSTER) {
      stored += (stored.length === 0 ? '' : PROPERTY_SEPARATOR) + CLUSTER_NAME + cluster;
    } else if (position === ADDED_UNIQUE) {
      stored += (stored.length === 0 ? '' : PROPERTY_SEPARATOR) + UNIQ_KEY_NAME + uniqueId!;
    }
  }
  return { stored, uniqueId };
}

/** Inserts an order key into the sorted `keys[0, n)`; returns the new count. */
function insertKey(n: number, key: number): number {
  let at = n;
  while (at > 0 && keys[at - 1]! > key) {
    keys[at] = keys[at - 1]!;
    at--;
  }
  keys[at] = key;
  return n + 1;
}

/**
 * The stored properties string of an ordinary send, for any sent string: the entries as
 * `string2messageProperties` reads them (malformed segments dropped, a repeated name in its first place with its
 * last value), then UNIQ_KEY when missing and `uniqueId` is given (5.x), then CLUSTER, in Java `HashMap` order;
 * WAIT left out unless `keepWait` (4.9 removes it only after CLUSTER is in, so it still counts for the capacity).
 *
 * @param text - the properties string as sent (header `i`)
 * @param cluster - the broker's cluster name (property `CLUSTER`)
 * @param keepWait - keep WAIT in the stored string (5.x); otherwise it is left out (4.9)
 * @param uniqueId - the UNIQ_KEY to add when the message has none (5.x), `null` to add none
 * @returns the properties string to store
 * @internal
 */
export function javaStoredSendProperties(text: string, cluster: string, keepWait: boolean, uniqueId: string | null): string {
  const map = new Map<string, string>();
  const length = text.length;
  let i = 0;
  while (i < length) {
    let end = text.indexOf(PROPERTY_SEPARATOR, i);
    if (end < 0) end = length;
    const separator = text.indexOf(NAME_VALUE_SEPARATOR, i);
    if (separator > i && separator < end - 1) map.set(text.slice(i, separator), text.slice(separator + 1, end));
    i = end + 1;
  }
  if (uniqueId !== null && !map.has('UNIQ_KEY')) map.set('UNIQ_KEY', uniqueId);
  map.set('CLUSTER', cluster);
  const ordered = javaHashMapOrder(map);
  return encodeProperties(new Map(keepWait ? ordered : ordered.filter(([name]) => name !== 'WAIT')));
}
