import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CheckExecutor } from '../../src/transaction/check-executor.js';
import { endTransactionRequest, javaErrorText } from '../../src/transaction/end-transaction.js';
import { resolveOptions } from '../../src/producer/config.js';

describe('CheckExecutor (the check-back pool)', () => {
  it('runs at most `concurrency` checks, queues `holdMax`, refuses the rest, and drains in order', async () => {
    const executor = new CheckExecutor(2, 1);
    const releases: (() => void)[] = [];
    const order: number[] = [];
    const task = (n: number) => () =>
      new Promise<void>((resolve) => {
        order.push(n);
        releases.push(resolve);
      });
    assert.equal(executor.submit(task(1)), true);
    assert.equal(executor.submit(task(2)), true);
    assert.equal(executor.submit(task(3)), true, 'queued');
    assert.equal(executor.submit(task(4)), false, 'queue full');
    assert.deepEqual(order, [1, 2]);
    assert.equal(executor.size, 3);
    releases[0]!();
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(order, [1, 2, 3]);
    // A failing check frees its slot too.
    assert.equal(executor.submit(() => Promise.reject(new Error('x'))), true);
    releases[1]!();
    releases[2]!();
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(executor.size, 0);
    executor.close();
    assert.equal(executor.submit(task(5)), false, 'closed');
  });
});

describe('END_TRANSACTION header', () => {
  it('is oneway, null fields omitted, Java HashMap field order; remark only on an exception', () => {
    const request = endTransactionRequest({
      producerGroup: 'PG',
      tranStateTableOffset: 7,
      commitLogOffset: 123,
      state: 'ROLLBACK_MESSAGE',
      fromTransactionCheck: false,
      msgId: 'ID',
      transactionId: 'TX',
      brokerName: 'broker-a',
      remark: null,
    });
    assert.equal(request.code, 37);
    assert.equal(request.flag & 2, 2);
    assert.equal(request.remark, null);
    assert.deepEqual(Object.keys(request.extFields!), [
      'producerGroup', 'bname', 'commitLogOffset', 'msgId', 'tranStateTableOffset', 'commitOrRollback', 'transactionId', 'fromTransactionCheck',
    ]);
    assert.equal(request.extFields!.commitOrRollback, '12');
    const fromCheck = endTransactionRequest({
      producerGroup: 'PG', tranStateTableOffset: '1', commitLogOffset: '2', state: 'UNKNOW', fromTransactionCheck: true,
      msgId: 'ID', transactionId: null, brokerName: null, remark: 'checkLocalTransactionState Exception: Error: x',
    });
    assert.deepEqual(Object.keys(fromCheck.extFields!), ['producerGroup', 'commitLogOffset', 'msgId', 'tranStateTableOffset', 'commitOrRollback', 'fromTransactionCheck']);
    assert.equal(fromCheck.extFields!.commitOrRollback, '0');
    assert.equal(fromCheck.remark, 'checkLocalTransactionState Exception: Error: x');
    assert.equal(javaErrorText(new RangeError('r')), 'RangeError: r');
    assert.equal(javaErrorText('plain'), 'plain');
  });
});

describe('transaction options', () => {
  it('are validated eagerly with the field named', () => {
    const listener = { executeLocalTransaction: () => 'COMMIT_MESSAGE' as const, checkLocalTransaction: () => 'UNKNOW' as const };
    const resolved = resolveOptions({ namesrvAddr: '127.0.0.1:9876', transactionListener: listener });
    assert.equal(resolved.transactionListener, listener);
    assert.equal(resolved.checkConcurrency, 1);
    assert.equal(resolved.checkRequestHoldMax, 2000);
    assert.throws(() => resolveOptions({ namesrvAddr: '127.0.0.1:9876', transactionListener: {} as never }), { code: 'RMQ_ERR_INVALID_OPTION', option: 'transactionListener' });
    assert.throws(() => resolveOptions({ namesrvAddr: '127.0.0.1:9876', checkConcurrency: 0 }), { option: 'checkConcurrency' });
    assert.throws(() => resolveOptions({ namesrvAddr: '127.0.0.1:9876', checkRequestHoldMax: -1 }), { option: 'checkRequestHoldMax' });
  });
});
