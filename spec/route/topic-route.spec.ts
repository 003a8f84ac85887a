import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { goldenFile } from '../helpers/golden.js';
import {
  parseTopicRouteData,
  quoteIntegerKeys,
  serializeTopicRouteData,
  ROUTE_PARSE_ERROR_CODE,
  type TopicRouteData,
} from '../../src/route/topic-route.js';
import { MQClientError } from '../../src/errors.js';

const STANDARD_49 =
  '{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}';
const LEGACY_49 =
  '{"brokerDatas":[{"brokerAddrs":{0:"127.0.0.1:10911",1:"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster"}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}';
const STANDARD_5 =
  '{"brokerDatas":[{"brokerAddrs":{"0":"127.0.0.1:10911","1":"127.0.0.1:10921"},"brokerName":"broker-a","cluster":"DefaultCluster","enableActingMaster":false}],"filterServerTable":{},"queueDatas":[{"brokerName":"broker-a","perm":6,"readQueueNums":4,"topicSysFlag":0,"writeQueueNums":4}]}';

function assertParseError(input: string | Buffer): void {
  assert.throws(
    () => parseTopicRouteData(input),
    (err: unknown) => err instanceof MQClientError && err.code === ROUTE_PARSE_ERROR_CODE,
  );
}

describe('parseTopicRouteData', () => {
  it('parses the golden standard and legacy bodies of a 4.9.8 NameServer to the same route', () => {
    const standard = parseTopicRouteData(goldenFile('route_BenchTopic.response.body.json'));
    const legacy = parseTopicRouteData(goldenFile('route_BenchTopic_legacyVersion0.response.body.json'));
    assert.deepEqual(legacy, standard);
    assert.deepEqual(standard, {
      brokerDatas: [{ brokerAddrs: { '0': '127.0.0.1:10911' }, brokerName: 'broker-a', cluster: 'DefaultCluster' }],
      filterServerTable: {},
      queueDatas: [{ brokerName: 'broker-a', perm: 6, readQueueNums: 4, topicSysFlag: 0, writeQueueNums: 4 }],
    });
  });

  it('parses the golden TBW102 route (perm 7)', () => {
    const route = parseTopicRouteData(goldenFile('route_TBW102.response.body.json'));
    assert.equal(route.queueDatas[0]?.perm, 7);
  });

  it('parses the spec §7.3 examples, with slaves and the 5.x enableActingMaster field', () => {
    const legacy = parseTopicRouteData(LEGACY_49);
    assert.deepEqual(legacy, parseTopicRouteData(STANDARD_49));
    assert.deepEqual(legacy.brokerDatas[0]?.brokerAddrs, { '0': '127.0.0.1:10911', '1': '127.0.0.1:10921' });
    const five = parseTopicRouteData(STANDARD_5);
    assert.equal(five.brokerDatas[0]?.enableActingMaster, false);
    assert.equal('enableActingMaster' in legacy.brokerDatas[0]!, false);
  });

  it('accepts whitespace and negative integer keys', () => {
    assert.equal(quoteIntegerKeys('{ 0 : "a", -1\n:"b"}'), '{ "0" : "a", "-1"\n:"b"}');
  });

  it('does not touch digits or colons inside strings, nor numeric values', () => {
    const text =
      '{"orderTopicConf":"broker-a:4;broker-b:8","brokerDatas":[{"brokerAddrs":{0:"10.0.0.1:10911"},"brokerName":"12:34","cluster":"c\\"9:"}],' +
      '"filterServerTable":{"1.2.3.4:5":["6:7"]},"queueDatas":[{"brokerName":"12:34","perm":6,"readQueueNums":-4,"topicSysFlag":0,"writeQueueNums":1.5e1}]}';
    const quoted = quoteIntegerKeys(text);
    assert.equal(quoted, text.replace('{0:', '{"0":'));
    const route = parseTopicRouteData(text.replace('"readQueueNums":-4', '"readQueueNums":4'));
    assert.equal(route.orderTopicConf, 'broker-a:4;broker-b:8');
    assert.equal(route.brokerDatas[0]?.brokerName, '12:34');
    assert.equal(route.brokerDatas[0]?.cluster, 'c"9:');
    assert.deepEqual(route.filterServerTable, { '1.2.3.4:5': ['6:7'] });
    assert.equal(route.queueDatas[0]?.writeQueueNums, 15);
  });

  it('returns standard JSON unchanged from the scanner', () => {
    assert.equal(quoteIntegerKeys(STANDARD_49), STANDARD_49);
  });

  it('never changes the meaning of valid JSON (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        const text = JSON.stringify(value);
        assert.equal(quoteIntegerKeys(text), text);
      }),
    );
  });

  it('rejects garbage with a typed error', () => {
    for (const bad of [
      '',
      'not json',
      '[]',
      'null',
      '{"brokerDatas":[]}',
      '{"queueDatas":[],"brokerDatas":{}}',
      '{"queueDatas":[{"brokerName":"a"}],"brokerDatas":[]}',
      '{"queueDatas":[{"brokerName":"a","perm":"6","readQueueNums":4,"writeQueueNums":4}],"brokerDatas":[]}',
      '{"queueDatas":[],"brokerDatas":[{"brokerName":"a","brokerAddrs":{"x":"1.2.3.4:1"}}]}',
      '{"queueDatas":[],"brokerDatas":[{"brokerName":"a","brokerAddrs":{"0":5}}]}',
      '{"queueDatas":[],"brokerDatas":[{"brokerName":"a","brokerAddrs":[]}]}',
      '{"queueDatas":[],"brokerDatas":[],"orderTopicConf":5}',
      '{"queueDatas":[],"brokerDatas":[],"filterServerTable":{"a":[1]}}',
      '{0:',
    ]) {
      assertParseError(bad);
    }
    assertParseError(Buffer.from([0xff, 0xfe, 0x00]));
  });
});

