/**
 * `npx tsx examples/request-reply.ts`: request/reply over the broker. A price service answers requests on a topic;
 * the requester waits for each reply (matched by its correlation id). Against the embedded cluster the service is
 * `cluster.respond(...)`, which answers with `createReplyMessage` + SEND_REPLY_MESSAGE_V2 like any RocketMQ
 * responder. With `NAMESRV_ADDR` set, start a responder for `REQUEST_TOPIC` (default `ExamplePriceRequests`) first,
 * e.g. the Java `RequestReply` example consumer.
 */
import { MQClientError, Producer } from '../src/index.js';
import { nameServer } from './name-server.js';

const ns = await nameServer();
const topic = process.env['REQUEST_TOPIC'] ?? 'ExamplePriceRequests';
const prices: Record<string, number> = { AAPL: 187.3, MSFT: 411.2 };

// The service side (embedded cluster only): the reply body is built from the stored request.
await ns.cluster?.respond(topic, (request) => {
  const symbol = request.body.toString();
  return JSON.stringify({ symbol, price: prices[symbol] ?? null });
});

const producer = new Producer({ producerGroup: 'ExampleRequesterGroup', namesrvAddr: ns.namesrvAddr });
await producer.start();
try {
  for (const symbol of ['AAPL', 'MSFT']) {
    try {
      const reply = await producer.request({ topic, tags: 'price', body: symbol }, { timeout: 3000 });
      console.log(`${symbol} → ${reply.body.toString()} (correlation id ${reply.correlationId})`);
    } catch (error) {
      if (error instanceof MQClientError && error.code === 'RMQ_ERR_REQUEST_TIMEOUT') {
        console.log(`${symbol} → no reply within 3 s (is a responder for ${topic} running?)`);
      } else {
        throw error;
      }
    }
  }
} finally {
  await producer.shutdown();
  await ns.close();
}
