/**
 * Ordered messages: every order's events go to one queue, in the order they happened (Java
 * `SelectMessageQueueByHash`), first one `send` at a time per order, then as a stream with `publish({ orderBy })`.
 *
 *   npx tsx examples/ordered.ts
 */
import { from, lastValueFrom, toArray } from 'rxjs';
import { Producer, selectByHash } from '../src/index.js';
import type { Message } from '../src/index.js';
import { nameServer } from './name-server.js';

const STEPS = ['created', 'paid', 'packed', 'shipped', 'delivered'];
const ORDERS = ['order-1', 'order-2', 'order-3', 'order-4'];

const ns = await nameServer();
const producer = new Producer({ producerGroup: 'OrderedGroup', namesrvAddr: ns.namesrvAddr });
await producer.start();
try {
  const topic = 'OrderEvents';

  // 1. One send at a time per order, with a selector and its argument (the order id).
  for (const orderId of ORDERS) {
    for (const step of STEPS) {
      const result = await producer.send({ topic, keys: orderId, body: `${orderId} ${step}` }, { selector: selectByHash, arg: orderId });
      console.log(`${orderId.padEnd(8)} ${step.padEnd(9)} → ${result.messageQueue.brokerName}/${result.messageQueue.queueId} @${result.queueOffset}`);
    }
  }

  // 2. A stream: per-order sequence kept (one send in flight per order, on the order's queue), orders in parallel.
  const events: Message[] = STEPS.flatMap((step) => ORDERS.map((orderId) => ({ topic, keys: orderId, body: `${orderId} ${step}` })));
  const outcomes = await lastValueFrom(
    from(events).pipe(producer.publish({ orderBy: (message) => String(message.keys), ordered: true }), toArray()),
  );
  for (const outcome of outcomes) {
    if (outcome.ok) {
      const { brokerName, queueId } = outcome.result.messageQueue;
      console.log(`publish: ${String(outcome.message.body).padEnd(20)} → ${brokerName}/${queueId} @${outcome.result.queueOffset}`);
    } else {
      console.error(`publish: ${String(outcome.message.body)} failed:`, outcome.error);
    }
  }
} finally {
  await producer.shutdown();
  await ns.close();
}
