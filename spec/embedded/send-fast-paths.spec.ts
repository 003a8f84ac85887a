import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { BrokerProcessor, type BrokerVersion } from '../../src/embedded/broker-processor.js';
import { MessageStore } from '../../src/embedded/message-store.js';
import { javaStoredSendProperties, plainSendProperties } from '../../src/embedded/send-properties.js';
import { javaSpreadHash } from '../../src/message/properties.js';
import { decodeStoredMessage } from '../../src/message/stored-message.js';
import { createRequest, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { RequestCode } from '../../src/remoting/request-code.js';

/**
 * A model of Java `HashMap<String, String>` as the broker fills it (table of 16 doubling when the size passes 0.75
 * of it, new entries at a bucket's tail, a resize keeping each bucket's order, remove unlinking in place).
 */
class JavaHashMapModel {
  private table: [string, string][][] = Array.from({ length: 16 }, () => []);
  private size = 0;
  put(name: string, value: string): void {
    const bucket = this.table[javaSpreadHash(name) & (this.table.length - 1)]!;
    const entry = bucket.find(([existing]) => existing === name);
    if (entry !== undefined) {
      entry[1] = value;
      return;
    }
    bucket.push([name, value]);
    if (++this.size > this.table.length * 0.75) {
      const next: [string, string][][] = Array.from({ length: this.table.length * 2 }, () => []);
      for (const old of this.table) for (const e of old) next[javaSpreadHash(e[0]) & (next.length - 1)]!.push(e);
      this.table = next;
    }
  }
  has(name: string): boolean {
    return this.table.some((bucket) => bucket.some(([existing]) => existing === name));
  }
  remove(name: string): void {
    for (const bucket of this.table) {
      const at = bucket.findIndex(([existing]) => existing === name);
      if (at >= 0) {
        bucket.splice(at, 1);
        this.size--;
      }
    }
  }
  /** `MessageDecoder.messageProperties2String`. */
  toPropertiesString(): string {
    return this.table.flatMap((bucket) => bucket.map(([name, value]) => `${name}\x01${value}`)).join('\x02');
  }
}

/**
 * What Java stores for an ordinary send (4.9.8 SendMessageProcessor#asyncSendMessage, 5.3.3 #sendMessage):
 * string2messageProperties into a HashMap, UNIQ_KEY added when missing (5.x), CLUSTER put, WAIT removed for the
 * string (4.9), messageProperties2String.
 */
function mapPath(text: string, cluster: string, v5: boolean, createUniqueId: () => string): { stored: string; uniqueId: string | undefined } {
  const map = new JavaHashMapModel();
  let uniqueId: string | undefined;
  for (const segment of text.split('\x02')) {
    const separator = segment.indexOf('\x01');
    if (separator <= 0 || separator >= segment.length - 1) continue;
    const name = segment.slice(0, separator);
    map.put(name, segment.slice(separator + 1));
    if (name === 'UNIQ_KEY') uniqueId = segment.slice(separator + 1);
  }
  if (v5 && !map.has('UNIQ_KEY')) map.put('UNIQ_KEY', (uniqueId = createUniqueId()));
  map.put('CLUSTER', cluster);
  if (!v5) map.remove('WAIT');
  return { stored: map.toPropertiesString(), uniqueId };
}

const NAMES = ['WAIT', 'CLUSTER', 'UNIQ_KEY', 'KEYS', 'TAGS', 'PGROUP', 'a', 'é', '1', '42', '__proto__', 'DELAY', 'TRAN_MSG', 'TIMER_DELAY_MS', ''];
const VALUES = ['true', 'x', '', 'v\x01w', 'C0A8000230391B6D358647B760000000', 'ü€😀', '0'];
/** A properties string of any shape: repeated and odd names, empty names and values, stray separators. */
const anyProperties = fc
  .array(fc.tuple(fc.constantFrom(...NAMES), fc.constantFrom(...VALUES), fc.constantFrom('\x01', '', '\x01\x01')), { maxLength: 8 })
  .chain((entries) =>
    fc.tuple(fc.constant(entries), fc.constantFrom('', '\x02'), fc.constantFrom('\x02', '\x02\x02')).map(([list, end, separator]) =>
      list.map(([name, value, between]) => name + between + value).join(separator) + end,
    ),
  );
/** The strings producers send: well formed, every name once. */
const plainProperties = fc
  .uniqueArray(fc.constantFrom('WAIT', 'CLUSTER', 'UNIQ_KEY', 'KEYS', 'TAGS', 'PGROUP', 'INSTANCE_ID', 'userKey', 'é'), { maxLength: 6 })
  .chain((names) => fc.tuple(fc.constant(names), fc.array(fc.constantFrom('true', 'x', 'v\x01w', 'C0A8000230391B6D358647B760000000', 'ü€😀'), { minLength: names.length, maxLength: names.length }), fc.boolean()))
  .map(([names, values, trailing]) => names.map((name, i) => `${name}\x01${values[i]}`).join('\x02') + (trailing && names.length > 0 ? '\x02' : ''));

/** Up to 20 distinct names: past the 12 entries at which the map doubles, integer-like names among them. */
const manyEntries = fc
  .uniqueArray(fc.oneof(fc.constantFrom('WAIT', 'CLUSTER', 'UNIQ_KEY', 'TTL', 'PGROUP', '7', '42', '__proto__'), fc.stringMatching(/^[A-Za-z0-9_]{1,6}$/).filter((name) => name !== 'DELAY')), { minLength: 8, maxLength: 20 })
  .map((names) => names.map((name, i) => `${name}\x01v${i}`).join('\x02'));

describe('plainSendProperties: the stored properties string without the map', () => {
  for (const version of ['4.9', '5.x'] as const) {
    const v5 = version === '5.x';
    it(`${version}: whenever it answers, it answers what the map path stores (fast-check)`, () => {
      fc.assert(
        fc.property(fc.oneof(anyProperties, plainProperties, manyEntries), fc.constantFrom('DefaultCluster', '', 'c\x01'), (text, cluster) => {
          let counter = 0;
          const id = (): string => `GENERATED${counter++}`;
          const fast = plainSendProperties(text, cluster, v5, v5 ? id : null);
          if (fast === null) return;
          counter = 0;
          assert.deepEqual(fast, mapPath(text, cluster, v5, id));
        }),
        { numRuns: 2000 },
      );
    });

    it(`${version}: it answers for every well-formed string with each name once`, () => {
      fc.assert(
        fc.property(fc.oneof(plainProperties, manyEntries), (text) => {
          assert.notEqual(plainSendProperties(text, 'DefaultCluster', v5, v5 ? () => 'GENERATED' : null), null);
        }),
      );
    });
  }

  it('leaves transactions, delays, timers, repeated names and dropped segments to the map path', () => {
    for (const text of ['TRAN_MSG\x01true', 'DELAY\x013', 'TIMER_DELAY_MS\x011000', 'A\x011\x02A\x012', 'A\x011\x02\x02B\x012', 'A\x01', '\x01x']) {
      assert.equal(plainSendProperties(text, 'DefaultCluster', false, null), null, JSON.stringify(text));
    }
  });
});

describe('javaStoredSendProperties: the stored string of any ordinary send', () => {
  for (const version of ['4.9', '5.x'] as const) {
    const v5 = version === '5.x';
    it(`${version}: equals the Java HashMap model for any string (fast-check)`, () => {
      fc.assert(
        fc.property(fc.oneof(anyProperties, plainProperties, manyEntries), fc.constantFrom('DefaultCluster', '', 'c\x01'), (text, cluster) => {
          const expected = mapPath(text, cluster, v5, () => 'GENERATED');
          assert.equal(javaStoredSendProperties(text, cluster, v5, v5 ? 'GENERATED' : null), expected.stored);
        }),
        { numRuns: 2000 },
      );
    });
  }
});

function processor(version: BrokerVersion, recordByRecord: boolean): { processor: BrokerProcessor; store: MessageStore } {
  const store = new MessageStore('127.0.0.1:10911', 1000);
  const created = new BrokerProcessor({
    brokerName: 'broker-a',
    clusterName: 'DefaultCluster',
    address: '127.0.0.1:10911',
    version,
    autoCreateTopic: true,
    queuesPerTopic: 4,
    maxMessageSize: 4 * 1024 * 1024,
    regionId: 'DefaultRegion',
    traceOn: true,
    rejectTransactionMessage: false,
    store,
    // A listener makes the batch path go record by record (decoded records, properties as strings).
    ...(recordByRecord ? { onMessageStored: () => {} } : {}),
  });
  return { processor: created, store };
}

/** A batch body from raw properties bytes (any bytes, valid UTF-8 or not). */
function batchBody(records: { body: Uint8Array; properties: Uint8Array; flag: number }[]): Buffer {
  return Buffer.concat(
    records.map(({ body, properties, flag }) => {
      const record = Buffer.alloc(22 + body.length + properties.length);
      record.writeInt32BE(record.length, 0);
      record.writeInt32BE(flag, 12);
      record.writeInt32BE(body.length, 16);
      record.set(body, 20);
      record.writeInt16BE(properties.length, 20 + body.length);
      record.set(properties, 22 + body.length);
      return record;
    }),
  );
}

const utf8 = (text: string): Uint8Array => Buffer.from(text, 'utf8');
const recordProperties = fc.oneof(
  plainProperties.map(utf8),
  anyProperties.map(utf8),
  // Not valid UTF-8: stored as Java re-encodes it (replacement characters), on the record-by-record path.
  fc.uint8Array({ maxLength: 40 }),
  fc.constant(utf8('K\x01' + 'v'.repeat(32760))),
);

describe('SEND_BATCH_MESSAGE: records copied from the request body', () => {
  for (const version of ['4.9', '5.x'] as const) {
    it(`${version}: store exactly what the record-by-record path stores, and answer the same (fast-check)`, () => {
      fc.assert(
        fc.property(
          fc.array(fc.record({ body: fc.uint8Array({ maxLength: 64 }), properties: recordProperties, flag: fc.integer() }), { minLength: 1, maxLength: 6 }),
          fc.constantFrom('WAIT\x01true', '', 'WAIT\x01true\x02INSTANCE_ID\x01ns', 'UNIQ_KEY\x01B'),
          fc.integer({ min: 0, max: 3 }),
          (records, batchProperties, queueId) => {
            const body = batchBody(records);
            const answers: RemotingCommand[] = [];
            const stored: Buffer[][] = [];
            for (const recordByRecord of [false, true]) {
              const { processor: broker, store } = processor(version, recordByRecord);
              const request = createRequest(
                RequestCode.SEND_BATCH_MESSAGE,
                { a: 'G', b: 'TopicTest', c: 'TBW102', d: '4', e: String(queueId), f: '0', g: '1700000000000', h: '0', i: batchProperties, j: '0', k: 'false', m: 'true' },
                { body, opaque: 5 },
              );
              answers.push(broker.process(request, { remoteAddress: '127.0.0.1:5000' }) as RemotingCommand);
              stored.push(store.messages().map((message) => store.recordAt(message.commitLogOffset)!));
            }
            assert.deepEqual(answers[0], answers[1]);
            assert.equal(stored[0]!.length, stored[1]!.length);
            stored[0]!.forEach((record, i) => {
              const other = stored[1]![i]!;
              // Every byte alike but the store timestamps (taken once per batch vs once per record).
              const { storeTimestamp: _a, body: bodyA, ...fieldsA } = decodeStoredMessage(record);
              const { storeTimestamp: _b, body: bodyB, ...fieldsB } = decodeStoredMessage(other);
              assert.deepEqual(fieldsA, fieldsB);
              assert.deepEqual(bodyA, bodyB);
              assert.equal(record.length, other.length);
            });
          },
        ),
        { numRuns: 300 },
      );
    });
  }
});
