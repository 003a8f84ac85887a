import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RocketMQError } from '../../src/errors.js';
import { decodeBatchBody, encodeBatchBody } from '../../src/message/batch.js';
import { buildPropertiesString } from '../../src/message/properties.js';
import { BATCH_D_HEX, UNIQ_0, UNIQ_1 } from './golden-bytes.js';

const isMalformed = (err: unknown): boolean =>
  err instanceof RocketMQError && err.code === 'RMQ_ERR_MALFORMED_BATCH';

describe('batch: spec §16(d) golden bytes', () => {
  const golden = Buffer.from(BATCH_D_HEX, 'hex');
  const records = [
    { body: Buffer.from('Hello'), flag: 0, properties: buildPropertiesString({ tags: 'TagA', uniqKey: UNIQ_0 }) },
    { body: Buffer.from('World'), flag: 0, properties: buildPropertiesString({ tags: 'TagA', uniqKey: UNIQ_1 }) },
  ];

  it('record properties are UNIQ_KEY, WAIT, TAGS (61 bytes)', () => {
    assert.equal(records[0]!.properties, `UNIQ_KEY\u0001${UNIQ_0}\u0002WAIT\u0001true\u0002TAGS\u0001TagA`);
    assert.equal(Buffer.byteLength(records[0]!.properties), 0x3d);
  });

  it('encodes two 88-byte records exactly', () => {
    const body = encodeBatchBody(records);
    assert.equal(body.length, 176);
    assert.equal(body.readInt32BE(0), 88);
    assert.deepEqual(body, golden);
  });

  it('encodes 5.2 style records of 89 bytes', () => {
    const body = encodeBatchBody(records.map((r) => ({ ...r, properties: `${r.properties}\u0002` })));
    assert.equal(body.length, 178);
    assert.equal(body.readInt32BE(0), 89);
    assert.equal(body.readInt16BE(25), 0x3e);
  });

  it('decodes the golden body', () => {
    const decoded = decodeBatchBody(golden);
    assert.deepEqual(decoded.map((r) => ({ body: r.body.toString(), flag: r.flag, properties: r.properties })), [
      { body: 'Hello', flag: 0, properties: records[0]!.properties },
      { body: 'World', flag: 0, properties: records[1]!.properties },
    ]);
  });

  it('accepts Uint8Array bodies and negative flags', () => {
    const body = encodeBatchBody([{ body: new Uint8Array([1, 2, 3]), flag: -7, properties: '' }]);
    assert.deepEqual(decodeBatchBody(body), [{ body: Buffer.from([1, 2, 3]), flag: -7, properties: '' }]);
  });
});

describe('batch: decoder on bad input', () => {
  const golden = Buffer.from(BATCH_D_HEX, 'hex');

  it('every proper prefix either errors cleanly or is a whole-record prefix', () => {
    for (let n = 0; n < golden.length; n++) {
      const prefix = golden.subarray(0, n);
      if (n === 88) {
        assert.equal(decodeBatchBody(prefix).length, 1);
        continue;
      }
      assert.throws(() => decodeBatchBody(prefix), isMalformed, `prefix of ${n} bytes`);
    }
  });

  it('rejects inconsistent lengths', () => {
    const badTotal = Buffer.from(golden);
    badTotal.writeInt32BE(87, 0);
    assert.throws(() => decodeBatchBody(badTotal), isMalformed);
    const negativeBody = Buffer.from(golden);
    negativeBody.writeInt32BE(-1, 16);
    assert.throws(() => decodeBatchBody(negativeBody), isMalformed);
    const hugeBody = Buffer.from(golden);
    hugeBody.writeInt32BE(0x7fffffff, 16);
    assert.throws(() => decodeBatchBody(hugeBody), isMalformed);
    const negativeProps = Buffer.from(golden);
    negativeProps.writeInt16BE(-1, 25);
    assert.throws(() => decodeBatchBody(negativeProps), isMalformed);
  });

  it('never throws anything but the typed error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        try {
          decodeBatchBody(Buffer.from(bytes));
        } catch (err) {
          assert.ok(isMalformed(err), String(err));
        }
      }),
      { numRuns: 500 },
    );
  });

  it('refuses properties longer than 32767 bytes when encoding', () => {
    assert.throws(
      () => encodeBatchBody([{ body: Buffer.from('x'), flag: 0, properties: 'a'.repeat(32768) }]),
      (err: unknown) => err instanceof RocketMQError && err.code === 'RMQ_ERR_PROPERTIES_TOO_LARGE',
    );
  });
});

describe('batch: round trip (fast-check)', () => {
  it('decode(encode(records)) === records', () => {
    const record = fc.record({
      body: fc.uint8Array({ maxLength: 64 }),
      flag: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
      properties: fc.string({ maxLength: 40, unit: 'grapheme' }),
    });
    fc.assert(
      fc.property(fc.array(record, { minLength: 1, maxLength: 8 }), (records) => {
        const decoded = decodeBatchBody(encodeBatchBody(records));
        assert.deepEqual(decoded, records.map((r) => ({ ...r, body: Buffer.from(r.body) })));
      }),
      { numRuns: 300 },
    );
  });
});
