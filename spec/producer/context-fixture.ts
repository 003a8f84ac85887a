/** Builds send contexts in a given pipeline stage for operator specs. */
import type { MessageQueue } from '../../src/message/message.js';
import type { TopicPublishInfo } from '../../src/route/topic-publish-info.js';
import { topicRouteToPublishInfo } from '../../src/route/topic-publish-info.js';
import type { Message } from '../../src/message/message.js';
import type { SendMode } from '../../src/producer/hooks.js';
import { createSendContext } from '../../src/producer/send-context.js';
import type { CompressedContext, EncodedContext, PreparedContext, QueuedContext, RoutedContext } from '../../src/producer/send-context.js';
import { createRequest } from '../../src/remoting/remoting-command.js';

export const UNIQ = 'C0A8000230391B6D358647B760000000';

export function twoBrokerRoute(topic = 'TopicTest'): TopicPublishInfo {
  return topicRouteToPublishInfo(topic, {
    queueDatas: [
      { brokerName: 'broker-a', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
      { brokerName: 'broker-b', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 },
    ],
    brokerDatas: [
      { cluster: 'C', brokerName: 'broker-a', brokerAddrs: { '0': '127.0.0.1:10911' } },
      { cluster: 'C', brokerName: 'broker-b', brokerAddrs: { '0': '127.0.0.1:10921' } },
    ],
    filterServerTable: {},
  } as never);
}

export function prepared(message: Partial<Message> = {}, mode: SendMode = 'sync', now = Date.now(), timeout = 3000): PreparedContext {
  const m: Message = { topic: 'TopicTest', body: 'Hello', ...message };
  const c = createSendContext(m, mode, now, timeout);
  c.topic = m.topic;
  c.body = Buffer.isBuffer(m.body) ? m.body : Buffer.from(String(m.body));
  c.uniqueId = UNIQ;
  c.properties = `UNIQ_KEY\u0001${UNIQ}\u0002WAIT\u0001true`;
  return c as PreparedContext;
}

export function routed(message: Partial<Message> = {}, mode: SendMode = 'sync'): RoutedContext {
  const c = prepared(message, mode);
  c.route = twoBrokerRoute(c.topic);
  return c as RoutedContext;
}

export function queued(message: Partial<Message> = {}, mode: SendMode = 'sync', queue?: MessageQueue): QueuedContext {
  const c = routed(message, mode);
  c.queue = queue ?? { topic: c.topic, brokerName: 'broker-a', queueId: 2 };
  c.brokerAddr = '127.0.0.1:10911';
  c.attempt = 1;
  return c as QueuedContext;
}

export function compressed(message: Partial<Message> = {}, mode: SendMode = 'sync'): CompressedContext {
  const c = queued(message, mode);
  c.wireBody = c.body;
  return c as CompressedContext;
}

export function encoded(message: Partial<Message> = {}, mode: SendMode = 'sync'): EncodedContext {
  const c = compressed(message, mode);
  c.request = createRequest(310, { a: 'PG' }, { body: c.wireBody, oneway: mode === 'oneway' });
  return c as EncodedContext;
}
