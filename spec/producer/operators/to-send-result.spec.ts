import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { firstValueFrom, lastValueFrom, of, toArray } from 'rxjs';
import { MQBrokerError, RemotingProtocolError } from '../../../src/errors.js';
import fc from 'fast-check';
import { sendResultOf, toSendResult } from '../../../src/producer/operators/to-send-result.js';
import { createResponse } from '../../../src/remoting/remoting-command.js';
import { UNIQ, encoded } from '../context-fixture.js';

function recorder() {
  const calls: [string, number, boolean, boolean | undefined][] = [];
  return { calls, updateFaultItem: (b: string, l: number, i: boolean, r?: boolean) => void calls.push([b, l, i, r]) };
}

const EXT = { msgId: '7F00000100002A9F0000000000001234', queueId: '2', queueOffset: '7', MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' };

describe('toSendResult', () => {
  for (const [code, status] of [
    [0, 'SEND_OK'],
    [10, 'FLUSH_DISK_TIMEOUT'],
    [12, 'FLUSH_SLAVE_TIMEOUT'],
    [11, 'SLAVE_NOT_AVAILABLE'],
  ] as const) {
    it(`maps response code ${code} to ${status} as processSendResponse`, async () => {
      const c = encoded();
      c.attemptStartedAt = 0;
      c.response = createResponse(c.request, code, { extFields: EXT });
      const fault = recorder();
      const r = await firstValueFrom(of(c).pipe(toSendResult({ namespace: null, retryResponseCodes: new Set(), faultStrategy: fault, now: () => 5 })));
      assert.deepEqual(r, {
        sendStatus: status,
        msgId: UNIQ,
        offsetMsgId: EXT.msgId,
        messageQueue: { topic: 'TopicTest', brokerName: 'broker-a', queueId: 2 },
        queueOffset: 7,
        regionId: 'DefaultRegion',
        traceOn: true,
      });
      assert.deepEqual(fault.calls, [['broker-a', 5, false, undefined]]);
    });
  }

  it('defaults regionId, reads traceOn "false", carries transactionId, strips the namespace', async () => {
    const c = encoded({ topic: 'ns%T' });
    c.attemptStartedAt = 0;
    c.response = createResponse(c.request, 0, { extFields: { ...EXT, MSG_REGION: '', TRACE_ON: 'false', transactionId: UNIQ } });
    const r = await firstValueFrom(of(c).pipe(toSendResult({ namespace: 'ns', retryResponseCodes: new Set(), faultStrategy: recorder() })));
    assert.equal(r.regionId, 'DefaultRegion');
    assert.equal(r.traceOn, false);
    assert.equal(r.transactionId, UNIQ);
    assert.equal(r.messageQueue.topic, 'T');
  });

  it('turns any other code into MQBrokerError with code and remark, isolating the broker', async () => {
    const c = encoded();
    c.attemptStartedAt = 0;
    c.response = createResponse(c.request, 2, { remark: '[REJECTREQUEST]system busy' });
    const fault = recorder();
    await assert.rejects(
      firstValueFrom(of(c).pipe(toSendResult({ namespace: null, retryResponseCodes: new Set([2]), faultStrategy: fault, now: () => 3 }))),
      (e: unknown) =>
        e instanceof MQBrokerError && e.code === 'RMQ_ERR_BROKER' && e.responseCode === 2 && e.remark === '[REJECTREQUEST]system busy' && e.retriable,
    );
    assert.deepEqual(fault.calls, [['broker-a', 3, true, false]]);
  });

  it('rejects a success without queueId/queueOffset as a protocol error', async () => {
    const c = encoded();
    c.attemptStartedAt = 0;
    c.response = createResponse(c.request, 0, { extFields: { msgId: 'x' } });
    await assert.rejects(
      firstValueFrom(of(c).pipe(toSendResult({ namespace: null, retryResponseCodes: new Set(), faultStrategy: recorder() }))),
      (e: unknown) => e instanceof RemotingProtocolError,
    );
  });

  it('reads queueId / queueOffset as Java parseLong does: sign and decimal digits only, safe integers (property)', () => {
    const reference = (text: string): number | null => {
      const value = /^[+-]?[0-9]+$/.test(text) ? Number(text) : Number.NaN;
      return Number.isSafeInteger(value) ? value : null;
    };
    const text = fc.oneof(
      fc.stringMatching(/^[+-]?[0-9]{0,20}$/),
      fc.constantFrom('', '+', '-', '-0', '+0', ' 1', '1 ', '0x10', '1e3', '1.0', '9007199254740991', '9007199254740992', '000000000000000000001', '١'),
      fc.string({ maxLength: 8 }),
    );
    const c = encoded();
    fc.assert(
      fc.property(text, text, (queueId, queueOffset) => {
        const response = createResponse(c.request, 0, { extFields: { ...EXT, queueId, queueOffset } });
        const expectedId = reference(queueId);
        const expectedOffset = reference(queueOffset);
        const attempt = { topic: 'T', uniqueId: UNIQ, brokerName: 'b', brokerAddr: '127.0.0.1:1' };
        if (expectedId === null || expectedOffset === null) {
          assert.throws(() => sendResultOf(response, attempt, { namespace: null, retryResponseCodes: new Set() }), RemotingProtocolError);
        } else {
          const result = sendResultOf(response, attempt, { namespace: null, retryResponseCodes: new Set() });
          assert.ok(Object.is(result.messageQueue.queueId, expectedId) && Object.is(result.queueOffset, expectedOffset));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('completes without a value for oneway', async () => {
    const c = encoded({}, 'oneway');
    c.attemptStartedAt = 0;
    c.response = null;
    const all = await lastValueFrom(of(c).pipe(toSendResult({ namespace: null, retryResponseCodes: new Set(), faultStrategy: recorder() }), toArray()));
    assert.deepEqual(all, []);
  });
});