describe('serializeTopicRouteData', () => {
  it('writes the golden 4.9.8 bodies byte for byte, in both forms', () => {
    const route = parseTopicRouteData(goldenFile('route_BenchTopic.response.body.json'));
    assert.equal(serializeTopicRouteData(route), goldenFile('route_BenchTopic.response.body.json').toString('utf8'));
    assert.equal(
      serializeTopicRouteData(route, { legacy: true }),
      goldenFile('route_BenchTopic_legacyVersion0.response.body.json').toString('utf8'),
    );
    const tbw = goldenFile('route_TBW102.response.body.json').toString('utf8');
    assert.equal(serializeTopicRouteData(parseTopicRouteData(tbw)), tbw);
  });

  it('writes the spec §7.3 examples (4.9 and 5.x)', () => {
    assert.equal(serializeTopicRouteData(parseTopicRouteData(STANDARD_49)), STANDARD_49);
    assert.equal(serializeTopicRouteData(parseTopicRouteData(STANDARD_49), { legacy: true }), LEGACY_49);
    assert.equal(serializeTopicRouteData(parseTopicRouteData(STANDARD_5)), STANDARD_5);
  });

  it('orders fields alphabetically, sorts broker ids numerically, and writes orderTopicConf and zoneName', () => {
    const route: TopicRouteData = {
      orderTopicConf: 'b:2;a:1',
      queueDatas: [{ brokerName: 'a', readQueueNums: 1, writeQueueNums: 1, perm: 6, topicSysFlag: 0 }],
      brokerDatas: [
        { cluster: 'C', brokerName: 'a', brokerAddrs: { '10': 'h:3', '2': 'h:2', '0': 'h:1' }, enableActingMaster: true, zoneName: 'z' },
      ],
      filterServerTable: { b: [], a: ['x'] },
    };
    assert.equal(
      serializeTopicRouteData(route),
      '{"brokerDatas":[{"brokerAddrs":{"0":"h:1","2":"h:2","10":"h:3"},"brokerName":"a","cluster":"C","enableActingMaster":true,"zoneName":"z"}],' +
        '"filterServerTable":{"a":["x"],"b":[]},"orderTopicConf":"b:2;a:1",' +
        '"queueDatas":[{"brokerName":"a","perm":6,"readQueueNums":1,"topicSysFlag":0,"writeQueueNums":1}]}',
    );
  });

  it('escapes like fastjson BrowserCompatible in the standard form only', () => {
    const route: TopicRouteData = {
      queueDatas: [],
      brokerDatas: [{ cluster: 'a/b"\n\u0001é', brokerName: 'x', brokerAddrs: {} }],
      filterServerTable: {},
    };
    assert.match(serializeTopicRouteData(route), /"cluster":"a\\\/b\\"\\n\\u0001\\u00E9"/);
    assert.match(serializeTopicRouteData(route, { legacy: true }), /"cluster":"a\/b\\"\\n\\u0001é"/);
  });

  it('round-trips through the parser in both forms (property)', () => {
    const name = fc.string({ minLength: 1, maxLength: 12 });
    const queue = fc.record({
      brokerName: name,
      readQueueNums: fc.nat(64),
      writeQueueNums: fc.nat(64),
      perm: fc.integer({ min: 0, max: 15 }),
      topicSysFlag: fc.nat(3),
    });
    const broker = fc.record({
      cluster: name,
      brokerName: name,
      brokerAddrs: fc.dictionary(fc.nat(20).map(String), fc.string(), { maxKeys: 3 }),
    });
    const route = fc.record({
      queueDatas: fc.array(queue, { maxLength: 3 }),
      brokerDatas: fc.array(broker, { maxLength: 3 }),
      filterServerTable: fc.constant({}),
    }).map((r) => JSON.parse(JSON.stringify(r)) as TopicRouteData); // plain prototypes, as the parser builds
    fc.assert(
      fc.property(route, fc.boolean(), (r, legacy) => {
        assert.deepEqual(parseTopicRouteData(serializeTopicRouteData(r, { legacy })), r);
      }),
    );
  });
});
