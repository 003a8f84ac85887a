import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeFrame, encodeFrame, encodeFrameHead, encodeFrameHeadInto } from '../../src/remoting/frame-codec.js';
import { jsonHeaderText } from '../../src/remoting/header-codec.js';
import { LanguageCode, SerializeType, type RemotingCommand, type SerializeTypeValue } from '../../src/remoting/remoting-command.js';

function jsonFrame(headerText: string, body = ''): Buffer {
  const header = Buffer.from(headerText);
  const frame = Buffer.alloc(8 + header.length + body.length);
  frame.writeInt32BE(4 + header.length + body.length, 0);
  frame.writeInt32BE(header.length, 4);
  header.copy(frame, 8);
  frame.write(body, 8 + header.length);
  return frame;
}

const command = (overrides: Partial<RemotingCommand> = {}): RemotingCommand => ({
  code: 310,
  language: 'JAVA',
  version: 409,
  opaque: 12345,
  flag: 0,
  remark: null,
  extFields: null,
  serializeType: SerializeType.JSON,
  body: null,
  ...overrides,
});

/** Strings as they appear in headers: ASCII, non-ASCII (BMP and astral), control characters, quotes. */
const headerString = fc.oneof(
  fc.string({ minLength: 1, maxLength: 20 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
  fc.constantFrom('Grüße', '日本語のリマーク', '😀 emoji', 'tab\tnew\nline', 'quote " back \\ slash', '\u0001\u0002'),
);

const arbitraryCommand = (serializeType: SerializeTypeValue): fc.Arbitrary<RemotingCommand> =>
  fc.record({
    code: fc.integer({ min: -32768, max: 32767 }),
    language: fc.constantFrom(...Object.keys(LanguageCode)),
    version: fc.integer({ min: 0, max: 32767 }),
    opaque: fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
    flag: fc.integer({ min: 0, max: 3 }),
    remark: fc.option(headerString, { nil: null }),
    extFields: fc.option(fc.dictionary(headerString, headerString, { maxKeys: 6, noNullPrototype: true }), { nil: null }),
    serializeType: fc.constant(serializeType),
    body: fc.option(
      fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes)),
      { nil: null },
    ),
  }, { noNullPrototype: true });

