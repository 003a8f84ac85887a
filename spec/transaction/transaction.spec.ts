/**
 * Transactional messages end to end over TCP against the embedded cluster: half message, local transaction,
 * END_TRANSACTION, broker check-backs.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import type { MessageExt } from '../../src/message/message-ext.js';
import type { Message } from '../../src/message/message.js';
import { ResponseCode } from '../../src/remoting/response-code.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { LocalTransactionState, type TransactionListener } from '../../src/transaction/transaction-listener.js';
import type { LocalTransactionEvent, TransactionCheckDroppedEvent, TransactionCheckEvent } from '../../src/transaction/diagnostics.js';
import type { Producer } from '../../src/producer/producer.js';
import type { ProducerOptions } from '../../src/producer/config.js';
import { startCluster, startProducer as startAnyProducer, stopAll, unique } from '../producer/cluster-fixture.js';

/** Producers here heartbeat every 100 ms, so the broker soon knows the connection to check on. */
function startProducer(cluster: EmbeddedCluster, options: ProducerOptions = {}): Promise<Producer> {
  return startAnyProducer(cluster, { heartbeatBrokerInterval: 100, ...options });
}

const HALF_TOPIC = 'RMQ_SYS_TRANS_HALF_TOPIC';

async function eventually(check: () => boolean, timeoutMillis = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Waits until the broker has the producer's heartbeat (the connection a check goes to). */
async function heartbeated(cluster: EmbeddedCluster, producer: Producer): Promise<void> {
  await eventually(() => cluster.brokers.every((broker) => broker.clients.get(producer.clientId!)?.producerGroups.includes(producer.options.producerGroup) === true));
}

/** Collects what a diagnostics channel publishes while `run` runs. */
async function collect<T>(name: string, run: (events: T[]) => Promise<void>): Promise<T[]> {
  const events: T[] = [];
  const listener = (message: unknown): void => void events.push(message as T);
  diagnosticsChannel.subscribe(name, listener);
  try {
    await run(events);
  } finally {
    diagnosticsChannel.unsubscribe(name, listener);
  }
  return events;
}

function listenerOf(decide: (message: Message) => LocalTransactionState, check: (message: MessageExt) => LocalTransactionState | Promise<LocalTransactionState> = () => 'UNKNOW'): TransactionListener {
  return { executeLocalTransaction: (message) => decide(message), checkLocalTransaction: check };
}

describe('transactional messages (embedded cluster, real TCP)', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    // Check-backs come only when a test asks for them (checkTransactions / checkTransactionState).
    cluster = await startCluster({ brokers: 1, transactionCheckInterval: 0, transactionTimeOut: 0 });
  });
  after(stopAll);

  it('COMMIT_MESSAGE: the local transaction runs after the half message is stored, then the message is delivered', async () => {
    const topic = unique('TxCommit');
    let seenWhileRunning: { half: number; real: number } | null = null;
    let argSeen: unknown;
    // A listener that looks at the broker while it runs.
    const producer = await startProducer(cluster, {
      transactionListener: {
        executeLocalTransaction: (message, arg) => {
          argSeen = arg;
          seenWhileRunning = {
            half: cluster.messages({ topic: HALF_TOPIC }).filter((m) => m.properties.REAL_TOPIC === message.topic).length,
            real: cluster.messages({ topic }).length,
          };
          return LocalTransactionState.COMMIT_MESSAGE;
        },
        checkLocalTransaction: () => 'UNKNOW',
      },
    });
    const result = await producer.sendMessageInTransaction({ topic, keys: 'order-1', tags: 'tx', body: 'committed body' }, { orderId: 1 });
    assert.equal(result.localTransactionState, 'COMMIT_MESSAGE');
    assert.equal(result.sendStatus, 'SEND_OK');
    assert.equal(result.transactionId, result.msgId, 'a 4.9 broker gives no transactionId: the UNIQ_KEY is used');
    assert.deepEqual(argSeen, { orderId: 1 });
    assert.deepEqual(seenWhileRunning, { half: 1, real: 0 });
    const broker = cluster.brokers[0]!;
    await eventually(() => cluster.messages({ topic }).length === 1);
    const [delivered] = cluster.messages({ topic });
    assert.equal(delivered!.body.toString(), 'committed body');
    assert.equal(delivered!.uniqueId, result.msgId);
    assert.equal(delivered!.sysFlag & 0xc, 8, 'TRANSACTION_COMMIT_TYPE');
    const half = cluster.messages({ topic: HALF_TOPIC }).find((m) => m.uniqueId === result.msgId)!;
    assert.equal(half.properties.TRAN_MSG, 'true');
    assert.equal(half.properties.PGROUP, producer.options.producerGroup);
    assert.equal(delivered!.preparedTransactionOffset, half.commitLogOffset);
    const end = broker.endTransactions.find((e) => e.msgId === result.msgId)!;
    assert.equal(end.commitOrRollback, 8);
    assert.equal(end.fromTransactionCheck, false);
    assert.equal(end.oneway, true);
    assert.equal(end.tranStateTableOffset, result.queueOffset);
    assert.equal(end.commitLogOffset, half.commitLogOffset);
    assert.equal(end.brokerName, 'broker-a');
    assert.equal(end.transactionId, null);
    assert.equal(broker.pendingTransactions.has(result.msgId), false);
  });

  it('ROLLBACK_MESSAGE: the message is never delivered', async () => {
    const topic = unique('TxRollback');
    const producer = await startProducer(cluster, { transactionListener: listenerOf(() => 'ROLLBACK_MESSAGE') });
    const result = await producer.sendMessageInTransaction({ topic, body: 'rolled back' });
    assert.equal(result.localTransactionState, 'ROLLBACK_MESSAGE');
    const broker = cluster.brokers[0]!;
    await eventually(() => broker.endTransactions.some((e) => e.msgId === result.msgId));
    assert.equal(broker.endTransactions.find((e) => e.msgId === result.msgId)!.commitOrRollback, 12);
    assert.equal(broker.pendingTransactions.has(result.msgId), false);
    assert.equal(broker.checkTransactions(), 0, 'a rolled-back transaction is not checked');
    assert.equal(cluster.messages({ topic }).length, 0);
  });

  it('UNKNOW, then the check-back answers COMMIT_MESSAGE: delivered, END_TRANSACTION from the check', async () => {
    const topic = unique('TxCheckCommit');
    const checked: MessageExt[] = [];
    const producer = await startProducer(cluster, {
      transactionListener: listenerOf(
        () => 'UNKNOW',
        (message) => {
          checked.push(message);
          return Promise.resolve(LocalTransactionState.COMMIT_MESSAGE);
        },
      ),
    });
    const result = await producer.sendMessageInTransaction({ topic, keys: ['k1', 'k2'], properties: { kind: 'unknow' }, body: 'checked' });
    assert.equal(result.localTransactionState, 'UNKNOW');
    const broker = cluster.brokers[0]!;
    await eventually(() => broker.endTransactions.some((e) => e.msgId === result.msgId));
    assert.equal(broker.endTransactions.find((e) => e.msgId === result.msgId)!.commitOrRollback, 0, 'UNKNOW is sent too');
    assert.equal(cluster.messages({ topic }).length, 0);
    await heartbeated(cluster, producer);
    const checks = await collect<TransactionCheckEvent>('rocketmq:transaction:check', async (events) => {
      assert.equal(broker.checkTransactions(), 1);
      await eventually(() => events.length === 1);
    });
    assert.equal(checks[0]!.state, 'COMMIT_MESSAGE');
    await eventually(() => cluster.messages({ topic }).length === 1);
    assert.equal(checked.length, 1);
    const message = checked[0]!;
    assert.equal(message.topic, topic, 'the real topic, not the half topic');
    assert.equal(message.transactionId, result.msgId);
    assert.equal(message.msgId, result.msgId);
    assert.deepEqual(message.keys, ['k1', 'k2']);
    assert.equal(message.properties.kind, 'unknow');
    assert.equal(message.properties.TRANSACTION_CHECK_TIMES, '1');
    assert.equal(message.body.toString(), 'checked');
    const fromCheck = broker.endTransactions.filter((e) => e.msgId === result.msgId && e.fromTransactionCheck);
    assert.equal(fromCheck.length, 1);
    assert.equal(fromCheck[0]!.commitOrRollback, 8);
    assert.equal(fromCheck[0]!.transactionId, result.msgId);
    assert.notEqual(fromCheck[0]!.commitLogOffset, broker.endTransactions.find((e) => e.msgId === result.msgId)!.commitLogOffset, 'names the re-put copy');
    assert.equal(cluster.messages({ topic })[0]!.properties.TRANSACTION_CHECK_TIMES, '1');
    assert.equal(broker.pendingTransactions.has(result.msgId), false);
  });

  it('UNKNOW, then the check-back answers ROLLBACK_MESSAGE: never delivered', async () => {
    const topic = unique('TxCheckRollback');
    const producer = await startProducer(cluster, { transactionListener: listenerOf(() => 'UNKNOW', () => 'ROLLBACK_MESSAGE') });
    const result = await producer.sendMessageInTransaction({ topic, body: 'checked then rolled back' });
    const broker = cluster.brokers[0]!;
    await heartbeated(cluster, producer);
    const half = cluster.messages({ topic: HALF_TOPIC }).find((m) => m.uniqueId === result.msgId)!;
    assert.equal(broker.checkTransactionState(half.commitLogOffset), true);
    await eventually(() => broker.endTransactions.some((e) => e.msgId === result.msgId && e.fromTransactionCheck));
    assert.equal(broker.endTransactions.find((e) => e.msgId === result.msgId && e.fromTransactionCheck)!.commitOrRollback, 12);
    assert.equal(broker.pendingTransactions.has(result.msgId), false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(cluster.messages({ topic }).length, 0);
  });

  it('a throwing local transaction counts as UNKNOW, is published, and the END_TRANSACTION says why', async () => {
    const topic = unique('TxThrow');
    const producer = await startProducer(cluster, {
      transactionListener: listenerOf(() => {
        throw new TypeError('db down');
      }),
    });
    let result;
    const events = await collect<LocalTransactionEvent>('rocketmq:transaction:local', async () => {
      result = await producer.sendMessageInTransaction({ topic, body: 'x' });
    });
    assert.equal(result!.localTransactionState, 'UNKNOW');
    const mine = events.filter((e) => e.producerId === producer.id);
    assert.equal(mine.length, 1);
    assert.equal(mine[0]!.state, 'UNKNOW');
    assert.ok(mine[0]!.error instanceof TypeError);
    const broker = cluster.brokers[0]!;
    await eventually(() => broker.endTransactions.some((e) => e.msgId === result!.msgId));
    const end = broker.endTransactions.find((e) => e.msgId === result!.msgId)!;
    assert.equal(end.commitOrRollback, 0);
    assert.equal(end.remark, 'executeLocalTransactionBranch exception: TypeError: db down');
    assert.equal(broker.pendingTransactions.has(result!.msgId), true, 'left for a check-back');

    // A rejecting listener and one returning nonsense count as UNKNOW too.
    const rejecting = await startProducer(cluster, { transactionListener: listenerOf(() => Promise.reject(new Error('no')) as never) });
    assert.equal((await rejecting.sendMessageInTransaction({ topic, body: 'x' })).localTransactionState, 'UNKNOW');
    const nonsense = await startProducer(cluster, { transactionListener: listenerOf(() => 'MAYBE' as never) });
    assert.equal((await nonsense.sendMessageInTransaction({ topic, body: 'x' })).localTransactionState, 'UNKNOW');
  });

  it('a failed half send rejects without running the local transaction', async () => {
    const topic = unique('TxHalfFails');
    let ran = 0;
    const producer = await startProducer(cluster, {
      retryTimesWhenSendFailed: 1,
      transactionListener: listenerOf(() => {
        ran++;
        return 'COMMIT_MESSAGE';
      }),
    });
    const broker = cluster.brokers[0]!;
    await producer.send({ topic, body: 'warm the route' });
    broker.faults.respondWith(ResponseCode.SYSTEM_BUSY, { requestCode: RequestCode.SEND_MESSAGE_V2, times: 2 });
    const ends = broker.endTransactions.length;
    await assert.rejects(producer.sendMessageInTransaction({ topic, body: 'never' }), (error: { code?: string; responseCode?: number }) => {
      assert.equal(error.code, 'RMQ_ERR_BROKER');
      assert.equal(error.responseCode, ResponseCode.SYSTEM_BUSY);
      return true;
    });
    assert.equal(ran, 0);
    assert.equal(broker.endTransactions.length, ends, 'no END_TRANSACTION');
    // Invalid messages are refused before anything is sent.
    await assert.rejects(producer.sendMessageInTransaction({ topic: '', body: 'x' }), { code: 'RMQ_ERR_BLANK_TOPIC' });
    await assert.rejects(producer.sendMessageInTransaction({ topic, body: 'x', delayMs: 1000 }), { code: 'RMQ_ERR_TRANSACTION_DELAY' });
    assert.equal(ran, 0);
  });

  it('a delay level on a transactional message is cleared (as Java)', async () => {
    const topic = unique('TxDelay');
    const producer = await startProducer(cluster, { transactionListener: listenerOf(() => 'COMMIT_MESSAGE') });
    const result = await producer.sendMessageInTransaction({ topic, body: 'x', delayTimeLevel: 3 });
    await eventually(() => cluster.messages({ topic }).length === 1);
    assert.equal(cluster.messages({ topic })[0]!.properties.DELAY, undefined);
    assert.equal(result.localTransactionState, 'COMMIT_MESSAGE');
  });

  it('two producers of one group: the broker may check either, each answers', async () => {
    const topic = unique('TxTwo');
    const group = unique('TxGroup');
    const decided = new Set<string>();
    const checkedBy: number[] = [];
    const makeListener = (index: number): TransactionListener =>
      listenerOf(
        () => 'UNKNOW',
        (message) => {
          checkedBy.push(index);
          return decided.has(message.msgId) ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE';
        },
      );
    const a = await startProducer(cluster, { producerGroup: group, instanceName: unique('A'), transactionListener: makeListener(0) });
    const b = await startProducer(cluster, { producerGroup: group, instanceName: unique('B'), transactionListener: makeListener(1) });
    const results = [];
    for (let i = 0; i < 4; i++) {
      const result = await a.sendMessageInTransaction({ topic, body: `m${i}` });
      decided.add(result.msgId);
      results.push(result);
    }
    // b has to know the broker (a route in use) to heartbeat it, as a Java producer.
    await b.send({ topic, body: 'b knows the topic' });
    await heartbeated(cluster, a);
    await heartbeated(cluster, b);
    const broker = cluster.brokers[0]!;
    for (const result of results) {
      const half = cluster.messages({ topic: HALF_TOPIC }).find((m) => m.uniqueId === result.msgId)!;
      assert.equal(broker.checkTransactionState(half.commitLogOffset), true);
    }
    await eventually(() => checkedBy.length === 4);
    assert.deepEqual(new Set(checkedBy), new Set([0, 1]), 'checks went to both producers');
    await eventually(() => cluster.messages({ topic }).length === 5);
  });

  it('checks beyond checkRequestHoldMax are dropped and published; the broker checks again later', async () => {
    const topic = unique('TxOverflow');
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let checks = 0;
    const producer = await startProducer(cluster, {
      checkConcurrency: 1,
      checkRequestHoldMax: 1,
      transactionListener: listenerOf(
        () => 'UNKNOW',
        async () => {
          checks++;
          await gate;
          return LocalTransactionState.COMMIT_MESSAGE;
        },
      ),
    });
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await producer.sendMessageInTransaction({ topic, body: `m${i}` })).msgId);
    await heartbeated(cluster, producer);
    const broker = cluster.brokers[0]!;
    const checkAll = (): number =>
      ids
        .filter((id) => broker.pendingTransactions.has(id))
        .filter((id) => broker.checkTransactionState(broker.pendingTransactions.get(id)!.commitLogOffset)).length;
    const dropped = await collect<TransactionCheckDroppedEvent>('rocketmq:transaction:checkDropped', async (events) => {
      assert.equal(checkAll(), 4);
      await eventually(() => events.length === 2);
    });
    assert.ok(dropped.every((e) => e.reason === 'queueFull' && e.producerId === producer.id));
    assert.equal(checks, 1, 'one runs, one waits, two are dropped');
    release();
    await eventually(() => cluster.messages({ topic }).length === 2);
    // The dropped ones are still pending: the next pass checks them again.
    assert.equal(checkAll(), 2);
    await eventually(() => cluster.messages({ topic }).length === 4);
  });

  it('without a transactionListener: sendMessageInTransaction fails, checks are ignored', async () => {
    const topic = unique('TxNoListener');
    const plain = await startProducer(cluster);
    await assert.rejects(plain.sendMessageInTransaction({ topic, body: 'x' }), { code: 'RMQ_ERR_NO_TRANSACTION_LISTENER' });
    await plain.send({ topic, body: 'a plain send' });
    // A half message of this producer's group (sent by a transactional producer of the same group elsewhere).
    const tx = await startProducer(cluster, { producerGroup: plain.options.producerGroup, instanceName: unique('TX'), transactionListener: listenerOf(() => 'UNKNOW') });
    const result = await tx.sendMessageInTransaction({ topic, body: 'x' });
    await tx.shutdown();
    await heartbeated(cluster, plain);
    const broker = cluster.brokers[0]!;
    const ends = broker.endTransactions.length;
    const dropped = await collect<TransactionCheckDroppedEvent>('rocketmq:transaction:checkDropped', async (events) => {
      const half = cluster.messages({ topic: HALF_TOPIC }).find((m) => m.uniqueId === result.msgId)!;
      assert.equal(broker.checkTransactionState(half.commitLogOffset), true);
      await eventually(() => events.length === 1);
    });
    assert.equal(dropped[0]!.reason, 'noListener');
    await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(broker.endTransactions.length, ends, 'no answer');
  });
});

