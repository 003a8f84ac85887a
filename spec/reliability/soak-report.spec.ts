import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { checkFlat, type MemorySample } from '../../reliability/soak-report.js';

const MiB = 2 ** 20;
const sample = (atSeconds: number, rssMiB: number, heapMiB: number): MemorySample => ({
  atSeconds,
  rssBytes: rssMiB * MiB,
  heapUsedBytes: heapMiB * MiB,
  pending: 0,
});

describe('soak memory check', () => {
  const growingRss = [sample(27, 100, 12), sample(44, 115, 12.2), sample(58, 120, 12.3)];

  it('fails RSS growing past +10 % on a long run', () => {
    const { violations, rssSpread } = checkFlat(growingRss);
    assert.equal(violations.length, 2);
    assert.ok(violations.every((v) => v.startsWith('RSS')));
    assert.ok(rssSpread !== null && Math.abs(rssSpread - 0.2) < 1e-9);
  });

  it('reports but does not judge RSS on a short run; the heap is still judged', () => {
    assert.deepEqual(checkFlat(growingRss, { enforceRss: false }).violations, []);
    const leakingHeap = [sample(27, 100, 12), sample(58, 100, 14)];
    const { violations } = checkFlat(leakingHeap, { enforceRss: false });
    assert.equal(violations.length, 1);
    assert.match(violations[0]!, /^heap/);
  });
});
