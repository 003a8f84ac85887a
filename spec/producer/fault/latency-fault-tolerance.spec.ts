import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { LatencyFaultTolerance } from '../../../src/producer/fault/latency-fault-tolerance.js';

function clock(start = 1_000_000) {
  const c = { t: start, now: () => c.t };
  return c;
}

describe('LatencyFaultTolerance', () => {
  it('treats unknown brokers as available and reachable', () => {
    const faults = new LatencyFaultTolerance();
    assert.equal(faults.isAvailable('a'), true);
    assert.equal(faults.isReachable('a'), true);
    assert.equal(faults.pickOneAtLeast(), null);
  });

  it('avoids a broker for exactly the penalty window', () => {
    const c = clock();
    const faults = new LatencyFaultTolerance({ now: c.now });
    faults.updateFaultItem('a', 3000, 5000);
    assert.equal(faults.isAvailable('a'), false);
    c.t += 4999;
    assert.equal(faults.isAvailable('a'), false);
    c.t += 1;
    assert.equal(faults.isAvailable('a'), true);
  });

  it('only ever extends a penalty (Java 5.x), and a zero penalty leaves it alone', () => {
    const c = clock();
    const faults = new LatencyFaultTolerance({ now: c.now });
    faults.updateFaultItem('a', 15000, 30000);
    c.t += 1000;
    faults.updateFaultItem('a', 10, 0);
    faults.updateFaultItem('a', 600, 2000);
    assert.equal(faults.isAvailable('a'), false);
    assert.deepEqual(faults.faultItems(), [{ name: 'a', currentLatency: 600, startTimestamp: 1_030_000, reachable: true }]);
    c.t = 1_030_000;
    assert.equal(faults.isAvailable('a'), true);
    faults.updateFaultItem('a', 3000, 6000);
    assert.equal(faults.faultItems()[0]?.startTimestamp, 1_036_000);
  });

  it('tracks reachability and picks a random reachable broker as the last resort', () => {
    const faults = new LatencyFaultTolerance({ random: () => 0.99 });
    faults.updateFaultItem('a', 1, 1000, false);
    faults.updateFaultItem('b', 1, 1000, true);
    faults.updateFaultItem('c', 1, 1000, true);
    assert.equal(faults.isReachable('a'), false);
    assert.equal(faults.pickOneAtLeast(), 'c');
    faults.remove('c');
    assert.equal(faults.pickOneAtLeast(), 'b');
    faults.updateFaultItem('b', 1, 0, false);
    assert.equal(faults.pickOneAtLeast(), null);
    faults.updateFaultItem('a', 1, 0, true);
    assert.equal(faults.isReachable('a'), true);
  });
});
