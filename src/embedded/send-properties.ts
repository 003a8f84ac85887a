/**
 * The properties string of an ordinary send as the broker stores it, computed from the string itself instead of a
 * decoded map: for the plain strings producers send (every entry well formed, every name once, none of the names
 * that send the message elsewhere), the stored string is the sent one with CLUSTER set and WAIT dropped (4.9) or
 * moved last (5.x), exactly what `encodeProperties` of the broker's map gives. Anything else returns `null` and
 * the caller takes the map path.
 * @internal
 */
import { NAME_VALUE_SEPARATOR, PROPERTY_SEPARATOR } from '../message/properties.js';

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

/** Entry bounds of the string being scanned: start of the name, its `\x01`, the end of the value. */
const starts = new Int32Array(MAX_ENTRIES);
const separators = new Int32Array(MAX_ENTRIES);
const ends = new Int32Array(MAX_ENTRIES);

/**
 * The stored properties string of an ordinary (not transactional, not delayed, not timed) send.
 *
 * @param text - the properties string as sent (header `i`)
 * @param cluster - the broker's cluster name (property `CLUSTER`)
 * @param keepWait - keep WAIT, moved last (5.x); otherwise it is dropped from the stored string (4.9)
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
  // Only a string that ends with its separator has an empty last segment, which decodeProperties accepts too.
  while (i < length) {
    let end = text.indexOf(PROPERTY_SEPARATOR, i);
    if (end < 0) end = length;
    // decodeProperties drops a segment without a name or a value: then the map is not the string.
    const separator = text.indexOf(NAME_VALUE_SEPARATOR, i);
    if (separator <= i || separator >= end - 1 || count === MAX_ENTRIES) return null;
    const first = text.charCodeAt(i);
    // Integer-like names come first in a JS object's order: those go to the map path.
    if (first >= 0x30 && first <= 0x39) return null;
    const name = text.slice(i, separator);
    // A repeated name keeps its first place with its last value (and __proto__ is special): the map path.
    if (name === '__proto__' || ROUTING_NAMES.has(name)) return null;
    for (let e = 0; e < count; e++) {
      if (separators[e]! - starts[e]! === name.length && text.startsWith(name, starts[e]!)) return null;
    }
    if (name === 'WAIT') wait = count;
    else if (name === 'CLUSTER') clusterAt = count;
    else if (name === 'UNIQ_KEY') unique = count;
    starts[count] = i;
    separators[count] = separator;
    ends[count] = end;
    count++;
    i = end + 1;
  }
  let uniqueId = unique < 0 ? undefined : text.slice(separators[unique]! + 1, ends[unique]!);
  // The map after the broker's edits, in its order: the entries as sent with CLUSTER set in place, then the added
  // UNIQ_KEY (5.x) and CLUSTER, then WAIT (removed and put back last; 4.9 drops it from the stored string).
  let stored = '';
  let run = -1;
  for (let e = 0; e <= count; e++) {
    if (e < count && e !== wait && e !== clusterAt) {
      if (run < 0) run = e;
      continue;
    }
    // Consecutive entries kept as they are go in as one slice of the sent string.
    if (run >= 0) {
      stored += (stored.length === 0 ? '' : PROPERTY_SEPARATOR) + text.slice(starts[run]!, ends[e - 1]!);
      run = -1;
    }
    if (e === clusterAt) stored += (stored.length === 0 ? '' : PROPERTY_SEPARATOR) + CLUSTER_NAME + cluster;
  }
  if (uniqueId === undefined && createUniqueId !== null) {
    uniqueId = createUniqueId();
    stored += (stored.length === 0 ? '' : PROPERTY_SEPARATOR) + UNIQ_KEY_NAME + uniqueId;
  }
  if (clusterAt < 0) stored += (stored.length === 0 ? '' : PROPERTY_SEPARATOR) + CLUSTER_NAME + cluster;
  if (wait >= 0 && keepWait) stored += PROPERTY_SEPARATOR + text.slice(starts[wait]!, ends[wait]!);
  return { stored, uniqueId };
}

const CLUSTER_NAME = 'CLUSTER' + NAME_VALUE_SEPARATOR;
const UNIQ_KEY_NAME = 'UNIQ_KEY' + NAME_VALUE_SEPARATOR;
