import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, of } from 'rxjs';
import { RemotingProtocolError } from '../../../src/errors.js';
import { correlate } from '../../../src/producer/operators/correlate.js';
import { createResponse } from '../../../src/remoting/remoting-command.js';
import { encoded } from '../context-fixture.js';

describe('correlate', () => {
  it('passes a response carrying the request opaque', async () => {
    const c = encoded();
    c.response = createResponse(c.request, 0);
    assert.equal(await firstValueFrom(of(c).pipe(correlate())), c);
  });

  it('refuses a response with another opaque, a request instead of a response, or none at all', async () => {
    const c = encoded();
    c.response = createResponse({ opaque: c.request.opaque + 1, serializeType: 0 }, 0);
    await assert.rejects(firstValueFrom(of(c).pipe(correlate())), (e: unknown) => e instanceof RemotingProtocolError);
    c.response = { ...c.request };
    await assert.rejects(firstValueFrom(of(c).pipe(correlate())), (e: unknown) => e instanceof RemotingProtocolError);
    c.response = null;
    await assert.rejects(firstValueFrom(of(c).pipe(correlate())), (e: unknown) => e instanceof RemotingProtocolError);
  });

  it('passes oneway attempts without a response', async () => {
    const c = encoded({}, 'oneway');
    assert.equal(await firstValueFrom(of(c).pipe(correlate())), c);
  });
});