describe('header codecs: round trips', () => {
  for (const [name, type] of [
    ['JSON', SerializeType.JSON],
    ['ROCKETMQ', SerializeType.ROCKETMQ],
  ] as const) {
    it(`${name} round-trips every field (property)`, () => {
      fc.assert(
        fc.property(arbitraryCommand(type), (original) => {
          const decoded = decodeFrame(encodeFrame(original));
          // ROCKETMQ has no way to say "empty map" / "empty remark": both decode as absent (as in Java).
          const expected =
            type === SerializeType.ROCKETMQ
              ? {
                  ...original,
                  remark: original.remark === '' ? null : original.remark,
                  extFields:
                    original.extFields === null || Object.keys(original.extFields).length === 0 ? null : original.extFields,
                }
              : original;
          assert.deepEqual(decoded, expected);
        }),
        { numRuns: 300 },
      );
    });

    it(`${name} keeps non-ASCII remark, keys and values`, () => {
      const original = command({
        serializeType: type,
        remark: 'Fehler: Thema „Größe“ — 日本語 😀',
        extFields: { 'schlüssel': 'wert ü', 'キー': '値', emoji: '😀😀' },
        body: Buffer.from('ünïcödé body'),
      });
      assert.deepEqual(decodeFrame(encodeFrame(original)), original);
    });
  }

  it('JSON: numbers and booleans in extFields decode as strings, nulls as absent (fastjson)', () => {
    const decoded = decodeFrame(
      jsonFrame('{"code":310,"extFields":{"e":2,"k":false,"g":1700000000000,"x":null,"s":"v"},"flag":0,"opaque":7}'),
    );
    assert.deepEqual(decoded.extFields, { e: '2', k: 'false', g: '1700000000000', s: 'v' });
  });

  it('JSON: missing fields take the Java defaults; key order and whitespace do not matter', () => {
    const decoded = decodeFrame(jsonFrame('{ "opaque" : 9 ,\n "code" : 0 , "unknown": [1,2] }', 'xy'));
    assert.equal(decoded.code, 0);
    assert.equal(decoded.opaque, 9);
    assert.equal(decoded.language, 'JAVA');
    assert.equal(decoded.version, 0);
    assert.equal(decoded.flag, 0);
    assert.equal(decoded.remark, null);
    assert.equal(decoded.extFields, null);
    assert.deepEqual(decoded.body, Buffer.from('xy'));
  });

  it('ROCKETMQ: empty strings decode as absent (remark → null, empty value → no entry)', () => {
    const decoded = decodeFrame(
      encodeFrame(command({ serializeType: SerializeType.ROCKETMQ, remark: '', extFields: { a: '', b: 'x' } })),
    );
    assert.equal(decoded.remark, null);
    assert.deepEqual(decoded.extFields, { b: 'x' });
  });

  it('ROCKETMQ: a duplicated key overwrites (HashMap), as with an ACL hook on fast headers', () => {
    const frame = encodeFrame(command({ serializeType: SerializeType.ROCKETMQ, extFields: { a: 'first', b: 'x' } }));
    // Rename key "b" to "a" in place: the same key then appears twice.
    const at = frame.indexOf(Buffer.from([0, 1, 0x62]));
    frame[at + 2] = 0x61;
    assert.deepEqual(decodeFrame(frame).extFields, { a: 'x' });
  });

  it('a "__proto__" key is an ordinary field in both serializations', () => {
    for (const serializeType of [SerializeType.JSON, SerializeType.ROCKETMQ]) {
      const extFields = JSON.parse('{"__proto__":"x","k":"v"}') as Record<string, string>;
      const decoded = decodeFrame(encodeFrame(command({ serializeType, extFields })));
      assert.deepEqual(Object.entries(decoded.extFields!), [
        ['__proto__', 'x'],
        ['k', 'v'],
      ]);
      assert.equal(Object.getPrototypeOf(decoded.extFields), Object.prototype);
    }
  });

  it('encodeFrameHead + body on the wire is the same as encodeFrame', () => {
    const original = command({ body: Buffer.alloc(10_000, 1), extFields: { k: 'v' } });
    assert.deepEqual(Buffer.concat([encodeFrameHead(original), original.body!]), encodeFrame(original));
  });

  it('refuses to encode a header that does not fit the 24-bit header length', () => {
    const huge = command({ remark: 'x'.repeat(0x1000000) });
    assert.throws(() => encodeFrameHead(huge), RangeError);
    assert.throws(() => encodeFrameHead({ ...huge, serializeType: SerializeType.ROCKETMQ }), RangeError);
  });
});

