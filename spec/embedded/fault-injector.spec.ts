import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FaultInjector } from '../../src/embedded/fault-injector.js';

describe('FaultInjector', () => {
  it('respondWith applies to the next N matching requests, then removes itself', () => {
    const faults = new FaultInjector();
    const handle = faults.respondWith(14, { times: 2, requestCode: 310, remark: 'busy' });
    assert.equal(faults.decide(34).action, null);
    assert.deepEqual(faults.decide(310).action, { kind: 'respond', code: 14, remark: 'busy', answerOneway: false });
    assert.equal(handle.remaining, 1);
    assert.equal(faults.decide(310).action?.kind, 'respond');
    assert.equal(faults.decide(310).action, null);
    assert.equal(handle.applied, 2);
    assert.equal(faults.activeCount, 0);
  });

  it('delay combines with a response fault; swallow, garbage; remove() and clear()', () => {
    const faults = new FaultInjector();
    const delay = faults.delay(50);
    faults.swallow({ times: 1 });
    assert.deepEqual(faults.decide(10), { delayMillis: 50, action: { kind: 'swallow' } });
    assert.deepEqual(faults.decide(10), { delayMillis: 50, action: null });
    delay.remove();
    faults.writeGarbage({ bytes: Buffer.from([1]) });
    assert.deepEqual(faults.decide(10), { delayMillis: 0, action: { kind: 'garbage', bytes: Buffer.from([1]) } });
    faults.clear();
    assert.deepEqual(faults.decide(10), { delayMillis: 0, action: null });
  });

  it('closeConnectionAfter(n) lets n requests through and closes on the next one, once', () => {
    const faults = new FaultInjector();
    faults.closeConnectionAfter(2);
    assert.equal(faults.decide(10).action, null);
    assert.equal(faults.decide(10).action, null);
    assert.deepEqual(faults.decide(10).action, { kind: 'close' });
    assert.equal(faults.decide(10).action, null);
  });

  it('pause/resume: whenReadable resolves on resume; listeners hear both', async () => {
    const faults = new FaultInjector();
    const heard: boolean[] = [];
    faults.onPauseChange((paused) => heard.push(paused));
    assert.equal(faults.whenReadable(), null);
    faults.pause();
    assert.equal(faults.paused, true);
    const readable = faults.whenReadable()!;
    let resumed = false;
    void readable.then(() => (resumed = true));
    await Promise.resolve();
    assert.equal(resumed, false);
    faults.resume();
    await readable;
    assert.equal(resumed, true);
    assert.deepEqual(heard, [true, false]);
  });
});