describe('the embedded broker’s transaction check service', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 1, transactionCheckInterval: 100, transactionTimeOut: 400, transactionCheckMax: 2 });
  });
  after(stopAll);

  it('checks an undecided half message by itself once it is transactionTimeOut old', async () => {
    const topic = unique('TxAuto');
    const checkedAt: number[] = [];
    const producer = await startProducer(cluster, {
      transactionListener: listenerOf(
        () => 'UNKNOW',
        () => {
          checkedAt.push(Date.now());
          return 'COMMIT_MESSAGE';
        },
      ),
    });
    const sentAt = Date.now();
    const result = await producer.sendMessageInTransaction({ topic, body: 'auto' });
    await eventually(() => cluster.messages({ topic }).length === 1);
    assert.equal(checkedAt.length, 1);
    assert.ok(checkedAt[0]! - sentAt >= 390, `checked ${checkedAt[0]! - sentAt} ms after the send`);
    assert.equal(cluster.brokers[0]!.pendingTransactions.has(result.msgId), false);
  });

  it('gives a half message up after transactionCheckMax checks (TRANS_CHECK_MAX_TIME_TOPIC)', async () => {
    const topic = unique('TxGiveUp');
    let checks = 0;
    const producer = await startProducer(cluster, {
      transactionListener: listenerOf(
        () => 'UNKNOW',
        () => {
          checks++;
          return 'UNKNOW';
        },
      ),
    });
    const result = await producer.sendMessageInTransaction({ topic, body: 'never decided' });
    await heartbeated(cluster, producer);
    const broker = cluster.brokers[0]!;
    await eventually(() => !broker.pendingTransactions.has(result.msgId));
    assert.equal(checks, 2);
    const parked = cluster.messages({ topic: 'TRANS_CHECK_MAX_TIME_TOPIC' }).filter((m) => m.uniqueId === result.msgId);
    assert.equal(parked.length, 1);
    assert.equal(parked[0]!.properties.TRANSACTION_CHECK_TIMES, '2');
    assert.equal(cluster.messages({ topic }).length, 0);
  });
});

