/** Oneway send: settles once the request is written; no result, no retry (fastest, at-most-once). */
import { Producer } from '../src/index.js';
import { nameServer } from './name-server.js';

const ns = await nameServer();
const producer = new Producer({ producerGroup: 'OnewayExampleGroup', namesrvAddr: ns.namesrvAddr });
await producer.start();
try {
  for (let i = 0; i < 5; i++) await producer.sendOneway({ topic: 'OnewayTopic', tags: 'log', body: `log line ${i}` });
  console.log('5 oneway messages written');
  await new Promise((r) => setTimeout(r, 100));
} finally {
  await producer.shutdown();
  await ns.close();
}
