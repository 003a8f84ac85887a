import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  buildPropertiesString,
  decodeProperties,
  encodeProperties,
  MessageConst,
  NAME_VALUE_SEPARATOR,
  PROPERTY_SEPARATOR,
  RESERVED_PROPERTY_NAMES,
} from '../../src/message/properties.js';
import type { PropertyParts } from '../../src/message/properties.js';
import { PROPERTIES_C_HEX, UNIQ_0 } from './golden-bytes.js';

describe('properties: spec §16(c) golden bytes', () => {
  const golden = Buffer.from(PROPERTIES_C_HEX, 'hex');

  it('encodes 4.9 style (57 bytes, no trailing separator) by default', () => {
    const text = encodeProperties({ KEYS: 'k1', UNIQ_KEY: UNIQ_0, TAGS: 't1' });
    assert.deepEqual(Buffer.from(text, 'utf8'), golden);
    assert.equal(golden.length, 57);
  });

  it('encodes 5.2 style with a trailing separator (58 bytes)', () => {
    const text = encodeProperties(new Map([['KEYS', 'k1'], ['UNIQ_KEY', UNIQ_0], ['TAGS', 't1']]), { trailingSeparator: true });
    assert.deepEqual(Buffer.from(text, 'utf8'), Buffer.concat([golden, Buffer.from([2])]));
  });

  it('decodes both styles to the same map', () => {
    const expected = { KEYS: 'k1', UNIQ_KEY: UNIQ_0, TAGS: 't1' };
    assert.deepEqual(decodeProperties(golden.toString('utf8')), expected);
    assert.deepEqual(decodeProperties(golden.toString('utf8') + '\u0002'), expected);
  });

  it('buildPropertiesString writes the Java HashMap order of §16(b)/(c)', () => {
    assert.deepEqual(Buffer.from(buildPropertiesString({ keys: 'k1', tags: 't1', uniqKey: UNIQ_0, waitStoreMsgOK: true })),
      Buffer.from(`KEYS\u0001k1\u0002UNIQ_KEY\u0001${UNIQ_0}\u0002WAIT\u0001true\u0002TAGS\u0001t1`));
    assert.equal(
      buildPropertiesString({ tags: 'TagA', keys: ['OrderID188'], uniqKey: UNIQ_0 }),
      `KEYS\u0001OrderID188\u0002UNIQ_KEY\u0001${UNIQ_0}\u0002WAIT\u0001true\u0002TAGS\u0001TagA`,
    );
  });
});

describe('properties: Java reader edge cases (string2messageProperties)', () => {
  const cases: [string, string, Record<string, string>][] = [
    ['empty string', '', {}],
    ['only separators', '\u0002\u0002\u0002', {}],
    ['trailing separator gives no "" entry', 'a\u0001b\u0002', { a: 'b' }],
    ['segment shorter than 3 chars dropped', 'ab\u0002c\u0001d', { c: 'd' }],
    ['empty value dropped', 'ab\u0001\u0002c\u0001d', { c: 'd' }],
    ['empty name dropped', '\u0001abc\u0002c\u0001d', { c: 'd' }],
    ['no name/value separator dropped', 'abcdef\u0002c\u0001d', { c: 'd' }],
    ['\\x01 inside a value kept', 'a\u0001b\u0001c', { a: 'b\u0001c' }],
    ['\\x02 inside a value splits', 'a\u0001b\u0002c\u0002d\u0001e', { a: 'b', d: 'e' }],
    ['repeated name: last wins', 'a\u0001b\u0002a\u0001c', { a: 'c' }],
    ['leading separator', '\u0002a\u0001b', { a: 'b' }],
    ['separator of next segment is not used for this one', 'ab\u0002c\u0001d', { c: 'd' }],
    ['a lone 3-char segment with \\x01 at the end', 'ab\u0001', {}],
    ['non-ASCII', 'ключ\u0001значение', { ключ: 'значение' }],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.deepEqual(decodeProperties(text), expected));
  }

  it('keeps "__proto__" as an own property, not the prototype', () => {
    const map = decodeProperties('__proto__\u0001x\u0002a\u0001b');
    assert.equal(Object.getPrototypeOf(map), Object.prototype);
    assert.equal(Object.getOwnPropertyDescriptor(map, '__proto__')?.value, 'x');
    assert.equal(map.a, 'b');
  });

  it('skips null/undefined values when encoding', () => {
    assert.equal(encodeProperties({ a: 'b', c: null, d: undefined, e: 'f' }), 'a\u0001b\u0002e\u0001f');
    assert.equal(encodeProperties({}), '');
    assert.equal(encodeProperties({}, { trailingSeparator: true }), '');
  });
});