describe('JSON header fast writer', () => {
  const anyString = fc.oneof(
    fc.string({ maxLength: 30 }),
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.string({ unit: fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)), maxLength: 30 }),
    fc.constantFrom('\ud800', 'a\udc00b', '😀', '\u2028\u2029', '"\\/', '\u007f'),
  );

  it('writes exactly the bytes of the reference jsonHeaderText (property)', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            code: fc.integer(),
            language: anyString,
            version: fc.integer(),
            opaque: fc.integer(),
            flag: fc.integer(),
            remark: fc.option(anyString, { nil: null }),
            extFields: fc.option(fc.dictionary(anyString, anyString, { maxKeys: 5, noNullPrototype: true }), { nil: null }),
            serializeType: fc.constant(SerializeType.JSON),
            body: fc.constant(null),
          },
          { noNullPrototype: true },
        ),
        fc.nat({ max: 1000 }),
        (original, bodyLength) => {
          const head = encodeFrameHead(original, bodyLength);
          const text = Buffer.from(jsonHeaderText(original));
          assert.deepEqual(head.subarray(8), text);
          assert.equal(head.readInt32BE(0), 4 + text.length + bodyLength);
          assert.equal(head.readInt32BE(4), text.length);
        },
      ),
      { numRuns: 1000 },
    );
  });

  // Requests of one kind reuse the encoded segments of an earlier head (code, equal field strings at equal positions,
  // flag and language, remark and version): sequences of requests that share and change values, built from small
  // pools so that they repeat, must still give exactly the reference bytes.
  const pooledString = fc.constantFrom('', 'BenchGroup', 'TopicA', 'TopicB', '0', '1', 'false', 'Grüße', '😀', 'tab\tx', '"q"\\', '\u0001\u0002', '\ud800', 'x'.repeat(300), 'y'.repeat(3000));
  const pooledValue = fc.oneof(
    { weight: 6, arbitrary: pooledString },
    // Equal to a pooled string but another string object (the writer compares by value, not identity).
    { weight: 2, arbitrary: pooledString.map((text) => [...text].join('')) },
    { weight: 2, arbitrary: anyString },
    { weight: 1, arbitrary: fc.constantFrom(undefined, null) },
  );
  const pooledKey = fc.constantFrom('a', 'b', 'c', 'e', 'g', 'i', 'topic', 'ü', '"', '');
  const sequenceCommand = fc.record(
    {
      code: fc.constantFrom(310, 320, 34, 105, 11, 12, 13),
      language: fc.constantFrom('JAVA', 'JAVA', 'GO', 'é'),
      version: fc.constantFrom(409, 409, 453, 2 ** 31),
      opaque: fc.integer(),
      flag: fc.constantFrom(0, 0, 2, 1.5),
      remark: fc.constantFrom(null, null, 'r', 'ü\n'),
      extFields: fc.option(
        fc.array(fc.tuple(pooledKey, pooledValue), { maxLength: 14 }).map((pairs) => {
          const ext: Record<string, unknown> = {};
          for (const [key, value] of pairs) ext[key] = value;
          return ext as Record<string, string>;
        }),
        { nil: null, freq: 10 },
      ),
      serializeType: fc.constant(SerializeType.JSON),
      body: fc.constant(null),
    },
    { noNullPrototype: true },
  );

  it('writes the reference bytes over sequences of requests that repeat and change values (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(sequenceCommand, fc.nat({ max: 3 })), { minLength: 1, maxLength: 40 }), (sequence) => {
        for (const [original, repeat] of sequence) {
          // Each command again, as it is and with one field changed, so that it meets its own template.
          const variants = [original];
          for (let i = 0; i < repeat; i++) variants.push(original);
          if (original.extFields !== null) {
            const keys = Object.keys(original.extFields);
            if (keys.length > 0) {
              // Changed twice in a row (the writer may take a value that repeats into its template), then back.
              const key = keys[repeat % keys.length]!;
              for (const value of [`changed${repeat}`, `changed${repeat}`, 'x'.repeat(7 + repeat), `changed${repeat}`, `changed${repeat}`]) {
                variants.push({ ...original, opaque: original.opaque ^ 1, extFields: { ...original.extFields, [key]: value } });
              }
              variants.push(original);
            }
            // The same fields in reverse order.
            variants.push({ ...original, extFields: Object.fromEntries(Object.entries(original.extFields).reverse()) });
          }
          for (const command of variants) {
            const text = Buffer.from(jsonHeaderText(command));
            const head = encodeFrameHead(command, 7);
            assert.deepEqual(head.subarray(8), text);
            assert.equal(head.readInt32BE(0), 4 + text.length + 7);
          }
        }
      }),
      { numRuns: 300 },
    );
  });

  it('a field value that is not a string is written as it is now, never from an earlier head', () => {
    const value = { n: 1 };
    const original = command({ code: 999, extFields: { a: 'x', obj: value as unknown as string, b: 'y' } });
    for (let n = 0; n < 4; n++) {
      value.n = n;
      assert.deepEqual(encodeFrameHead(original).subarray(8), Buffer.from(jsonHeaderText(original)), String(n));
    }
    const numbers = command({ code: 999, extFields: { a: 'x', num: 5 as unknown as string } });
    assert.deepEqual(encodeFrameHead(numbers).subarray(8), Buffer.from(jsonHeaderText(numbers)));
  });

  it('with a reused head, encodes into a caller buffer exactly the head or reports that it does not fit', () => {
    const original = command({ code: 998, extFields: { a: 'group', b: 'topic', g: '1764000000000', i: 'UNIQ_KEY\u0001x' } });
    const head = encodeFrameHead(original, 100);
    for (let size = 0; size < 6 * head.length; size += 3) {
      const changed = { ...original, opaque: size, extFields: { ...original.extFields!, g: String(1_764_000_000_000 + size) } };
      const expected = encodeFrameHead(changed, 100);
      const target = Buffer.alloc(size, 0xee);
      const end = encodeFrameHeadInto(changed, 100, target, 2);
      if (end < 0) {
        assert.ok(size < 2 + 6 * expected.length, `room for ${size - 2} bytes should be enough for ${expected.length}`);
      } else {
        assert.equal(end, 2 + expected.length);
        assert.deepEqual(target.subarray(2, end), expected);
        assert.ok(target.subarray(end).every((byte) => byte === 0xee), 'nothing written past the head');
      }
      assert.ok(target.subarray(0, 2).every((byte) => byte === 0xee), 'nothing written before the offset');
    }
  });

  it('writes numbers outside int32 (and -0) as the reference does', () => {
    for (const value of [2 ** 31, -(2 ** 31) - 1, 2 ** 53, 1.5, -0, 1e21, Number.NaN, Number.POSITIVE_INFINITY, 0, -1, 2 ** 31 - 1, -(2 ** 31)]) {
      const original = command({ code: value, flag: value, opaque: value, version: value });
      assert.deepEqual(encodeFrameHead(original).subarray(8), Buffer.from(jsonHeaderText(original)), String(value));
    }
  });

  it('encodes into a caller buffer exactly what encodeFrameHead returns, or reports that it does not fit', () => {
    const original = command({ extFields: { topic: 'T', properties: 'UNIQ_KEY\u0001x\u0002WAIT\u0001true' }, remark: 'r' });
    const head = encodeFrameHead(original, 100);
    // The JSON writer wants room for the worst case of each string (6 bytes per character), not just the bytes.
    const target = Buffer.alloc(10 + 6 * head.length, 0xee);
    assert.equal(encodeFrameHeadInto(original, 100, target, 10), 10 + head.length);
    assert.deepEqual(target.subarray(10, 10 + head.length), head);
    assert.ok(target.subarray(10 + head.length).every((byte) => byte === 0xee), 'nothing written past the head');
    assert.equal(encodeFrameHeadInto(original, 100, Buffer.alloc(head.length + 9), 10), -1);
    const binary = { ...original, serializeType: SerializeType.ROCKETMQ };
    const binaryHead = encodeFrameHead(binary, 100);
    const binaryTarget = Buffer.alloc(binaryHead.length + 3);
    assert.equal(encodeFrameHeadInto(binary, 100, binaryTarget, 3), 3 + binaryHead.length);
    assert.deepEqual(binaryTarget.subarray(3), binaryHead);
    assert.equal(encodeFrameHeadInto(binary, 100, Buffer.alloc(binaryHead.length + 2), 3), -1);
  });

  it('grows past its scratch buffer for huge headers', () => {
    const original = command({ remark: 'é'.repeat(100_000), extFields: { big: '\u0001'.repeat(50_000) } });
    assert.deepEqual(encodeFrameHead(original).subarray(8), Buffer.from(jsonHeaderText(original)));
    assert.deepEqual(decodeFrame(encodeFrame(original)), original);
  });
});
