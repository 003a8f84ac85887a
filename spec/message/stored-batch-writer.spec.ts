import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { parseSocketAddress } from '../../src/message/inet-address.js';
import {
  decodeStoredMessage,
  recordHostOf,
  recordTopicOf,
  storedRecordSize,
  StoredBatchWriter,
  writeStoredRecordBytes,
  type RecordValues,
} from '../../src/message/stored-message.js';

/** One record of a batch: what differs from record to record. */
interface BatchRecord {
  flag: number;
  body: Uint8Array;
  own: Uint8Array;
  separator: boolean;
}

interface Batch {
  topic: string;
  version: 1 | 2 | undefined;
  bornHost: string;
  storeHost: string;
  sysFlagBits: number;
  queueId: number;
  bornTimestamp: number;
  storeTimestamp: number;
  reconsumeTimes: number;
  preparedTransactionOffset: bigint | number;
  firstQueueOffset: number;
  firstCommitLogOffset: number;
  suffix: Uint8Array;
  records: BatchRecord[];
  /** Where the records start in the output, and the gaps between the spans of the source. */
  outAt: number;
  gap: number;
}

const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(65535)).map(([a, b, c, d, p]) => `${a}.${b}.${c}.${d}:${p}`);
const v6 = fc
  .tuple(fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 }), fc.nat(65535))
  .map(([words, p]) => `[${words.map((w) => w.toString(16)).join(':')}]:${p}`);
const host = fc.oneof(v4, v6);
const int32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
/** 64-bit fields the broker writes from numbers: safe integers, negative ones and ones above 2^32 included. */
const int64Number = fc.oneof(fc.integer({ min: -(2 ** 40), max: 2 ** 40 }), fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }));
/** Lengths around the 4-byte words and the 64-byte loop bound of the writers, and some far beyond. */
const bytes = (max: number) => fc.oneof(fc.uint8Array({ maxLength: 9 }), fc.uint8Array({ maxLength: 70 }), fc.uint8Array({ maxLength: max }));
const topicName = fc.oneof(
  fc.string({ minLength: 1, maxLength: 20 }),
  fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 }),
  fc.string({ minLength: 128, maxLength: 200 }),
);

const batch: fc.Arbitrary<Batch> = fc.record({
  topic: topicName,
  version: fc.constantFrom<1 | 2 | undefined>(undefined, undefined, 2),
  bornHost: host,
  storeHost: host,
  sysFlagBits: int32,
  queueId: int32,
  bornTimestamp: int64Number,
  storeTimestamp: int64Number,
  reconsumeTimes: int32,
  preparedTransactionOffset: fc.oneof(int64Number, fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })),
  firstQueueOffset: fc.integer({ min: 0, max: 2 ** 40 }),
  firstCommitLogOffset: fc.integer({ min: 0, max: 2 ** 52 }),
  suffix: bytes(120),
  records: fc.array(
    fc.record({ flag: int32, body: fc.oneof(bytes(300), fc.uint8Array({ minLength: 1000, maxLength: 1100 })), own: bytes(150), separator: fc.boolean() }),
    { minLength: 1, maxLength: 8 },
  ),
  outAt: fc.nat(13),
  gap: fc.nat(7),
});

/** The batch's bodies and own properties laid out in one source buffer, at unaligned places. */
function layout(b: Batch): { source: Buffer; spans: { body: number; own: number }[] } {
  const parts: Buffer[] = [Buffer.alloc(b.gap, 0xee)];
  let at = b.gap;
  const spans = b.records.map((r) => {
    const body = at;
    parts.push(Buffer.from(r.body), Buffer.alloc(b.gap + 1, 0xee));
    at += r.body.length + b.gap + 1;
    const own = at;
    parts.push(Buffer.from(r.own), Buffer.alloc(b.gap, 0xee));
    at += r.own.length + b.gap;
    return { body, own };
  });
  return { source: Buffer.concat(parts), spans };
}

function sharedOf(b: Batch) {
  const born = recordHostOf(parseSocketAddress(b.bornHost));
  const store = recordHostOf(parseSocketAddress(b.storeHost));
  const topic = recordTopicOf(b.topic, b.version);
  const sysFlag = (b.sysFlagBits & ~0x30) | (born.v6 ? 0x10 : 0) | (store.v6 ? 0x20 : 0);
  return { born, store, topic, sysFlag };
}

function sizeOf(b: Batch): number {
  const { born, store, topic } = sharedOf(b);
  let total = 0;
  for (const r of b.records) total += storedRecordSize(born, store, r.body.length, topic, r.own.length + (r.separator ? 1 : 0) + b.suffix.length);
  return total;
}

/** The batch record by record through writeStoredRecordBytes (the path the batch writer must match byte for byte). */
function writeOneByOne(out: Buffer, pos: number, b: Batch): number {
  const { source, spans } = layout(b);
  const { born, store, topic, sysFlag } = sharedOf(b);
  b.records.forEach((r, i) => {
    const values: RecordValues = {
      queueId: b.queueId,
      flag: r.flag,
      queueOffset: b.firstQueueOffset + i,
      commitLogOffset: b.firstCommitLogOffset + (pos - b.outAt),
      sysFlag,
      bornTimestamp: b.bornTimestamp,
      storeTimestamp: b.storeTimestamp,
      reconsumeTimes: b.reconsumeTimes,
      preparedTransactionOffset: b.preparedTransactionOffset,
    };
    const body = source.subarray(spans[i]!.body, spans[i]!.body + r.body.length);
    pos = writeStoredRecordBytes(out, pos, values, born, store, body, topic, source, spans[i]!.own, spans[i]!.own + r.own.length, r.separator, b.suffix);
  });
  return pos;
}

