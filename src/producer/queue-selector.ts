/**
 * Queue selectors for ordered sends (Java `MessageQueueSelector` and its built-ins): the caller, not the round
 * robin, decides which queue a message goes to, so that messages of one key share a queue (and thus an order).
 */
import type { Message, MessageQueue } from '../message/message.js';

/**
 * Picks the queue of one send from the topic's writable queues (Java `MessageQueueSelector.select`).
 *
 * @param queues - the topic's send queues, in route order (never empty)
 * @param message - the message being sent
 * @param arg - the `arg` given with the send
 * @returns one of `queues`
 * @example
 * ```ts
 * const byOrderId: MessageQueueSelector<number> = (queues, _message, orderId) => queues[orderId % queues.length]!;
 * await producer.send(message, { selector: byOrderId, arg: 42 });
 * ```
 */
export type MessageQueueSelector<A = unknown> = (queues: readonly MessageQueue[], message: Message, arg: A) => MessageQueue;

/**
 * Java `String.hashCode`: `s[0]·31^(n−1) + … + s[n−1]` over UTF-16 code units, in int32 arithmetic.
 *
 * @param text - any string
 * @returns the int32 hash a Java client computes for the same string
 * @example
 * ```ts
 * javaStringHashCode('OrderID188'); // the same number Java prints for "OrderID188".hashCode()
 * ```
 */
export function javaStringHashCode(text: string): number {
  let hash = 0;
  for (let i = 0; i < text.length; i++) hash = (Math.imul(31, hash) + text.charCodeAt(i)) | 0;
  return hash;
}

/**
 * The Java `hashCode()` of a selector argument: `String.hashCode` for strings, the value for int32 numbers,
 * `Long.hashCode` (`(int)(v ^ v >>> 32)`) for other integers and bigints, `Boolean.hashCode` for booleans, and an
 * object's own `hashCode()` method when it has one; anything else hashes its `String(arg)`.
 *
 * @param arg - the selector argument
 * @returns an int32
 */
export function javaHashCode(arg: unknown): number {
  if (typeof arg === 'string') return javaStringHashCode(arg);
  if (typeof arg === 'number' && Number.isInteger(arg)) {
    if (arg >= -0x80000000 && arg <= 0x7fffffff) return arg | 0;
    return longHashCode(BigInt(arg));
  }
  if (typeof arg === 'bigint') return longHashCode(arg);
  if (typeof arg === 'boolean') return arg ? 1231 : 1237;
  if (typeof arg === 'object' && arg !== null && typeof (arg as { hashCode?: unknown }).hashCode === 'function') {
    return Number((arg as { hashCode(): number }).hashCode()) | 0;
  }
  return javaStringHashCode(String(arg));
}

function longHashCode(value: bigint): number {
  const long = BigInt.asUintN(64, value);
  return Number(BigInt.asIntN(32, long ^ (long >> 32n)));
}

/**
 * Java `SelectMessageQueueByHash`: queue `|arg.hashCode() % size|`, so the same `arg` always lands on the same
 * queue while the topic's queues do not change.
 *
 * @param queues - the topic's send queues
 * @param _message - unused
 * @param arg - the ordering key (e.g. an order id); see {@link javaHashCode}
 * @returns the key's queue
 * @example
 * ```ts
 * await producer.send({ topic: 'Orders', body }, { selector: selectByHash, arg: orderId });
 * ```
 */
export function selectByHash(queues: readonly MessageQueue[], _message: Message, arg: unknown): MessageQueue {
  const value = Math.abs(javaHashCode(arg) % queues.length);
  return queues[value]!;
}

/**
 * Java `SelectMessageQueueByRandom`: a uniformly random queue.
 *
 * @param queues - the topic's send queues
 * @returns one of them
 */
export function selectByRandom(queues: readonly MessageQueue[]): MessageQueue {
  return queues[Math.floor(Math.random() * queues.length)]!;
}
