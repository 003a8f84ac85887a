/** Sync send: waits for the broker's answer; retried on another broker up to `retryTimesWhenSendFailed` times. */
import { MQBrokerError, Producer } from '../src/index.js';
import { nameServer } from './name-server.js';

const ns = await nameServer();
const producer = new Producer({ producerGroup: 'SyncExampleGroup', namesrvAddr: ns.namesrvAddr, sendMsgTimeout: 3000 });
await producer.start();
try {
  for (let i = 0; i < 5; i++) {
    try {
      const result = await producer.send({ topic: 'SyncTopic', tags: 'TagA', keys: [`order-${i}`], body: `message ${i}` });
      console.log(`#${i} ${result.sendStatus} ${result.msgId} → ${result.messageQueue.brokerName}/${result.messageQueue.queueId}@${result.queueOffset}`);
    } catch (error) {
      // Branch on `code` / `responseCode`, never on the message text.
      if (error instanceof MQBrokerError) console.error(`#${i} broker said ${error.responseCode}: ${error.remark}`);
      else throw error;
    }
  }
} finally {
  await producer.shutdown();
  await ns.close();
}
