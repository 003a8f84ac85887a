/**
 * The `MessageQueue` value type (topic, broker, queue id) as the route layer uses it, and small helpers over it.
 */

import type { MessageQueue } from '../message/message.js';

/** The message module's queue type, re-exported for the route layer. */
export type { MessageQueue };

/**
 * A string key that identifies a queue, for maps and sets: `topic@brokerName@queueId`.
 *
 * @param queue - The queue.
 * @returns The key; equal queues give equal keys.
 * @example
 * ```ts
 * messageQueueKey({ topic: 'T', brokerName: 'broker-a', queueId: 3 }); // 'T@broker-a@3'
 * ```
 */
export function messageQueueKey(queue: MessageQueue): string {
  return `${queue.topic}@${queue.brokerName}@${queue.queueId}`;
}

/**
 * Whether two queues are the same (Java `MessageQueue.equals`).
 *
 * @param a - One queue.
 * @param b - The other queue.
 * @returns `true` when topic, broker name and queue id are equal.
 */
export function isSameMessageQueue(a: MessageQueue, b: MessageQueue): boolean {
  return a.queueId === b.queueId && a.brokerName === b.brokerName && a.topic === b.topic;
}

/**
 * Java's `MessageQueue.compareTo` order: topic, then broker name, then queue id.
 *
 * @param a - One queue.
 * @param b - The other queue.
 * @returns Negative, zero or positive, for `Array.prototype.sort`.
 */
export function compareMessageQueues(a: MessageQueue, b: MessageQueue): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.brokerName !== b.brokerName) return a.brokerName < b.brokerName ? -1 : 1;
  return a.queueId - b.queueId;
}
