import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RemotingSendRequestError, type RemotingError } from '../../src/errors.js';
import { InflightTable, type InflightEntry } from '../../src/remoting/inflight.js';
import { createResponse, SerializeType, type RemotingCommand } from '../../src/remoting/remoting-command.js';

class Entry implements InflightEntry {
  outcome: string | null = null;
  readonly deadline: number;
  constructor(
    readonly opaque: number,
    timeoutMillis: number,
  ) {
    this.deadline = performance.now() + timeoutMillis;
  }
  resolve(response: RemotingCommand): void {
    this.outcome = `response ${response.code}`;
  }
  expire(): void {
    this.outcome = 'expired';
  }
  fail(error: RemotingError): void {
    this.outcome = error.code;
  }
}

const response = (opaque: number, code = 0): RemotingCommand =>
  createResponse({ opaque, serializeType: SerializeType.JSON }, code);
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('InflightTable', () => {
  it('correlates responses by opaque and ignores unknown ones', () => {
    const table = new InflightTable();
    const a = new Entry(1, 10_000);
    const b = new Entry(2, 10_000);
    assert.equal(table.add(a), true);
    assert.equal(table.add(b), true);
    assert.equal(table.add(new Entry(1, 10_000)), false, 'an opaque in use is refused');
    assert.equal(table.resolve(response(2, 7)), true);
    assert.equal(b.outcome, 'response 7');
    assert.equal(table.resolve(response(2)), false, 'a second response for the same opaque is ignored');
    assert.equal(table.resolve(response(99)), false);
    assert.equal(table.size, 1);
    table.rejectAll(new RemotingSendRequestError('closed'));
    assert.equal(a.outcome, 'RMQ_ERR_REMOTING_SEND_REQUEST');
    assert.equal(table.size, 0);
  });

  it('remove() only removes the same entry', () => {
    const table = new InflightTable();
    const a = new Entry(1, 10_000);
    table.add(a);
    table.remove(new Entry(1, 10_000));
    assert.equal(table.has(1), true);
    table.remove(a);
    assert.equal(table.size, 0);
    assert.equal(a.outcome, null);
    table.rejectAll(new RemotingSendRequestError('closed'));
  });

  it('expires entries at their deadline with one timer, shorter timeouts first', async () => {
    const table = new InflightTable();
    const long = new Entry(1, 120);
    const short = new Entry(2, 30);
    const answered = new Entry(3, 30);
    table.add(long);
    table.add(short);
    table.add(answered);
    table.resolve(response(3));
    await sleep(70);
    assert.equal(short.outcome, 'expired');
    assert.equal(long.outcome, null);
    await sleep(100);
    assert.equal(long.outcome, 'expired');
    assert.equal(table.size, 0);
  });

  it('rejectAll fails every entry at once and stops the timer', () => {
    const table = new InflightTable();
    const entries = Array.from({ length: 1000 }, (_, i) => new Entry(i, 60_000));
    for (const entry of entries) table.add(entry);
    table.rejectAll(new RemotingSendRequestError('closed'));
    assert.ok(entries.every((entry) => entry.outcome === 'RMQ_ERR_REMOTING_SEND_REQUEST'));
  });
});
