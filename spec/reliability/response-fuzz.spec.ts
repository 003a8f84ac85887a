/**
 * The other side of a frame, fuzzed: a scripted server (NameServer and broker on one port) answers a live Producer's
 * sends with frames that decode but are wrong inside — fields missing or of the wrong type, codes nobody expects,
 * opaques nobody sent, duplicates, responses without the response bit, undecodable headers, requests of its own.
 * Every send must get exactly one callback, within its timeout: its correct result or a typed error; the process
 * must not crash; the connection (whose frame stream stays intact throughout) must not be closed.
 *
 * RESPONSE_FUZZ_RUNS sets the number of scripts (default 40; each is 1–5 concurrent sends).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { MQBrokerError, RocketMQError } from '../../src/errors.js';
import type { SendResult } from '../../src/message/message.js';
import { Producer } from '../../src/producer/producer.js';
import { createRequest, createResponse, RPC_ONEWAY, SerializeType, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { RemotingServer, type ServerConnection } from '../../src/remoting/remoting-server.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { ResponseCode } from '../../src/remoting/response-code.js';
import { serializeTopicRouteData } from '../../src/route/topic-route.js';

const RUNS = Number(process.env['RESPONSE_FUZZ_RUNS'] ?? 40);
const TIMEOUT = 300;
const SUCCESS_CODES = new Map([
  [0, 'SEND_OK'],
  [10, 'FLUSH_DISK_TIMEOUT'],
  [12, 'FLUSH_SLAVE_TIMEOUT'],
  [11, 'SLAVE_NOT_AVAILABLE'],
]);

type Action =
  | { kind: 'ok'; code: number; queueId: number; queueOffset: number; json: boolean; numbers: boolean }
  | { kind: 'brokerError'; code: number; remark: string | null }
  | { kind: 'badFields'; ext: Record<string, string> | null }
  | { kind: 'wrongOpaque'; delta: number }
  | { kind: 'strayThenOk'; opaque: number }
  | { kind: 'duplicate' }
  | { kind: 'requestFirst'; code: number; oneway: boolean }
  | { kind: 'noResponseFlag' }
  | { kind: 'undecodableHeader'; serializeType: number }
  | { kind: 'silent' };

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant('ok' as const), code: fc.constantFrom(...SUCCESS_CODES.keys()), queueId: fc.nat({ max: 3 }), queueOffset: fc.maxSafeNat(), json: fc.boolean(), numbers: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('brokerError' as const),
      code: fc.integer({ min: -32768, max: 32767 }).filter((c) => !SUCCESS_CODES.has(c)),
      remark: fc.option(fc.string({ maxLength: 20 }), { nil: null }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('badFields' as const),
      ext: fc.option(
        fc.oneof(
          fc.constant({ msgId: 'X', queueOffset: '1' }),
          fc.constant({ msgId: 'X', queueId: '1' }),
          fc.record({ queueId: fc.constantFrom('', 'abc', '1.5', '0x1', '1e2', '-', '99999999999999999999'), queueOffset: fc.constant('1') }),
          fc.record({ queueId: fc.constant('1'), queueOffset: fc.constantFrom('', ' 1', 'NaN', '9007199254740993') }),
        ),
        { nil: null },
      ),
    }),
  },
  // Opaques far from the ones in flight: a wrong opaque that equals another pending request's is indistinguishable
  // from that request's answer (to any client), so it is not what these cases are about.
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrongOpaque' as const), delta: fc.integer({ min: 2 ** 24, max: 2 ** 30 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('strayThenOk' as const), opaque: fc.integer({ min: 2 ** 24, max: 2 ** 30 }) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'duplicate' as const }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('requestFirst' as const), code: fc.integer({ min: -32768, max: 32767 }), oneway: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'noResponseFlag' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('undecodableHeader' as const), serializeType: fc.constantFrom(0, 2, 5, 0x7f) }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'silent' as const }) },
);

/** A frame with a JSON header written as given (so that fields can have any JSON type). */
function rawJsonFrame(header: object): Buffer {
  const text = Buffer.from(JSON.stringify(header));
  const frame = Buffer.alloc(8 + text.length);
  frame.writeInt32BE(4 + text.length, 0);
  frame.writeInt32BE(text.length, 4);
  text.copy(frame, 8);
  return frame;
}

