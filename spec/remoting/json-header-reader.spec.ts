import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RemotingProtocolError } from '../../src/errors.js';
import { decodeFrame } from '../../src/remoting/frame-codec.js';
import { decodeJsonHeader, decodeJsonHeaderInGeneral, jsonHeaderText } from '../../src/remoting/header-codec.js';
import { readSendAnswerHeader } from '../../src/remoting/json-header-reader.js';
import { SerializeType, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { FIXTURES_DIR } from '../helpers/golden.js';

/** Every whole send-answer frame captured from real brokers (4.9.8 and 5.3.3, plain, autocreate, tx, delay, reply). */
function capturedSendAnswers(): { name: string; header: Buffer }[] {
  const files: string[] = [];
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (/response(\.frame)?\.bin$/.test(entry.name)) files.push(join(dir, entry.name));
    }
  };
  walk(FIXTURES_DIR);
  const answers: { name: string; header: Buffer }[] = [];
  for (const file of files.sort()) {
    const frame = readFileSync(file);
    const headerLength = frame.readInt32BE(4) & 0xffffff;
    if (frame.readUInt8(4) !== SerializeType.JSON) continue;
    const header = frame.subarray(8, 8 + headerLength);
    if (header.includes('"queueOffset"')) answers.push({ name: file.slice(FIXTURES_DIR.length + 1), header });
  }
  return answers;
}

/** `text` as a header in the middle of a larger buffer (as in a socket chunk), with its bounds. */
function inChunk(text: string | Buffer): { bytes: Buffer; start: number; end: number } {
  const header = typeof text === 'string' ? Buffer.from(text) : text;
  const bytes = Buffer.concat([Buffer.from('xx"}{'), header, Buffer.from('}"1yy')]);
  return { bytes, start: 5, end: 5 + header.length };
}

/** Either the general decoder's command or its error's code. */
function general(text: string | Buffer): RemotingCommand | string {
  const { bytes, start, end } = inChunk(text);
  try {
    return decodeJsonHeaderInGeneral(bytes, start, end, null);
  } catch (error) {
    assert.ok(error instanceof RemotingProtocolError, `general decoder threw ${String(error)}`);
    return error.code;
  }
}

/** Either decodeJsonHeader's command or its error's code; also checks that the reader agrees when it answers. */
function decoded(text: string | Buffer): RemotingCommand | string {
  const { bytes, start, end } = inChunk(text);
  const fast = readSendAnswerHeader(bytes, start, end, null);
  if (fast !== null) assert.deepEqual(fast, general(text), 'the reader answered differently from the general decoder');
  try {
    return decodeJsonHeader(bytes, start, end, null);
  } catch (error) {
    assert.ok(error instanceof RemotingProtocolError, `decodeJsonHeader threw ${String(error)}`);
    return error.code;
  }
}

const fastAnswers = (text: string | Buffer): boolean => {
  const { bytes, start, end } = inChunk(text);
  return readSendAnswerHeader(bytes, start, end, null) !== null;
};

const answer = (extFields: Record<string, string>, overrides: Partial<RemotingCommand> = {}): RemotingCommand => ({
  code: 0,
  language: 'JAVA',
  version: 409,
  opaque: 1004,
  flag: 1,
  remark: null,
  extFields,
  serializeType: SerializeType.JSON,
  body: null,
  ...overrides,
});

/** The extFields orders the brokers write: 4.9; 5.x without and with a transaction id. */
const ORDERS = [
  ['queueId', 'TRACE_ON', 'MSG_REGION', 'msgId', 'queueOffset'],
  ['queueId', 'msgId', 'TRACE_ON', 'MSG_REGION', 'queueOffset'],
  ['queueId', 'transactionId', 'msgId', 'TRACE_ON', 'MSG_REGION', 'queueOffset'],
] as const;

const value = fc.oneof(
  { weight: 20, arbitrary: fc.stringMatching(/^[0-9A-Za-z_.:-]{0,16}$/) },
  fc.stringMatching(/^[0-9A-F]{0,40}$/),
  fc.constantFrom('true', 'false', 'DefaultRegion', '', '0', '-1', '99999999999999999999', 'Grüße', '日本', '😀', 'a"b', 'a\\b', '\u0001', '\u007f', '/'),
  fc.string({ maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 6 }),
);

const integer = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 99999 }) },
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
  fc.constantFrom(0, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 40, 999_999_999_999_999, 1_000_000_000_000_000, -0),
);

