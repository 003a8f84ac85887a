import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RequestStats } from '../../src/embedded/request-stats.js';
import { RequestCode } from '../../src/remoting/request-code.js';

describe('RequestStats', () => {
  it('counts sends in flight apart from housekeeping requests', () => {
    const stats = new RequestStats();
    const heartbeat = stats.begin(RequestCode.HEART_BEAT, 1, false, 409, 'c', null);
    const sends = [1, 2, 3].map((opaque) => stats.begin(RequestCode.SEND_MESSAGE_V2, opaque, false, 409, 'c', 'T'));
    const batch = stats.begin(RequestCode.SEND_BATCH_MESSAGE, 4, false, 409, 'c', 'T');
    assert.equal(stats.inFlight, 5);
    assert.equal(stats.sendsInFlight, 4);
    stats.end(RequestCode.SEND_MESSAGE_V2, sends[0]!, 0);
    stats.end(RequestCode.HEART_BEAT, heartbeat, 0);
    assert.equal(stats.sendsInFlight, 3);
    assert.equal(stats.maxSendsInFlight, 4);
    assert.equal(stats.maxInFlight, 5);
    stats.reset();
    assert.equal(stats.maxSendsInFlight, 3, 'reset keeps what is still in flight as the new maximum');
    stats.end(RequestCode.SEND_BATCH_MESSAGE, batch, 0);
    assert.equal(stats.snapshot().sendsInFlight, 2);
  });
});