function okResponse(request: RemotingCommand, queueId = 1, queueOffset = 42, code = 0): RemotingCommand {
  return createResponse(request, code, {
    extFields: { msgId: '7F00000100002A9F0000000000000000', queueId: String(queueId), queueOffset: String(queueOffset), MSG_REGION: 'DefaultRegion', TRACE_ON: 'true' },
  });
}

type Outcome = { ok: true; result: SendResult } | { ok: false; error: Error };

/** What the script says the send must end with; `null` when only "a typed error" can be said. */
function check(action: Action, outcome: Outcome): void {
  const code = outcome.ok ? 'success' : outcome.error instanceof RocketMQError ? outcome.error.code : `untyped ${outcome.error.name}`;
  switch (action.kind) {
    case 'ok':
      assert.ok(outcome.ok, `${action.kind}: ${code}`);
      assert.equal(outcome.result.sendStatus, SUCCESS_CODES.get(action.code));
      assert.equal(outcome.result.messageQueue.queueId, action.queueId);
      assert.equal(outcome.result.queueOffset, action.queueOffset);
      return;
    case 'strayThenOk':
    case 'duplicate':
    case 'requestFirst':
      assert.ok(outcome.ok, `${action.kind}: ${code}`);
      assert.equal(outcome.result.queueOffset, 42);
      return;
    case 'brokerError':
      assert.ok(!outcome.ok && outcome.error instanceof MQBrokerError, `${action.kind}: ${code}`);
      assert.equal(outcome.error.code, 'RMQ_ERR_BROKER');
      assert.equal(outcome.error.responseCode, action.code);
      return;
    case 'badFields':
      assert.equal(code, 'RMQ_ERR_REMOTING_PROTOCOL', action.kind);
      return;
    case 'wrongOpaque':
    case 'noResponseFlag':
    case 'undecodableHeader':
    case 'silent':
      assert.equal(code, 'RMQ_ERR_REMOTING_TIMEOUT', action.kind);
      return;
  }
}

