import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { NEVER, firstValueFrom, of, throwError } from 'rxjs';
import type { Observable } from 'rxjs';
import { RemotingConnectError } from '../../../src/errors.js';
import { writeWire } from '../../../src/producer/operators/write-wire.js';
import type { RemotingCommand } from '../../../src/remoting/remoting-command.js';
import { createResponse } from '../../../src/remoting/remoting-command.js';
import { encoded } from '../context-fixture.js';

function fakeClient(answer: (req: RemotingCommand) => Observable<RemotingCommand>) {
  const calls: { addr: string; timeout: number; async?: boolean; oneway?: boolean }[] = [];
  return {
    calls,
    invoke$: (addr: string, req: RemotingCommand, timeout: number, o?: { async?: boolean }) => {
      calls.push({ addr, timeout, async: o?.async === true });
      return answer(req);
    },
    invokeOneway: async (addr: string, _req: RemotingCommand, timeout: number) => {
      calls.push({ addr, timeout, oneway: true });
    },
  };
}
const noFault = { updateFaultItem: () => undefined };

describe('writeWire', () => {
  it('invokes the broker address with the attempt timeout and stores the response', async () => {
    const client = fakeClient((req) => of(createResponse(req, 0)));
    const c = encoded({}, 'async');
    c.attemptTimeout = 1234;
    const out = await firstValueFrom(of(c).pipe(writeWire({ client, faultStrategy: noFault })));
    assert.equal(out.response?.opaque, c.request.opaque);
    assert.deepEqual(client.calls, [{ addr: '127.0.0.1:10911', timeout: 1234, async: true }]);
  });

  it('oneway settles after the write with no response', async () => {
    const client = fakeClient(() => NEVER);
    const out = await firstValueFrom(of(encoded({}, 'oneway')).pipe(writeWire({ client, faultStrategy: noFault })));
    assert.equal(out.response, null);
    assert.equal(client.calls[0]?.oneway, true);
  });

  it('writes nothing before subscription', () => {
    const client = fakeClient(() => NEVER);
    of(encoded({}, 'oneway')).pipe(writeWire({ client, faultStrategy: noFault }));
    assert.equal(client.calls.length, 0);
  });

  it('isolates the broker on a transport error and passes the error on', async () => {
    const marks: [string, boolean][] = [];
    const client = fakeClient(() => throwError(() => new RemotingConnectError('refused')));
    await assert.rejects(
      firstValueFrom(of(encoded()).pipe(writeWire({ client, faultStrategy: { updateFaultItem: (b, _l, i) => void marks.push([b, i]) } }))),
      (e: unknown) => e instanceof RemotingConnectError,
    );
    assert.deepEqual(marks, [['broker-a', true]]);
  });
});
