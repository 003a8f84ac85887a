/**
 * `npm start`: one message with each send mode (sync, async, oneway), against an embedded cluster or the name
 * server in `NAMESRV_ADDR`; prints the results, shuts everything down and exits 0.
 */
import { Producer } from '../src/index.js';
import type { SendResult } from '../src/index.js';
import { nameServer } from './name-server.js';

const ns = await nameServer();
const producer = new Producer({ producerGroup: 'QuickstartGroup', namesrvAddr: ns.namesrvAddr });
await producer.start();
try {
  const topic = 'QuickstartTopic';

  const sync = await producer.send({ topic, tags: 'TagA', keys: ['OrderID188'], body: 'Hello, RocketMQ (sync)' });
  console.log('sync   →', sync);

  const async = await new Promise<SendResult>((resolve, reject) => {
    producer.sendAsync(
      { topic, tags: 'TagB', body: { order: 188, items: ['tea', 'milk'] } },
      { onSuccess: resolve, onException: reject },
    );
  });
  console.log('async  →', async);

  await producer.sendOneway({ topic, tags: 'TagC', body: 'Hello, RocketMQ (oneway)' });
  console.log('oneway → written');
} finally {
  await producer.shutdown();
  await ns.close();
}
