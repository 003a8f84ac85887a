import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RocketMQError } from '../../src/errors.js';
import { decodeOffsetMessageId, createOffsetMessageId } from '../../src/message/message-id.js';
import {
  decodeStoredMessage,
  decodeStoredMessages,
  encodeStoredMessage,
  messageBodyCrc,
  MESSAGE_MAGIC_CODE_V2,
  type StoredMessageFields,
} from '../../src/message/stored-message.js';
import { STORED_E_HEX, UNIQ_0 } from './golden-bytes.js';

const isMalformed = (err: unknown): boolean =>
  err instanceof RocketMQError && err.code === 'RMQ_ERR_MALFORMED_MESSAGE';

const exampleE: StoredMessageFields = {
  topic: 'TopicTest',
  queueId: 2,
  flag: 0,
  queueOffset: 7n,
  commitLogOffset: 0x1234n,
  sysFlag: 0,
  bornTimestamp: 1700000000000,
  bornHost: '192.168.0.2:54321',
  storeTimestamp: 1700000000005,
  storeHost: '127.0.0.1:10911',
  reconsumeTimes: 0,
  preparedTransactionOffset: 0n,
  body: Buffer.from('Hello'),
  properties: `KEYS\u0001OrderID188\u0002UNIQ_KEY\u0001${UNIQ_0}\u0002CLUSTER\u0001DefaultCluster\u0002TAGS\u0001TagA`,
};

