import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BATCH_SPAN_FIELDS, MessageStore } from '../../src/embedded/message-store.js';

/**
 * MessageStore.putBatch (records written straight from the request body, what they share copied from the first)
 * against MessageStore.put of each record with its whole properties string (the record-by-record path): the same
 * record bytes, offsets and offset message ids.
 */
interface Case {
  storeHost: string;
  bornHost: string;
  topic: string;
  queueId: number;
  sysFlag: number;
  bornTimestamp: number;
  storeTimestamp: number;
  reconsumeTimes: number;
  suffix: string;
  records: { flag: number; body: Uint8Array; own: string; separator: boolean }[];
  /** Single puts before the batch, so that it does not start at offset 0. */
  before: number;
}

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 }), fc.nat(65535)).map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}:${p}`);
const v6 = fc
  .tuple(fc.array(fc.integer({ min: 1, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.nat(65535))
  .map(([words, p]) => `[${words.map((w) => w.toString(16)).join(':')}]:${p}`);
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
/** Properties text without the separators' bytes inside it (they delimit the text; a record's own may end in one). */
const text = (max: number) => fc.oneof(fc.string({ maxLength: 9 }), fc.string({ unit: 'grapheme', maxLength: max }), fc.string({ maxLength: max }));

const testCase: fc.Arbitrary<Case> = fc.record({
  storeHost: fc.oneof(v4, v6),
  bornHost: fc.oneof(v4, v6, v4.map((a) => `[::ffff:${a.slice(0, a.lastIndexOf(':'))}]${a.slice(a.lastIndexOf(':'))}`)),
  topic: fc.oneof(fc.string({ minLength: 1, maxLength: 24 }), fc.string({ minLength: 128, maxLength: 160 })),
  queueId: fc.nat(15),
  sysFlag: fc.oneof(fc.constant(0), int32),
  bornTimestamp: fc.integer({ min: 0, max: 2 ** 45 }),
  storeTimestamp: fc.integer({ min: 0, max: 2 ** 45 }),
  reconsumeTimes: fc.nat(20),
  suffix: text(60),
  records: fc.array(
    fc.record({
      flag: int32,
      body: fc.oneof(fc.uint8Array({ maxLength: 9 }), fc.uint8Array({ maxLength: 2000 })),
      own: text(90),
      separator: fc.boolean(),
    }),
    { minLength: 1, maxLength: 10 },
  ),
  before: fc.nat(3),
});

/** The request body of the batch and the spans putBatch reads: bodies and properties at unaligned places. */
function spansOf(c: Case): { source: Buffer; spans: Int32Array; owns: string[] } {
  const parts: Buffer[] = [Buffer.from([0xee])];
  let at = 1;
  const spans = new Int32Array(c.records.length * BATCH_SPAN_FIELDS);
  const owns: string[] = [];
  c.records.forEach((r, i) => {
    // The processor only sets the separator when the record's own properties are non-empty and do not end in one.
    const own = r.separator ? r.own + 'k\x01v' : r.own;
    const ownBytes = Buffer.from(own, 'utf8');
    const o = i * BATCH_SPAN_FIELDS;
    spans[o] = r.flag;
    spans[o + 1] = at;
    spans[o + 2] = r.body.length;
    parts.push(Buffer.from(r.body), Buffer.from([0xee, 0xee, 0xee]));
    at += r.body.length + 3;
    spans[o + 3] = at;
    spans[o + 4] = ownBytes.length;
    spans[o + 5] = r.separator ? 1 : 0;
    parts.push(ownBytes, Buffer.from([0xee]));
    at += ownBytes.length + 1;
    owns.push(own);
  });
  return { source: Buffer.concat(parts), spans, owns };
}

function putBefore(store: MessageStore, c: Case): void {
  for (let i = 0; i < c.before; i++) {
    store.put({ topic: c.topic, queueId: c.queueId, flag: 0, sysFlag: 0, bornTimestamp: 1, bornHost: '10.0.0.1:1', reconsumeTimes: 0, body: Buffer.from(`m${i}`), properties: 'A\x01b' }, 2);
  }
}

describe('MessageStore.putBatch: the records of a batch as put one by one', () => {
  it('stores the same bytes, offsets and offset message ids as put() record by record', () => {
    fc.assert(
      fc.property(testCase, (c) => {
        const { source, spans, owns } = spansOf(c);
        const batched = new MessageStore(c.storeHost, 1000);
        const single = new MessageStore(c.storeHost, 1000);
        putBefore(batched, c);
        putBefore(single, c);
        const firstOffset = batched.maxCommitLogOffset;
        const suffix = Buffer.from(c.suffix, 'utf8');
        const result = batched.putBatch(
          {
            topic: c.topic,
            queueId: c.queueId,
            sysFlag: c.sysFlag,
            bornTimestamp: c.bornTimestamp,
            bornHost: c.bornHost,
            reconsumeTimes: c.reconsumeTimes,
            source,
            count: c.records.length,
            spans,
            suffix,
          },
          c.storeTimestamp,
        );
        const ones = c.records.map((r, i) =>
          single.put(
            {
              topic: c.topic,
              queueId: c.queueId,
              flag: r.flag,
              sysFlag: c.sysFlag,
              bornTimestamp: c.bornTimestamp,
              bornHost: c.bornHost,
              reconsumeTimes: c.reconsumeTimes,
              body: Buffer.from(r.body),
              properties: owns[i]! + (r.separator ? '\x02' : '') + c.suffix,
            },
            c.storeTimestamp,
          ),
        );
        assert.equal(result.queueOffset, ones[0]!.queueOffset);
        assert.equal(result.msgIds, ones.map((one) => one.msgId).join(','));
        assert.equal(ones[0]!.commitLogOffset, firstOffset);
        for (const one of ones) assert.deepEqual(batched.recordAt(one.commitLogOffset), single.recordAt(one.commitLogOffset));
        assert.equal(batched.maxCommitLogOffset, single.maxCommitLogOffset);
      }),
      { numRuns: 300 },
    );
  });
});
