/**
 * `npx tsx examples/transaction.ts`: transactional messages. Three orders: one committed by its local transaction,
 * one rolled back, one left UNKNOW and decided when the broker checks back. Runs against an embedded cluster (which
 * checks back within about a second) or the name server in `NAMESRV_ADDR` (a real broker checks after its
 * `transactionTimeOut` / `transactionCheckInterval`, 6 s / 60 s by default); exits 0 when all three are decided.
 */
import { LocalTransactionState, Producer } from '../src/index.js';
import type { MessageExt, TransactionListener } from '../src/index.js';
import { nameServer } from './name-server.js';

const ns = await nameServer({ transactionCheckInterval: 500, transactionTimeOut: 500 });

// The "database" of the local transactions.
const orders = new Map<string, 'paid' | 'cancelled' | 'pending'>();
let checkedBack: (message: MessageExt) => void = () => undefined;
const checked = new Promise<MessageExt>((resolve) => (checkedBack = resolve));

const listener: TransactionListener = {
  // Runs once the broker stored the half message; its answer goes to the broker as END_TRANSACTION.
  async executeLocalTransaction(message, orderId) {
    const id = String(orderId);
    if (id === 'order-2') {
      orders.set(id, 'cancelled');
      return LocalTransactionState.ROLLBACK_MESSAGE;
    }
    if (id === 'order-3') {
      orders.set(id, 'pending'); // not decided yet: the broker will ask again
      return LocalTransactionState.UNKNOW;
    }
    orders.set(id, 'paid');
    return LocalTransactionState.COMMIT_MESSAGE;
  },
  // The broker's check-back for a half message whose outcome is still unknown.
  async checkLocalTransaction(message) {
    const id = message.keys[0]!;
    orders.set(id, 'paid');
    console.log(`check-back for ${id} (transactionId ${message.transactionId}) → COMMIT_MESSAGE`);
    checkedBack(message);
    return LocalTransactionState.COMMIT_MESSAGE;
  },
};

const producer = new Producer({
  producerGroup: 'ExampleTxProducerGroup',
  namesrvAddr: ns.namesrvAddr,
  transactionListener: listener,
  heartbeatBrokerInterval: 1000, // so that the broker soon knows where to send its check-back
});
await producer.start();
try {
  const topic = 'ExampleTxOrders';
  for (const orderId of ['order-1', 'order-2', 'order-3']) {
    const result = await producer.sendMessageInTransaction({ topic, keys: orderId, tags: 'order', body: { orderId, amount: 42 } }, orderId);
    console.log(`${orderId}: half message ${result.msgId} on ${result.messageQueue.brokerName} → ${result.localTransactionState}`);
  }
  const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('no check-back within 90 s')), 90_000).unref());
  await Promise.race([checked, timeout]);
  if (ns.cluster !== null) {
    // Give the END_TRANSACTION of the check a moment to arrive, then show what consumers of the topic would see.
    await new Promise((resolve) => setTimeout(resolve, 200));
    const delivered = ns.cluster.messages({ topic }).map((m) => m.keys[0]);
    console.log(`delivered on ${topic}: ${delivered.join(', ')} (order-2 was rolled back)`);
  }
  console.log('orders:', Object.fromEntries(orders));
} finally {
  await producer.shutdown();
  await ns.close();
}
