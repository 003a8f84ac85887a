import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RemotingProtocolError } from '../../src/errors.js';
import { decodeFrame, decodeFramePayload, encodeFrame, encodeFrameHead, encodeFrameHeadInto } from '../../src/remoting/frame-codec.js';
import { binaryHeaderLength, writeBinaryHeader } from '../../src/remoting/header-codec.js';
import { SerializeType, type RemotingCommand } from '../../src/remoting/remoting-command.js';

/** The frame head from the reference encoder (a length pass, then `writeBinaryHeader`). */
function referenceHead(command: RemotingCommand, bodyLength: number): Buffer {
  const length = binaryHeaderLength(command);
  const head = Buffer.alloc(8 + length);
  head.writeInt32BE(4 + length + bodyLength, 0);
  head.writeInt32BE((1 << 24) | length, 4);
  assert.equal(writeBinaryHeader(command, head, 8), head.length);
  return head;
}

const text = fc.oneof(
  fc.string({ maxLength: 60 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.string({ unit: 'binary', maxLength: 70 }),
  // Lone surrogates and long strings (the native path).
  fc.string({ unit: fc.integer({ min: 0xd7f0, max: 0xe010 }).map((c) => String.fromCharCode(c)), maxLength: 10 }),
  fc.string({ minLength: 49, maxLength: 400 }),
);
const commandArbitrary = fc.record({
  code: fc.integer({ min: -32768, max: 32767 }),
  language: fc.constantFrom('JAVA', 'CPP', 'GO', 'NODE_JS', 'UNKNOWN'),
  version: fc.integer({ min: -32768, max: 32767 }),
  opaque: fc.integer({ min: -2147483648, max: 2147483647 }),
  flag: fc.integer({ min: -2147483648, max: 2147483647 }),
  remark: fc.option(text, { nil: null }),
  extFields: fc.option(fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 6 })), text, { maxKeys: 16 }), {
    nil: null,
  }),
  serializeType: fc.constant(SerializeType.ROCKETMQ),
  body: fc.constant(null),
}) as fc.Arbitrary<RemotingCommand>;

