/**
 * Sends whose queue the caller picks (a `MessageQueueSelector`, a sharding key or an explicit queue). They run the
 * same send pipeline with two differences, as the Java `sendSelectImpl`: the queue comes from the caller instead of
 * the round robin, and there is exactly one attempt — a retry on another queue would break the order the caller
 * asked for.
 * @internal
 */
import type { Observable } from 'rxjs';
import { MQClientError } from '../errors.js';
import type { Message, MessageQueue, SendResult } from '../message/message.js';
import type { TopicPublishInfo } from '../route/topic-publish-info.js';
import type { SendMode } from './hooks.js';
import type { MessageQueueSelector } from './queue-selector.js';
import { selectByHash } from './queue-selector.js';
import type { SendPipelineDeps } from './send-pipeline.js';
import type { SendExtras } from './send-context.js';
import { createSendPipeline } from './send-pipeline.js';

/** How a pinned send chooses its queue. @internal */
export type QueueChoice =
  | { readonly kind: 'selector'; readonly selector: MessageQueueSelector<never>; readonly arg: unknown }
  | { readonly kind: 'queue'; readonly queue: MessageQueue };

function invalidQueue(detail: string): MQClientError {
  return new MQClientError(`the queue selector returned ${detail}; return one of the queues it was given`, -1, {
    code: 'RMQ_ERR_INVALID_QUEUE',
  });
}

function pick(choice: QueueChoice, info: TopicPublishInfo, message: Message): MessageQueue {
  if (choice.kind === 'queue') {
    // The route's topic is the one on the wire (namespaced); the caller's queue may carry the bare name.
    return { topic: info.topic, brokerName: choice.queue.brokerName, queueId: choice.queue.queueId };
  }
  const queue = (choice.selector as MessageQueueSelector)(info.messageQueues, message, choice.arg) as MessageQueue | undefined;
  if (queue === null || typeof queue !== 'object' || typeof queue.brokerName !== 'string' || !Number.isInteger(queue.queueId)) {
    throw invalidQueue(String(queue));
  }
  return queue;
}

/**
 * The choice a send's options and message ask for, or `null` for a normal (round-robin, retried) send: an explicit
 * `queue` wins, then a `selector` (with `arg`), then a sharding key (send option, else the message's field), which
 * hashes with {@link selectByHash}.
 * @internal
 */
export function queueChoiceOf(
  message: Message,
  options: { queue?: MessageQueue; selector?: MessageQueueSelector<never>; arg?: unknown; shardingKey?: string },
): QueueChoice | null {
  if (options.queue !== undefined) return { kind: 'queue', queue: options.queue };
  if (options.selector !== undefined) return { kind: 'selector', selector: options.selector, arg: options.arg };
  const key = options.shardingKey ?? (message as { shardingKey?: string } | null)?.shardingKey;
  if (key !== undefined && key !== null && key !== '') return { kind: 'selector', selector: selectByHash, arg: key };
  return null;
}

/**
 * One pinned send: the producer's pipeline with the caller's queue and no retry.
 * @internal
 */
export function pinnedSend$(
  deps: SendPipelineDeps,
  choice: QueueChoice,
  message: Message,
  mode: SendMode,
  timeoutMillis: number,
  extras?: SendExtras,
): Observable<SendResult> {
  const pipeline = createSendPipeline({
    ...deps,
    options: { ...deps.options, retryTimesWhenSendFailed: 0, retryTimesWhenSendAsyncFailed: 0, retryAnotherBrokerWhenNotStoreOK: false },
    faultStrategy: {
      selectOneMessageQueue: (info) => pick(choice, info, message),
      updateFaultItem: (brokerName, latencyMillis, isolation, reachable) =>
        deps.faultStrategy.updateFaultItem(brokerName, latencyMillis, isolation, reachable),
    },
  });
  return pipeline(message, mode, timeoutMillis, extras);
}
