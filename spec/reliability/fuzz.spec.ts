/**
 * The fuzz targets of `npm run fuzz`, short (FUZZ_SPEC_RUNS inputs per target, default 20 000), plus every input a
 * fuzz run ever failed on, replayed first as a regression case.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FUZZ_TARGETS, decodeChecked } from '../../reliability/fuzz/targets.js';
import { MessageErrorCode } from '../../src/message/error-codes.js';
import { decodeBody, MSGPACK_CONTENT_TYPE } from '../../src/message/body-codec.js';
import { sendResultOf } from '../../src/producer/operators/to-send-result.js';
import { RPC_TYPE_RESPONSE, SerializeType } from '../../src/remoting/remoting-command.js';
import { topicRouteToPublishInfo } from '../../src/route/topic-publish-info.js';
import { MAX_ROUTE_QUEUES, parseTopicRouteData } from '../../src/route/topic-route.js';
import { RocketMQError } from '../../src/errors.js';

const RUNS = Number(process.env['FUZZ_SPEC_RUNS'] ?? 20_000);

/**
 * Counterexamples the fuzz targets found (as `fc.check` reported them), replayed before the random inputs.
 * Each was a bug, fixed in the decoder named.
 */
const REGRESSIONS: Record<string, unknown[][]> = {
  // parseTopicRouteData: a filterServerTable key "__proto__" replaced the table's prototype (seed 1).
  'route-json': [
    [
      {
        kind: 'valid',
        value: { queueDatas: [], brokerDatas: [], filterServerTable: JSON.parse('{"__proto__":[]}') as Record<string, string[]> },
        bytes: Buffer.from('{"brokerDatas":[],"filterServerTable":{"__proto__":[]},"queueDatas":[]}'),
      },
    ],
  ],
  // decodeBody: msgpackr's plain Error for an empty / truncated body escaped as is (seed 1).
  'decode-body': [
    [{ kind: 'hostile', bytes: Buffer.from([]) }, false],
    [{ kind: 'hostile', bytes: Buffer.from([0x92, 0x01]) }, true],
    // msgpackr decodes a "__proto__" key as "__proto_" (documented; the body cannot set a prototype) (seed 20261201).
    [{ kind: 'valid', value: JSON.parse('{"__proto__":null}') as unknown, bytes: Buffer.from([222, 0, 1, 169, 95, 95, 112, 114, 111, 116, 111, 95, 95, 192]) }, false],
  ],
};

describe('fuzz targets (short run)', () => {
  for (const target of FUZZ_TARGETS) {
    it(`${target.name}: ${target.decoder}`, () => {
      fc.assert(target.property(), { numRuns: RUNS, examples: (REGRESSIONS[target.name] ?? []) as never[] });
    });
  }
});

describe('fuzz regressions, as plain cases', () => {
  it('a filterServerTable entry named __proto__ is an entry, not a prototype', () => {
    const route = parseTopicRouteData('{"brokerDatas":[],"filterServerTable":{"__proto__":["127.0.0.1:1"]},"queueDatas":[]}');
    assert.equal(Object.getPrototypeOf(route.filterServerTable), Object.prototype);
    assert.deepEqual(Object.keys(route.filterServerTable), ['__proto__']);
    assert.deepEqual(Object.getOwnPropertyDescriptor(route.filterServerTable, '__proto__')?.value, ['127.0.0.1:1']);
  });

  it('a msgpack body that does not decode fails with RMQ_ERR_MALFORMED_BODY', () => {
    for (const bytes of [Buffer.alloc(0), Buffer.from([0x92, 0x01]), Buffer.from([0xdb, 0xff, 0xff, 0xff, 0xff])]) {
      assert.throws(
        () => decodeBody(bytes, { CONTENT_TYPE: MSGPACK_CONTENT_TYPE }),
        (e: unknown) => e instanceof RocketMQError && e.code === MessageErrorCode.MALFORMED_BODY,
      );
    }
  });

  it('queue counts no bytes stand behind are bounded: more than MAX_ROUTE_QUEUES fails with RMQ_ERR_ROUTE_PARSE before anything is allocated', () => {
    const route = (write: number, read = 4): string =>
      `{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911"},"brokerName":"b","cluster":"c"}],"queueDatas":[{"brokerName":"b","perm":6,"readQueueNums":${read},"topicSysFlag":0,"writeQueueNums":${write}}]}`;
    const isParseError = (e: unknown): boolean => e instanceof RocketMQError && e.code === 'RMQ_ERR_ROUTE_PARSE';
    for (const count of [MAX_ROUTE_QUEUES + 1, 2 ** 31 - 1, 2 ** 53 - 1]) {
      assert.throws(() => parseTopicRouteData(route(count)), isParseError);
      assert.throws(() => parseTopicRouteData(route(4, count)), isParseError);
    }
    const target = { name: 'route-json', codes: ['RMQ_ERR_ROUTE_PARSE'] };
    const atLimit = decodeChecked(target, 200, () => topicRouteToPublishInfo('T', parseTopicRouteData(route(MAX_ROUTE_QUEUES))));
    assert.ok(atLimit.ok && atLimit.value.messageQueues.length === MAX_ROUTE_QUEUES);
    const orderConf = { queueDatas: [], brokerDatas: [], filterServerTable: {}, orderTopicConf: 'b:99999999999' };
    assert.throws(() => topicRouteToPublishInfo('T', orderConf), isParseError);
  });

  it('a send response field is an integer only as Java parses it (decimal digits, optional sign)', () => {
    const response = (queueId: string) => ({
      code: 0,
      language: 'JAVA',
      version: 409,
      opaque: 1,
      flag: RPC_TYPE_RESPONSE,
      remark: null,
      extFields: { msgId: 'X', queueId, queueOffset: '7' },
      serializeType: SerializeType.ROCKETMQ,
      body: null,
    });
    const attempt = { topic: 'T', uniqueId: 'U', brokerName: 'b', brokerAddr: '127.0.0.1:10911' };
    const deps = { namespace: null, retryResponseCodes: new Set<number>() };
    assert.equal(sendResultOf(response('3'), attempt, deps).messageQueue.queueId, 3);
    assert.equal(sendResultOf(response('+3'), attempt, deps).messageQueue.queueId, 3);
    for (const bad of ['', ' ', '0x10', '1e3', '1.5', ' 3 ']) {
      assert.throws(
        () => sendResultOf(response(bad), attempt, deps),
        (e: unknown) => e instanceof RocketMQError && e.code === 'RMQ_ERR_REMOTING_PROTOCOL',
        `queueId ${JSON.stringify(bad)}`,
      );
    }
  });
});