function writeBatched(writer: StoredBatchWriter, out: Buffer, pos: number, b: Batch): number {
  const { source, spans } = layout(b);
  const { born, store, topic, sysFlag } = sharedOf(b);
  const shared = {
    queueId: b.queueId,
    sysFlag,
    bornTimestamp: b.bornTimestamp,
    storeTimestamp: b.storeTimestamp,
    reconsumeTimes: b.reconsumeTimes,
    preparedTransactionOffset: b.preparedTransactionOffset,
  };
  writer.begin(out, source, shared, born, store, topic, b.suffix);
  b.records.forEach((r, i) => {
    const { body, own } = spans[i]!;
    pos = writer.write(pos, r.flag, b.firstQueueOffset + i, b.firstCommitLogOffset + (pos - b.outAt), body, r.body.length, own, own + r.own.length, r.separator);
  });
  writer.end();
  return pos;
}

describe('StoredBatchWriter: the records of a batch, byte for byte as written one by one', () => {
  it('matches writeStoredRecordBytes for varied batches (topics V1/V2, hosts v4/v6, bodies and properties of every length)', () => {
    fc.assert(
      fc.property(batch, (b) => {
        const size = sizeOf(b);
        // Different garbage under each: a byte either path leaves unwritten shows as a difference.
        const expected = Buffer.alloc(b.outAt + size + 5, 0x55);
        const actual = Buffer.alloc(b.outAt + size + 5, 0xaa);
        assert.equal(writeOneByOne(expected, b.outAt, b), b.outAt + size);
        assert.equal(writeBatched(new StoredBatchWriter(), actual, b.outAt, b), b.outAt + size);
        assert.deepEqual(actual.subarray(b.outAt, b.outAt + size), expected.subarray(b.outAt, b.outAt + size));
        assert.equal(actual[b.outAt + size], 0xaa, 'nothing written past the last record');
        // And they are records: every one decodes, in order, to its own fields.
        let at = b.outAt;
        b.records.forEach((r, i) => {
          const m = decodeStoredMessage(actual, at);
          assert.equal(m.flag, r.flag);
          assert.equal(m.queueOffset, BigInt(b.firstQueueOffset + i));
          assert.equal(m.commitLogOffset, BigInt(b.firstCommitLogOffset + (at - b.outAt)));
          assert.deepEqual(new Uint8Array(m.body), r.body);
          assert.equal(m.topic, b.topic);
          at += m.totalSize;
        });
      }),
      { numRuns: 400 },
    );
  });

  it('one writer, batch after batch into one buffer: nothing of a batch leaks into the next', () => {
    fc.assert(
      fc.property(fc.array(batch, { minLength: 2, maxLength: 4 }), (batches) => {
        const total = batches.reduce((sum, b) => sum + b.outAt + sizeOf(b), 0);
        const expected = Buffer.alloc(total, 0x55);
        const actual = Buffer.alloc(total, 0xaa);
        const writer = new StoredBatchWriter();
        let pos = 0;
        for (const b of batches) {
          const at = pos + b.outAt;
          const shifted = { ...b, outAt: at };
          const end = at + sizeOf(b);
          assert.equal(writeOneByOne(expected, at, shifted), end);
          pos = writeBatched(writer, actual, at, shifted);
          assert.equal(pos, end);
          assert.deepEqual(actual.subarray(at, end), expected.subarray(at, end));
        }
        assert.equal(pos, total);
      }),
      { numRuns: 150 },
    );
  });

  it('writes 64 records of 1 KiB with the same properties as the one-by-one path (the bench batch)', () => {
    const body = new Uint8Array(1024).map((_, i) => (i * 31) & 0xff);
    const own = Buffer.from('UNIQ_KEY\u0001AC110001000018B4AAC26E1B4F000000\u0002WAIT\u0001true');
    const b: Batch = {
      topic: 'BenchTopic',
      version: undefined,
      bornHost: '127.0.0.1:53210',
      storeHost: '127.0.0.1:10911',
      sysFlagBits: 0,
      queueId: 3,
      bornTimestamp: 1_764_000_000_000,
      storeTimestamp: 1_764_000_000_007,
      reconsumeTimes: 0,
      preparedTransactionOffset: 0,
      firstQueueOffset: 12_345,
      firstCommitLogOffset: 2 ** 33 + 5,
      suffix: Buffer.from('WAIT\u0001true\u0002CLUSTER\u0001DefaultCluster'),
      records: Array.from({ length: 64 }, (_, i) => ({ flag: i, body, own, separator: true })),
      outAt: 8,
      gap: 0,
    };
    const size = sizeOf(b);
    const expected = Buffer.alloc(8 + size, 0x55);
    const actual = Buffer.alloc(8 + size, 0xaa);
    writeOneByOne(expected, 8, b);
    writeBatched(new StoredBatchWriter(), actual, 8, b);
    assert.deepEqual(actual.subarray(8), expected.subarray(8));
  });
});