const arbitraryAnswer = fc
  .record({
    order: fc.constantFrom(...ORDERS),
    values: fc.array(value, { minLength: 6, maxLength: 6 }),
    code: integer,
    flag: integer,
    opaque: integer,
    version: integer,
    language: fc.constantFrom('JAVA', 'JAVA', 'JAVA', 'JAVA', 'CPP', 'Grüße', 'JA"VA'),
    remark: fc.oneof({ weight: 8, arbitrary: fc.constant(null) }, value),
  })
  .map(({ order, values, code, flag, opaque, version, language, remark }) => {
    const ext: Record<string, string> = {};
    order.forEach((key, index) => (ext[key] = values[index]!));
    return jsonHeaderText(answer(ext, { code, flag, opaque, version, language, remark }));
  });

describe('send answer reader: identical to the general decoder', () => {
  const captured = capturedSendAnswers();

  it('finds the captured send answers', () => {
    assert.ok(captured.length >= 8, `found ${captured.length}`);
  });

  for (const { name, header } of captured) {
    it(`${name}: read by the fast path, the general decoder's command`, () => {
      assert.ok(fastAnswers(header), 'the captured answer is not read by the fast path');
      assert.deepEqual(decoded(header), general(header));
    });
  }

  it('whole captured frames decode to the general decoder\'s command (body view included)', () => {
    for (const { header } of captured) {
      const frame = Buffer.alloc(8 + header.length + 3);
      frame.writeInt32BE(4 + header.length + 3, 0);
      frame.writeInt32BE(header.length, 4);
      header.copy(frame, 8);
      frame.write('abc', 8 + header.length);
      const command = decodeFrame(frame);
      assert.deepEqual(command, decodeJsonHeaderInGeneral(frame, 8, 8 + header.length, frame.subarray(8 + header.length)));
      assert.equal(command.body?.toString(), 'abc');
    }
  });

  it('answers of every broker order, with any values and numbers, decode as in general (property)', () => {
    let fast = 0;
    fc.assert(
      fc.property(arbitraryAnswer, (text) => {
        if (fastAnswers(text)) fast++;
        assert.deepEqual(decoded(text), general(text));
      }),
      { numRuns: 3000 },
    );
    // The property must exercise the fast path, not only the fallback.
    assert.ok(fast > 300, `only ${fast} of 3000 answers took the fast path`);
  });

  it('plain ASCII answers of the three orders take the fast path; shared values are the expected strings', () => {
    for (const order of ORDERS) {
      const ext: Record<string, string> = {};
      for (const key of order) ext[key] = key === 'TRACE_ON' ? 'false' : key === 'MSG_REGION' ? 'region-1' : `${key.length}`;
      const text = jsonHeaderText(answer(ext, { code: 10, opaque: -2147483648, version: 479 }));
      assert.ok(fastAnswers(text), text);
      const command = decoded(text) as RemotingCommand;
      assert.deepEqual(Object.keys(command.extFields!), [...order]);
      assert.equal(command.extFields!.TRACE_ON, 'false');
      assert.equal(command.opaque, -2147483648);
      assert.equal(command.code, 10);
    }
  });

  it('what JSON and fastjson also allow goes to the general decoder, with the same result', () => {
    const base = '{"code":0,"extFields":{"queueId":"1","TRACE_ON":"true","MSG_REGION":"DefaultRegion","msgId":"7F00","queueOffset":"5"},"flag":1,"language":"JAVA","opaque":7,"serializeTypeCurrentRPC":"JSON","version":409}';
    assert.ok(fastAnswers(base));
    const variants = [
      base.replace('"queueId":"1"', '"queueId":1'), // a number inside extFields (fastjson coerces it)
      base.replace('"queueOffset":"5"', '"queueOffset":5e0'),
      base.replace('"TRACE_ON":"true"', '"TRACE_ON":true'),
      base.replace('"MSG_REGION":"DefaultRegion"', '"MSG_REGION":null'),
      base.replace('"msgId":"7F00"', '"msgId":"7F\\u0030\\/0"'), // escapes
      base.replace('"msgId":"7F00"', '"msgId":"7F\u00e90"'), // non-ASCII
      base.replace('"flag":1', '"flag":1,"remark":"Grüße \\"x\\""'),
      base.replace('"opaque":7', '"opaque":7.5'),
      base.replace('"opaque":7', '"opaque":-0'),
      base.replace('"opaque":7', '"opaque":12345678901234567'),
      base.replace('"language":"JAVA"', '"language":"GO"'),
      base.replace(',"TRACE_ON":"true"', ''),
      base.replace('"queueOffset":"5"', '"queueOffset":"5","extra":"x"'),
      base.replace('{"code":0,', '{ "code": 0, '),
      base.replace('"serializeTypeCurrentRPC":"JSON",', ''),
      base.replace('{"code":0,"extFields":{"queueId":"1",', '{"extFields":{"queueId":"1",') .replace('"version":409', '"version":409,"code":0'),
      base + '\n',
      ' ' + base,
      base.replace('"queueId":"1"', '"queueId":"1","queueId":"2"'),
    ];
    for (const variant of variants) {
      assert.equal(fastAnswers(variant), false, variant);
      assert.deepEqual(decoded(variant), general(variant), variant);
    }
    assert.equal((decoded(variants[0]!) as RemotingCommand).extFields!.queueId, '1');
    assert.equal((decoded(variants[8]!) as RemotingCommand).opaque, 0);
    // Beyond int32 but exact: read by the fast path, wrapped as the general decoder wraps it.
    const wide = base.replace('"version":409', '"version":4090000000');
    assert.ok(fastAnswers(wide));
    assert.equal((decoded(wide) as RemotingCommand).version, 4090000000 | 0);
  });

  it('malformed, truncated and garbage headers are RemotingProtocolErrors', () => {
    const base = '{"code":0,"extFields":{"queueId":"1","TRACE_ON":"true","MSG_REGION":"DefaultRegion","msgId":"7F00","queueOffset":"5"},"flag":1,"language":"JAVA","opaque":7,"serializeTypeCurrentRPC":"JSON","version":409}';
    const bad = [
      '',
      base.slice(0, -1),
      base.slice(0, 40),
      base + '}',
      base + 'x',
      base.replace('"opaque":7', '"opaque":07'),
      base.replace('"opaque":7', '"opaque":-'),
      base.replace('"opaque":7', '"opaque":'),
      base.replace('"msgId":"7F00"', '"msgId":"7F\u000100"'),
      base.replace('"msgId":"7F00"', '"msgId":"7F\\x00"'),
      base.replace('"code":0', '"code":"0"'),
      base.replace('"code":0', '"code":0.5'),
      '[]',
      'null',
      '\u0000'.repeat(200),
    ];
    for (const text of bad) {
      assert.equal(fastAnswers(text), false, text);
      assert.equal(decoded(text), 'RMQ_ERR_REMOTING_PROTOCOL', text);
    }
    // Bytes that are not UTF-8 at all.
    const garbage = Buffer.from(base);
    garbage[60] = 0xff;
    assert.equal(fastAnswers(garbage), false);
    assert.deepEqual(decoded(garbage), general(garbage));
  });

  it('mutated real answers: never a crash, never a value the general decoder would not give (fuzz)', () => {
    const seeds = capturedSendAnswers().map(({ header }) => header);
    let rejected = 0;
    let accepted = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(
          fc.record({
            kind: fc.constantFrom('flip', 'set', 'delete', 'insert', 'truncate'),
            at: fc.nat(),
            byte: fc.constantFrom(0x22, 0x5c, 0x2c, 0x3a, 0x7b, 0x7d, 0x30, 0x39, 0x2d, 0x20, 0x00, 0x7f, 0x80, 0xc3, 0xff, 0x61),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        (seed, mutations) => {
          let bytes = Buffer.from(seed);
          for (const { kind, at: rawAt, byte } of mutations) {
            const at = bytes.length === 0 ? 0 : rawAt % bytes.length;
            if (kind === 'flip' && bytes.length > 0) bytes[at] = bytes[at]! ^ (1 << (byte & 7));
            else if (kind === 'set' && bytes.length > 0) bytes[at] = byte;
            else if (kind === 'delete') bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + 1)]);
            else if (kind === 'insert') bytes = Buffer.concat([bytes.subarray(0, at), Buffer.of(byte), bytes.subarray(at)]);
            else bytes = bytes.subarray(0, at);
          }
          const result = decoded(bytes);
          assert.deepEqual(result, general(bytes));
          if (typeof result === 'string') rejected++;
          else accepted++;
        },
      ),
      { numRuns: 4000 },
    );
    assert.ok(rejected > 0 && accepted > 0, `accepted ${accepted}, rejected ${rejected}`);
  });
});