describe('transactions with a namespace', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 1, transactionCheckInterval: 0 });
  });
  after(stopAll);

  it('the half message carries the namespaced group; the check-back shows the topic without the namespace', async () => {
    const topic = unique('TxNs');
    const seen: string[] = [];
    const producer = await startProducer(cluster, {
      namespace: 'ns1',
      transactionListener: listenerOf(
        () => 'UNKNOW',
        (message) => {
          seen.push(message.topic);
          return 'COMMIT_MESSAGE';
        },
      ),
    });
    const result = await producer.sendMessageInTransaction({ topic, body: 'x' });
    assert.equal(result.messageQueue.topic, topic);
    const half = cluster.messages({ topic: HALF_TOPIC }).find((m) => m.uniqueId === result.msgId)!;
    assert.equal(half.properties.REAL_TOPIC, `ns1%${topic}`);
    assert.equal(half.properties.PGROUP, `ns1%${producer.options.producerGroup}`);
    await eventually(() => cluster.brokers[0]!.clients.get(producer.clientId!)?.producerGroups.includes(`ns1%${producer.options.producerGroup}`) === true);
    assert.equal(cluster.brokers[0]!.checkTransactionState(half.commitLogOffset), true);
    await eventually(() => cluster.messages({ topic: `ns1%${topic}` }).length === 1);
    assert.deepEqual(seen, [topic]);
  });
});
