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

  it('one request at a time and many at once mix: each response reaches its own entry, whichever came first', async () => {
    const table = new InflightTable();
    // The first entry of an empty table, then others while it waits, then the first answered before the rest.
    const first = new Entry(10, 10_000);
    const second = new Entry(11, 10_000);
    const third = new Entry(12, 40);
    assert.equal(table.add(first), true);
    assert.equal(table.add(new Entry(10, 10_000)), false, "the first entry's opaque is taken");
    assert.equal(table.add(second), true);
    assert.equal(table.add(third), true);
    assert.equal(table.size, 3);
    assert.equal(table.has(10), true);
    assert.equal(table.resolve(response(10, 1)), true);
    assert.equal(first.outcome, 'response 1');
    assert.equal(table.resolve(response(10)), false, 'answered once');
    assert.equal(table.has(10), false);
    // A new entry while others still wait, with the first one's opaque: free again.
    const again = new Entry(10, 10_000);
    assert.equal(table.add(again), true);
    table.remove(new Entry(11, 10_000));
    assert.equal(table.has(11), true, 'remove() leaves another entry of the same opaque');
    table.remove(second);
    assert.equal(table.size, 2);
    await sleep(80);
    assert.equal(third.outcome, 'expired');
    assert.equal(again.outcome, null);
    // Alone again: sent one at a time, each answered before the next.
    assert.equal(table.resolve(response(10, 2)), true);
    assert.equal(again.outcome, 'response 2');
    for (let opaque = 100; opaque < 110; opaque++) {
      const entry = new Entry(opaque, 10_000);
      assert.equal(table.add(entry), true);
      assert.equal(table.size, 1);
      assert.equal(table.resolve(response(opaque, 3)), true);
      assert.equal(entry.outcome, 'response 3');
      assert.equal(table.size, 0);
    }
    const lone = new Entry(200, 30);
    table.add(lone);
    await sleep(70);
    assert.equal(lone.outcome, 'expired', 'a lone entry expires at its deadline too');
    const pending = [new Entry(300, 10_000), new Entry(301, 10_000)];
    for (const entry of pending) table.add(entry);
    table.rejectAll(new RemotingSendRequestError('closed'));
    assert.deepEqual(
      pending.map((entry) => entry.outcome),
      ['RMQ_ERR_REMOTING_SEND_REQUEST', 'RMQ_ERR_REMOTING_SEND_REQUEST'],
    );
    assert.equal(table.size, 0);
  });

  it('rejectAll fails every entry at once and stops the timer', () => {
    const table = new InflightTable();
    const entries = Array.from({ length: 1000 }, (_, i) => new Entry(i, 60_000));
    for (const entry of entries) table.add(entry);
    table.rejectAll(new RemotingSendRequestError('closed'));
    assert.ok(entries.every((entry) => entry.outcome === 'RMQ_ERR_REMOTING_SEND_REQUEST'));
  });

  it('keeps opaques that share a slot apart (multiples of the table size, negative opaques) and grows in order', () => {
    const table = new InflightTable();
    const failed: number[] = [];
    const opaques = [7, 7 + 256, 7 + 512, 7 - 65536, -2147483648, 2147483647, -1, 0, 256, 65536 * 3 + 7];
    // Then enough consecutive ones to make the table grow twice, with the colliding ones still in it.
    for (let i = 1; i < 600; i++) opaques.push(1_000_000 + i);
    const entries = opaques.map((opaque) => {
      const entry = new Entry(opaque, 60_000);
      entry.fail = (): void => void failed.push(opaque);
      return entry;
    });
    for (const entry of entries) assert.equal(table.add(entry), true, `add ${entry.opaque}`);
    for (const entry of entries) assert.equal(table.add(new Entry(entry.opaque, 60_000)), false, `duplicate ${entry.opaque}`);
    assert.equal(table.size, entries.length);
    assert.equal(table.has(7 + 1024), false);
    assert.equal(table.resolve(response(7 + 1024)), false);
    // Resolve some colliding ones, remove another, then fail the rest: in the order they were added.
    assert.equal(table.resolve(response(7 + 256, 3)), true);
    assert.equal(entries[1]!.outcome, 'response 3');
    assert.equal(table.resolve(response(-2147483648, 4)), true);
    table.remove(new Entry(7, 60_000));
    assert.equal(table.has(7), true, 'another entry with the same opaque is not removed');
    table.remove(entries[2]!);
    assert.equal(table.has(7 + 512), false);
    assert.equal(table.has(7), true);
    assert.equal(table.size, entries.length - 3);
    table.rejectAll(new RemotingSendRequestError('closed'));
    assert.deepEqual(failed, opaques.filter((opaque) => opaque !== 7 + 256 && opaque !== -2147483648 && opaque !== 7 + 512));
    assert.equal(table.size, 0);
    assert.equal(table.has(7), false);
    // Usable again after rejectAll.
    assert.equal(table.add(new Entry(7, 60_000)), true);
    assert.equal(table.resolve(response(7)), true);
  });

  it('expires colliding and grown entries in the order they were added', async () => {
    const table = new InflightTable();
    const expired: number[] = [];
    const opaques = [5, 5 + 256, 5 + 512, ...Array.from({ length: 300 }, (_, i) => 10_000 + i)];
    for (const opaque of opaques) {
      const entry = new Entry(opaque, 20);
      entry.expire = (): void => void expired.push(opaque);
      table.add(entry);
    }
    const survivor = new Entry(5 + 768, 60_000);
    table.add(survivor);
    await sleep(80);
    assert.deepEqual(expired, opaques);
    assert.equal(table.size, 1);
    assert.equal(table.resolve(response(5 + 768)), true);
    assert.equal(survivor.outcome, 'response 0');
  });

  it('matches a Map-based table under random adds, resolves and removes (property)', () => {
    let seed = 12345;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const table = new InflightTable();
    const model = new Map<number, Entry>();
    for (let step = 0; step < 20_000; step++) {
      const opaque = random(4) === 0 ? random(3000) * 256 : 100_000 + random(2000);
      const action = random(3);
      if (action === 0) {
        const entry = new Entry(opaque, 60_000);
        assert.equal(table.add(entry), !model.has(opaque));
        if (!model.has(opaque)) model.set(opaque, entry);
      } else if (action === 1) {
        const entry = model.get(opaque);
        assert.equal(table.resolve(response(opaque)), entry !== undefined);
        if (entry !== undefined) {
          assert.equal(entry.outcome, 'response 0');
          model.delete(opaque);
        }
      } else {
        const entry = model.get(opaque);
        if (entry !== undefined) {
          table.remove(entry);
          model.delete(opaque);
        }
      }
      assert.equal(table.size, model.size);
    }
    for (const opaque of model.keys()) assert.equal(table.has(opaque), true);
    const failed: Entry[] = [];
    for (const entry of model.values()) entry.fail = (): void => void failed.push(entry);
    table.rejectAll(new RemotingSendRequestError('closed'));
    assert.deepEqual(failed, [...model.values()], 'rejectAll goes in insertion order, as the Map');
  });

  it('goes back to its first size once a burst is over (timer firing on an empty table, or rejectAll), and still correlates', async () => {
    const table = new InflightTable();
    const first = table.capacity;
    const burst = Array.from({ length: 5_000 }, (_, i) => new Entry(i + 1, 30));
    for (const entry of burst) assert.equal(table.add(entry), true);
    assert.ok(table.capacity >= 8_192, `grew to ${table.capacity}`);
    for (const entry of burst) assert.equal(table.resolve(response(entry.opaque, 3)), true);
    assert.equal(table.capacity > first, true, 'not shrunk on each response');
    await sleep(80); // the timer armed for the burst's deadline fires once more and finds the table empty
    assert.equal(table.capacity, first);
    const late = new Entry(4_097, 10_000);
    const other = new Entry(1, 10_000);
    assert.equal(table.add(late), true);
    assert.equal(table.add(other), true, 'opaques that shared a slot before the shrink still both fit');
    assert.equal(table.resolve(response(4_097, 5)), true);
    assert.equal(late.outcome, 'response 5');
    for (let i = 0; i < 5_000; i++) table.add(new Entry(10_000 + i, 10_000));
    assert.ok(table.capacity >= 8_192);
    table.rejectAll(new RemotingSendRequestError('closed'));
    assert.equal(table.capacity, first);
    assert.equal(other.outcome, 'RMQ_ERR_REMOTING_SEND_REQUEST');
  });
});