describe('ROCKETMQ one-pass header writer', () => {
  it('writes what the reference encoder writes, into a buffer of exactly its size, and -1 with one byte less (fast-check)', () => {
    fc.assert(
      fc.property(commandArbitrary, fc.nat({ max: 5000 }), fc.nat({ max: 7 }), (command, bodyLength, offset) => {
        const expected = referenceHead(command, bodyLength);
        assert.deepEqual(encodeFrameHead(command, bodyLength), expected);
        const exact = Buffer.alloc(offset + expected.length, 0xee);
        assert.equal(encodeFrameHeadInto(command, bodyLength, exact, offset), offset + expected.length);
        assert.deepEqual(exact.subarray(offset), expected);
        assert.ok(exact.subarray(0, offset).every((byte) => byte === 0xee), 'nothing written before the offset');
        assert.equal(encodeFrameHeadInto(command, bodyLength, Buffer.alloc(offset + expected.length - 1), offset), -1);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips through the decoder (empty strings come back absent, as in Java)', () => {
    fc.assert(
      fc.property(commandArbitrary, (command) => {
        const decoded = decodeFrame(encodeFrame(command));
        assert.equal(decoded.code, command.code);
        assert.equal(decoded.version, command.version);
        assert.equal(decoded.opaque, command.opaque);
        assert.equal(decoded.flag, command.flag);
        assert.equal(decoded.serializeType, SerializeType.ROCKETMQ);
      }),
      { numRuns: 200 },
    );
  });

  it('writes a lone surrogate as "?" (Java\'s UTF-8 encoder), a pair as its 4 bytes', () => {
    const command: RemotingCommand = {
      code: 1,
      language: 'JAVA',
      version: 409,
      opaque: 1,
      flag: 0,
      remark: 'a\ud800b',
      extFields: { k: '\udc00\ud83d\ude00' },
      serializeType: SerializeType.ROCKETMQ,
      body: null,
    };
    const head = encodeFrameHead(command, 0);
    // remark: int32 3, "a?b"
    assert.equal(head.subarray(8 + 13, 8 + 13 + 7).toString('hex'), '00000003613f62');
    // entry: int16 1, "k", int32 5, "?" + F0 9F 98 80
    assert.equal(head.subarray(8 + 13 + 7 + 4).toString('hex'), '00016b000000053ff09f9880');
  });

  it('throws a RangeError (nothing written) for a code or version outside int16, an opaque outside int32', () => {
    const base: RemotingCommand = { code: 1, language: 'JAVA', version: 409, opaque: 1, flag: 0, remark: null, extFields: null, serializeType: SerializeType.ROCKETMQ, body: null };
    for (const bad of [{ code: 32768 }, { code: -32769 }, { version: 70_000 }, { opaque: 2 ** 31 }, { flag: 1.5 }]) {
      assert.throws(() => encodeFrameHead({ ...base, ...bad }, 0), RangeError, JSON.stringify(bad));
    }
  });
});

describe('ROCKETMQ header decoder: malformed headers', () => {
  /** A frame payload (after the length prefix) with the given binary header bytes. */
  function payload(header: Buffer): Buffer {
    const out = Buffer.alloc(4 + header.length);
    out.writeInt32BE((1 << 24) | header.length, 0);
    header.copy(out, 4);
    return out;
  }
  const fixed = (remarkLength: number, extLength: number): Buffer => {
    const out = Buffer.alloc(21);
    out.writeInt16BE(310, 0);
    out.writeInt16BE(409, 3);
    out.writeInt32BE(remarkLength, 13);
    out.writeInt32BE(extLength, 17);
    return out;
  };
  const entry = (keyLength: number, key: string, valueLength: number, value: string): Buffer => {
    const out = Buffer.alloc(6 + key.length + value.length);
    out.writeInt16BE(keyLength, 0);
    out.write(key, 2, 'latin1');
    out.writeInt32BE(valueLength, 2 + key.length);
    out.write(value, 6 + key.length, 'latin1');
    return out;
  };
  const withExt = (entries: Buffer, extLength = entries.length): Buffer => Buffer.concat([fixed(0, extLength), entries]);

  const cases: [string, Buffer][] = [
    ['shorter than 21 bytes', Buffer.alloc(20)],
    ['negative remark length', fixed(-1, 0)],
    ['remark length past the header', fixed(5, 0)],
    ['negative extFields length', fixed(0, -4)],
    ['extFields length past the header', fixed(0, 1)],
    ['truncated entry (one byte)', withExt(Buffer.from([0]))],
    ['negative key length', withExt(entry(-1, 'a', 1, 'x'))],
    ['key length past the entries', withExt(entry(40, 'a', 1, 'x'))],
    ['negative value length', withExt(entry(1, 'a', -1, 'x'))],
    ['value length past the entries', withExt(entry(1, 'a', 9, 'x'))],
  ];
  for (const [name, header] of cases) {
    it(`rejects ${name} with RemotingProtocolError`, () => {
      assert.throws(
        () => decodeFramePayload(payload(header)),
        (error: unknown) => error instanceof RemotingProtocolError && error.code === 'RMQ_ERR_REMOTING_PROTOCOL',
      );
    });
  }

  it('accepts the well-formed neighbours of those cases', () => {
    const ok = decodeFramePayload(payload(withExt(entry(1, 'a', 1, 'x'))));
    assert.deepEqual(ok.extFields, { a: 'x' });
    assert.equal(ok.code, 310);
    assert.equal(ok.version, 409);
  });

  it('decodes the same keys to the same values however often they repeat (key cache), non-ASCII keys too', () => {
    for (let round = 0; round < 3; round++) {
      const command: RemotingCommand = {
        code: 0,
        language: 'JAVA',
        version: 409,
        opaque: round,
        flag: 1,
        remark: null,
        extFields: { msgId: `id${round}`, queueId: String(round), 'clé': 'v', TRACE_ON: 'true', x: 'y'.repeat(round) || 'z' },
        serializeType: SerializeType.ROCKETMQ,
        body: null,
      };
      assert.deepEqual(decodeFrame(encodeFrame(command)).extFields, command.extFields);
    }
  });
});