describe('stored message: spec §16(e) golden bytes', () => {
  const golden = Buffer.from(STORED_E_HEX, 'hex');

  it('body CRC of "Hello" is 0x77D18982 (CRC-32 & 0x7FFFFFFF)', () => {
    assert.equal(messageBodyCrc(Buffer.from('Hello')), 0x77d18982);
    assert.equal(messageBodyCrc(Buffer.alloc(0)), 0);
  });

  it('encodes the 195-byte record exactly', () => {
    const record = encodeStoredMessage(exampleE);
    assert.equal(record.length, 195);
    assert.deepEqual(record, golden);
  });

  it('decodes it, and its offset id is 7F00000100002A9F0000000000001234', () => {
    const m = decodeStoredMessage(golden);
    assert.deepEqual({ ...m, body: Buffer.from(m.body) }, { ...exampleE, version: 1, bodyCRC: 0x77d18982, totalSize: 195 });
    assert.equal(createOffsetMessageId(m.storeHost, m.commitLogOffset), '7F00000100002A9F0000000000001234');
    assert.equal(decodeOffsetMessageId('7F00000100002A9F0000000000001234').address, m.storeHost);
  });

  it('every proper prefix errors cleanly', () => {
    for (let n = 0; n < golden.length; n++) {
      assert.throws(() => decodeStoredMessage(golden.subarray(0, n)), isMalformed, `prefix of ${n} bytes`);
    }
  });

  it('a record whose totalSize is shorter than its fields errors cleanly at every claimed size', () => {
    for (let size = 0; size < golden.length; size++) {
      const bytes = Buffer.from(golden);
      bytes.writeInt32BE(size, 0);
      assert.throws(() => decodeStoredMessage(bytes), isMalformed, `totalSize ${size}`);
    }
  });

  it('rejects an unknown magic, the blank filler, a negative body length', () => {
    for (const magic of [0, -875286124]) {
      const bytes = Buffer.from(golden);
      bytes.writeInt32BE(magic, 4);
      assert.throws(() => decodeStoredMessage(bytes), isMalformed);
    }
    const bytes = Buffer.from(golden);
    bytes.writeInt32BE(-5, 84);
    assert.throws(() => decodeStoredMessage(bytes), isMalformed);
  });

  it('never throws anything but the typed error on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(194), fc.uint8Array({ minLength: 1, maxLength: 4 }), (random, at, patch) => {
        for (const bytes of [Buffer.from(random), Buffer.from(golden)]) {
          if (bytes === golden) continue;
          bytes.set(patch.subarray(0, Math.max(0, bytes.length - at)), Math.min(at, bytes.length));
          try {
            decodeStoredMessage(bytes);
          } catch (err) {
            assert.ok(isMalformed(err), String(err));
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  it('decodes consecutive records', () => {
    const two = Buffer.concat([golden, encodeStoredMessage({ ...exampleE, queueOffset: 8n })]);
    assert.deepEqual(decodeStoredMessages(two).map((m) => m.queueOffset), [7n, 8n]);
  });
});

describe('stored message: versions and IPv6 hosts', () => {
  it('uses V2 magic and a 2-byte topic length for long topics', () => {
    const topic = `%RETRY%${'g'.repeat(150)}`;
    const record = encodeStoredMessage({ ...exampleE, topic });
    assert.equal(record.readInt32BE(4), MESSAGE_MAGIC_CODE_V2);
    const m = decodeStoredMessage(record);
    assert.equal(m.version, 2);
    assert.equal(m.topic, topic);
    assert.equal(decodeStoredMessage(encodeStoredMessage({ ...exampleE, version: 2 })).version, 2);
    assert.throws(() => encodeStoredMessage({ ...exampleE, topic, version: 1 }), isMalformed);
  });

  it('reads IPv6 born/store hosts by sysFlag bits 0x10/0x20', () => {
    const fields = { ...exampleE, sysFlag: 0x30, bornHost: '[fe80::1]:5', storeHost: '[2001:db8::2]:10911' };
    const record = encodeStoredMessage(fields);
    assert.equal(record.length, 195 + 24);
    const m = decodeStoredMessage(record);
    assert.equal(m.bornHost, '[fe80::1]:5');
    assert.equal(m.storeHost, '[2001:db8::2]:10911');
    assert.throws(() => encodeStoredMessage({ ...exampleE, bornHost: '[::1]:1' }), isMalformed);
    assert.throws(() => encodeStoredMessage({ ...exampleE, sysFlag: 0x20 }), isMalformed);
  });
});

describe('stored message: round trip (fast-check)', () => {
  it('decode(encode(m)) === m', () => {
    const host = (v6: boolean): fc.Arbitrary<string> =>
      v6 ? fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 65535 })).map(([ip, p]) => `[${ip}]:${p}`)
        : fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 65535 })).map(([ip, p]) => `${ip}:${p}`);
    const arb = fc.tuple(fc.boolean(), fc.boolean()).chain(([bornV6, storeV6]) =>
      fc.record({
        topic: fc.stringMatching(/^[%|a-zA-Z0-9_-]{1,200}$/),
        queueId: fc.integer({ min: 0, max: 1023 }),
        flag: fc.integer({ min: -0x80000000, max: 0x7fffffff }),
        queueOffset: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
        commitLogOffset: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
        sysFlag: fc.integer({ min: 0, max: 0x70f }).map((f) => (f & ~0x30) | (bornV6 ? 0x10 : 0) | (storeV6 ? 0x20 : 0)),
        bornTimestamp: fc.integer({ min: 0, max: 2 ** 45 }),
        bornHost: host(bornV6),
        storeTimestamp: fc.integer({ min: 0, max: 2 ** 45 }),
        storeHost: host(storeV6),
        reconsumeTimes: fc.integer({ min: 0, max: 16 }),
        preparedTransactionOffset: fc.bigInt({ min: 0n, max: (1n << 63n) - 1n }),
        body: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
        properties: fc.string({ maxLength: 60, unit: 'grapheme' }),
      }),
    );
    fc.assert(
      fc.property(arb, (fields) => {
        const record = encodeStoredMessage(fields);
        const m = decodeStoredMessage(record);
        const { version: _v, bodyCRC, totalSize, ...rest } = m;
        assert.equal(totalSize, record.length);
        assert.equal(bodyCRC, messageBodyCrc(fields.body));
        assert.equal(rest.topic, fields.topic);
        // Hosts come back in canonical form; re-encoding them gives the same bytes.
        assert.deepEqual(encodeStoredMessage(m), record);
        assert.deepEqual({ ...rest, bornHost: fields.bornHost, storeHost: fields.storeHost }, { ...fields });
      }),
      { numRuns: 300 },
    );
  });
});