describe('properties: constants', () => {
  it('exposes the separators and reserved names', () => {
    assert.equal(NAME_VALUE_SEPARATOR, '\u0001');
    assert.equal(PROPERTY_SEPARATOR, '\u0002');
    for (const name of ['KEYS', 'TAGS', 'WAIT', 'DELAY', 'UNIQ_KEY', 'TRAN_MSG', 'PGROUP', 'INSTANCE_ID', 'CLUSTER']) {
      assert.ok(RESERVED_PROPERTY_NAMES.has(name), name);
    }
    assert.ok(!RESERVED_PROPERTY_NAMES.has(MessageConst.CHECK_IMMUNITY_TIME_IN_SECONDS));
    assert.ok(!RESERVED_PROPERTY_NAMES.has('CONTENT_TYPE'));
    assert.equal(MessageConst.FIRST_POP_TIME, '1ST_POP_TIME');
  });
});

describe('properties: buildPropertiesString', () => {
  it('orders batch records as Java does (§16(d))', () => {
    assert.equal(
      buildPropertiesString({ tags: 'TagA', uniqKey: UNIQ_0 }),
      `UNIQ_KEY\u0001${UNIQ_0}\u0002WAIT\u0001true\u0002TAGS\u0001TagA`,
    );
  });

  it('keeps Java insertion order inside a bucket: user properties precede UNIQ_KEY', () => {
    // CLUSTER shares UNIQ_KEY's bucket; a Java client puts user properties before setUniqID.
    assert.equal(
      buildPropertiesString({ tags: 'TagA', keys: 'OrderID188', uniqKey: UNIQ_0, userProperties: { CLUSTER: 'c' } }),
      `KEYS\u0001OrderID188\u0002CLUSTER\u0001c\u0002UNIQ_KEY\u0001${UNIQ_0}\u0002WAIT\u0001true\u0002TAGS\u0001TagA`,
    );
  });

  it('writes every part, WAIT=false, delay, transaction, namespace and content type', () => {
    const text = buildPropertiesString(
      {
        tags: 'T', keys: ['a', 'b'], waitStoreMsgOK: false, delayTimeLevel: 3, userProperties: { u1: 'v1' },
        transactionPrepared: true, producerGroup: 'PG', uniqKey: 'ID', instanceId: 'ns', contentType: 'application/x-msgpack',
      },
      { trailingSeparator: true },
    );
    assert.ok(text.endsWith('\u0002'));
    assert.deepEqual(decodeProperties(text), {
      TAGS: 'T', KEYS: 'a b', WAIT: 'false', DELAY: '3', u1: 'v1', TRAN_MSG: 'true', PGROUP: 'PG', UNIQ_KEY: 'ID',
      INSTANCE_ID: 'ns', CONTENT_TYPE: 'application/x-msgpack',
    });
  });

  it('omits empty tags/keys and a zero delay, always writes WAIT', () => {
    assert.equal(buildPropertiesString({ tags: '', keys: [], delayTimeLevel: 0 }), 'WAIT\u0001true');
  });

  it('matches the Java HashMap order once the table grows past 12 entries', () => {
    // 16 user properties: capacity 32, so bucket = spread hash & 31.
    const user: Record<string, string> = {};
    for (let i = 0; i < 16; i++) user[`p${i}`] = String(i);
    const text = buildPropertiesString({ userProperties: user });
    const names = text.split('\u0002').map((s) => s.split('\u0001')[0]);
    assert.equal(names.length, 17);
    // Java: new HashMap, put WAIT then p0…p15, iterate. Precomputed with String.hashCode/HashMap.hash.
    const spread = (s: string): number => {
      let h = 0;
      for (const c of s) h = (Math.imul(31, h) + c.charCodeAt(0)) | 0;
      return (h ^ (h >>> 16)) & 31;
    };
    const expected = ['WAIT', ...Object.keys(user)]
      .map((name, i) => ({ name, i, b: spread(name) }))
      .sort((x, y) => x.b - y.b || x.i - y.i)
      .map((x) => x.name);
    assert.deepEqual(names, expected);
  });
});

describe('properties: round trip (fast-check)', () => {
  const part = fc.string({ minLength: 1, maxLength: 20, unit: 'grapheme' }).filter((s) => !s.includes('\u0001') && !s.includes('\u0002'));
  it('decode(encode(map)) === map for names/values without separators', () => {
    fc.assert(
      fc.property(fc.dictionary(part, part, { maxKeys: 12 }), fc.boolean(), (map, trailing) => {
        // A 1-char name with a 1-char value is a 3-char segment: still kept.
        const text = encodeProperties(map, { trailingSeparator: trailing });
        assert.deepEqual(decodeProperties(text), { ...map });
      }),
      { numRuns: 300 },
    );
  });
});