describe('scripted wrong responses against a live Producer', () => {
  const scripts = new Map<string, Action>();
  /** Answers the server got from the client (to its own requests and to responses without the response bit). */
  const answers: RemotingCommand[] = [];
  let server: RemotingServer;
  let producer: Producer;
  let firstConnection: ServerConnection | null = null;

  const act = (action: Action, request: RemotingCommand, connection: ServerConnection): void => {
    switch (action.kind) {
      case 'ok':
        if (action.json && action.numbers) {
          // JSON header with numbers where Java sends strings: fastjson accepts it, so must we.
          connection.writeRaw(
            rawJsonFrame({ code: action.code, flag: 1, language: 'JAVA', opaque: request.opaque, serializeTypeCurrentRPC: 'JSON', version: 409, extFields: { msgId: 'X', queueId: action.queueId, queueOffset: action.queueOffset, TRACE_ON: true } }),
          );
        } else {
          connection.write({ ...okResponse(request, action.queueId, action.queueOffset, action.code), serializeType: action.json ? SerializeType.JSON : SerializeType.ROCKETMQ });
        }
        return;
      case 'brokerError':
        connection.write(createResponse(request, action.code, { remark: action.remark }));
        return;
      case 'badFields':
        connection.write(createResponse(request, 0, { extFields: action.ext }));
        return;
      case 'wrongOpaque':
        connection.write({ ...okResponse(request), opaque: (request.opaque + action.delta) | 0 });
        return;
      case 'strayThenOk':
        connection.write({ ...okResponse(request), opaque: (request.opaque + action.opaque) | 0 });
        connection.write(okResponse(request));
        return;
      case 'duplicate':
        connection.write(okResponse(request));
        connection.write(okResponse(request));
        return;
      case 'requestFirst':
        connection.write(createRequest(action.code, { any: 'field' }, { oneway: action.oneway, opaque: (request.opaque ^ 0x20000000) | 0 }));
        connection.write(okResponse(request));
        return;
      case 'noResponseFlag':
        connection.write({ ...okResponse(request), flag: 0 });
        return;
      case 'undecodableHeader': {
        const frame = Buffer.from([0, 0, 0, 8, action.serializeType, 0, 0, 4, 0x7b, 0x7b, 0x7b, 0x7b]);
        connection.writeRaw(frame);
        return;
      }
      case 'silent':
        return;
    }
  };

  before(async () => {
    server = new RemotingServer(
      (request, connection) => {
        firstConnection ??= connection;
        if (request.code === RequestCode.GET_ROUTEINFO_BY_TOPIC) {
          const route = {
            brokerDatas: [{ cluster: 'C', brokerName: 'scripted', brokerAddrs: { '0': server.address } }],
            queueDatas: [{ brokerName: 'scripted', readQueueNums: 4, writeQueueNums: 4, perm: 6, topicSysFlag: 0 }],
            filterServerTable: {},
          };
          return createResponse(request, ResponseCode.SUCCESS, { body: Buffer.from(serializeTopicRouteData(route)) });
        }
        if (request.code !== RequestCode.SEND_MESSAGE_V2) return createResponse(request, ResponseCode.SUCCESS);
        const action = scripts.get(request.body?.toString() ?? '');
        if (action === undefined) return okResponse(request);
        act(action, request, connection);
        return null;
      },
      { onResponse: (response) => answers.push(response) },
    );
    await server.listen(0);
    producer = new Producer({
      producerGroup: 'ResponseFuzzPG',
      namesrvAddr: server.address,
      sendMsgTimeout: TIMEOUT,
      retryTimesWhenSendAsyncFailed: 0,
      heartbeatBrokerInterval: 60_000,
    });
    await producer.start();
    await producer.sendAsync({ topic: 'FuzzTopic', body: 'warm' });
  });
  after(async () => {
    await producer.shutdown();
    await server.close();
  });

  it(`${RUNS} scripts of wrong responses: one typed outcome per send, in time, on the same connection`, async () => {
    let run = 0;
    const errors: string[] = [];
    const onUncaught = (error: Error): void => void errors.push(String(error));
    process.on('uncaughtException', onUncaught);
    try {
      await fc.assert(
        fc.asyncProperty(fc.array(actionArb, { minLength: 1, maxLength: 5 }), async (actions) => {
          run++;
          const answersBefore = answers.length;
          const calls = actions.map(() => [] as Outcome[]);
          const started = performance.now();
          const settledAt: number[] = [];
          actions.forEach((action, i) => {
            const body = `run${run}-${i}`;
            scripts.set(body, action);
            producer.sendAsync(
              { topic: 'FuzzTopic', body },
              {
                onSuccess: (result) => {
                  calls[i]!.push({ ok: true, result });
                  settledAt[i] = performance.now() - started;
                },
                onException: (error) => {
                  calls[i]!.push({ ok: false, error });
                  settledAt[i] = performance.now() - started;
                },
              },
            );
          });
          const deadline = performance.now() + TIMEOUT + 700;
          while (calls.some((c) => c.length === 0) && performance.now() < deadline) await new Promise((r) => setTimeout(r, 5));
          // Long enough for a second callback to show up.
          await new Promise((r) => setTimeout(r, 20));
          actions.forEach((action, i) => {
            assert.equal(calls[i]!.length, 1, `send ${i} (${action.kind}) got ${calls[i]!.length} callbacks`);
            check(action, calls[i]![0]!);
            assert.ok(settledAt[i]! <= TIMEOUT + 500, `send ${i} settled after ${settledAt[i]} ms`);
          });
          // Requests the server made (and responses without the response bit) got the Java client's answer.
          const expectedAnswers = actions.filter((a) => (a.kind === 'requestFirst' && !a.oneway) || a.kind === 'noResponseFlag').length;
          const got = answers.slice(answersBefore);
          assert.equal(got.length, expectedAnswers);
          for (const answer of got) assert.equal(answer.code, ResponseCode.REQUEST_CODE_NOT_SUPPORTED);
          // Every frame was well-framed: the one connection is still the one in use.
          assert.equal(server.connections.size, 1);
          assert.equal([...server.connections][0], firstConnection);
          assert.equal(errors.length, 0, errors.join('; '));
        }),
        { numRuns: RUNS },
      );
    } finally {
      process.off('uncaughtException', onUncaught);
    }
    assert.equal(producer.inflightCount, 0);
  });

  it('a oneway request from the broker is never answered', async () => {
    const before = answers.length;
    const connection = [...server.connections][0]!;
    connection.write({ ...createRequest(12345, null, { opaque: 99 }), flag: RPC_ONEWAY });
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(answers.length, before);
  });
});
