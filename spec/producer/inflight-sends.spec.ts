import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Subscriber } from 'rxjs';
import type { SelfTracked } from '../../src/producer/async-send-observer.js';
import { InflightSends } from '../../src/producer/inflight-sends.js';

class Tracked extends Subscriber<never> implements SelfTracked {
  tracker = null;
  trackedSlot = -1;
}

describe('InflightSends', () => {
  it('counts self-tracked and other sends, lets each go once, reuses freed slots', () => {
    const sends = new InflightSends();
    const a = new Tracked();
    const b = new Tracked();
    const c = new Tracked();
    const other = new Subscriber<never>();
    sends.addSelfTracked(a);
    sends.addSelfTracked(b);
    sends.add(other);
    assert.equal(sends.size, 3);
    assert.deepEqual(sends.snapshot(), [other, a, b]);
    sends.deleteSelfTracked(a);
    sends.deleteSelfTracked(a);
    assert.equal(sends.size, 2, 'a second let-go does nothing');
    assert.equal(a.trackedSlot, -1);
    sends.addSelfTracked(c);
    assert.equal(c.trackedSlot, 0, 'the freed slot is reused');
    // A subscriber that was never counted (or is counted elsewhere) is not let go in another's place.
    const stranger = new Tracked();
    stranger.trackedSlot = 0;
    sends.deleteSelfTracked(stranger);
    assert.equal(sends.size, 3);
    sends.delete(other);
    sends.deleteSelfTracked(b);
    sends.deleteSelfTracked(c);
    assert.equal(sends.size, 0);
    assert.deepEqual(sends.snapshot(), []);
  });

  it('matches a Set under random starts and ends (property)', () => {
    let seed = 7;
    const random = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const sends = new InflightSends();
    const model = new Set<Tracked>();
    const pool = Array.from({ length: 300 }, () => new Tracked());
    for (let step = 0; step < 20_000; step++) {
      const subscriber = pool[random(pool.length)]!;
      if (model.has(subscriber)) {
        sends.deleteSelfTracked(subscriber);
        model.delete(subscriber);
      } else {
        sends.addSelfTracked(subscriber);
        model.add(subscriber);
      }
      assert.equal(sends.size, model.size);
    }
    assert.deepEqual(new Set(sends.snapshot()), model);
  });
});
