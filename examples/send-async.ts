/**
 * Async send: returns at once; exactly one callback fires, exactly once. Retried by RxJS `retry` up to
 * `retryTimesWhenSendAsyncFailed` times.
 */
import { Producer } from '../src/index.js';
import { nameServer } from './name-server.js';

const ns = await nameServer();
const producer = new Producer({ producerGroup: 'AsyncExampleGroup', namesrvAddr: ns.namesrvAddr });
await producer.start();
try {
  const count = 10;
  await new Promise<void>((resolve) => {
    let settled = 0;
    const done = (): void => {
      settled += 1;
      if (settled === count) resolve();
    };
    for (let i = 0; i < count; i++) {
      producer.sendAsync(
        { topic: 'AsyncTopic', tags: 'TagA', body: { seq: i, at: new Date().toISOString() } },
        {
          onSuccess: (result) => {
            console.log(`#${i} ${result.sendStatus} ${result.msgId} → ${result.messageQueue.brokerName}`);
            done();
          },
          onException: (error) => {
            console.error(`#${i} failed: ${(error as { code?: string }).code ?? error.message}`);
            done();
          },
        },
      );
    }
  });
  // The same send as an Observable (cold: nothing is sent until subscribed).
  producer.send$({ topic: 'AsyncTopic', body: 'via send$' }, { mode: 'async' }).subscribe((r) => console.log('send$ →', r.msgId));
  await new Promise((r) => setTimeout(r, 200));
} finally {
  await producer.shutdown();
  await ns.close();
}