describe('buildPropertiesString: without user properties, the fixed-order path and the sorting path agree', () => {
  it('for every combination of the client-set names (property)', () => {
    const optional = <T>(arb: fc.Arbitrary<T>): fc.Arbitrary<T | undefined> => fc.option(arb, { nil: undefined });
    fc.assert(
      fc.property(
        fc.record({
          tags: optional(fc.oneof(fc.constant(''), fc.string({ minLength: 1, maxLength: 8 }))),
          keys: optional(fc.oneof(fc.string({ maxLength: 8 }), fc.array(fc.string({ minLength: 1, maxLength: 5 }), { maxLength: 3 }))),
          waitStoreMsgOK: optional(fc.boolean()),
          delayTimeLevel: optional(fc.integer({ min: -1, max: 18 })),
          transactionPrepared: optional(fc.boolean()),
          producerGroup: optional(fc.string({ maxLength: 8 })),
          uniqKey: optional(fc.string({ maxLength: 32 })),
          instanceId: optional(fc.string({ maxLength: 8 })),
        }),
        fc.boolean(),
        (parts, trailingSeparator) => {
          // An empty user-properties object takes the general (sorting) path and adds nothing.
          const general = buildPropertiesString({ ...parts, userProperties: {} } as PropertyParts, { trailingSeparator });
          assert.equal(buildPropertiesString(parts as PropertyParts, { trailingSeparator }), general);
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('javaHashMapOrder', () => {
  it('orders by bucket at the final capacity, insertion order inside a bucket, a repeat keeps its place', async () => {
    const { javaHashMapOrder, encodePropertiesJavaOrder } = await import('../../src/message/properties.js');
    // WAIT and PGROUP share a bucket: whichever went in first comes first (the 4.9.8 half message vs its check).
    assert.deepEqual(javaHashMapOrder([['WAIT', 1], ['PGROUP', 2]]).map(([k]) => k), ['WAIT', 'PGROUP']);
    assert.deepEqual(javaHashMapOrder([['PGROUP', 2], ['WAIT', 1]]).map(([k]) => k), ['PGROUP', 'WAIT']);
    assert.deepEqual(javaHashMapOrder([['TAGS', 'a'], ['KEYS', 'b'], ['TAGS', 'c']]), [['KEYS', 'b'], ['TAGS', 'c']]);
    assert.equal(encodePropertiesJavaOrder({ TAGS: 't', KEYS: 'k', UNIQ_KEY: 'u', WAIT: 'true' }), 'KEYS\u0001k\u0002UNIQ_KEY\u0001u\u0002WAIT\u0001true\u0002TAGS\u0001t');
    // 13 entries grow the table to 32 buckets.
    const many = Array.from({ length: 13 }, (_, i) => [`k${i}`, i] as const);
    assert.equal(javaHashMapOrder(many).length, 13);
  });
});

describe('buildPropertiesString: the text around UNIQ_KEY kept from the send before', () => {
  it('equals the general build for every sequence of parts, whatever came before', () => {
    const variants = [
      { uniqKey: 'A'.repeat(32) },
      { uniqKey: 'B'.repeat(32) },
      { uniqKey: 'C'.repeat(32), tags: 'TagA' },
      { uniqKey: 'D'.repeat(32), tags: 'TagA', keys: ['k1', 'k2'] },
      { uniqKey: 'E'.repeat(32), tags: 'TagB', keys: 'k3' },
      { uniqKey: 'F'.repeat(32), waitStoreMsgOK: false },
      { uniqKey: 'G'.repeat(32), delayTimeLevel: 3 },
      { uniqKey: 'H'.repeat(32), transactionPrepared: true, producerGroup: 'PG' },
      { uniqKey: 'I'.repeat(32), instanceId: 'MQ_INST_1' },
      { tags: 'NoUniq' },
      { uniqKey: 'J'.repeat(32) },
    ];
    for (let round = 0; round < 3; round++) {
      for (const parts of variants) {
        for (const trailingSeparator of [false, true]) {
          // Empty user properties take the general path (names, values, Java HashMap order).
          const general = buildPropertiesString({ ...parts, userProperties: {} }, { trailingSeparator });
          assert.equal(buildPropertiesString(parts, { trailingSeparator }), general);
        }
      }
      variants.reverse();
    }
  });
});
