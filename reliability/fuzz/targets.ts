/**
 * The fuzz targets: every decoder that reads bytes from the network or from users, each as a fast-check property.
 * `npm run fuzz` runs them long (`reliability/fuzz/run.ts`), `spec/reliability/fuzz.spec.ts` runs them short inside
 * `npm test`; both use this one list.
 *
 * Every target feeds three kinds of input: valid encodings (which must round-trip), valid encodings with mutations
 * (bytes flipped, length fields replaced by hostile values, truncation, junk appended) and plain random bytes or
 * text. Properties checked on each input:
 *
 * - nothing throws except a `RocketMQError` whose `code` is one the target documents;
 * - nothing allocates more than {@link allocationBudget} of its input (measured: V8 heap used plus external
 *   memory, i.e. Buffers, before and after the call);
 * - a valid input decodes to what was encoded.
 */
import assert from 'node:assert/strict';
import { getHeapStatistics } from 'node:v8';
import fc from 'fast-check';
import { RocketMQError } from '../../src/errors.js';
import { encodeBatchBody, decodeBatchBody } from '../../src/message/batch.js';
import { decodeBody, encodeBody, MSGPACK_CONTENT_TYPE, CONTENT_TYPE_PROPERTY } from '../../src/message/body-codec.js';
import { decodeProperties, encodeProperties } from '../../src/message/properties.js';
import { decodeStoredMessage, decodeStoredMessages, encodeStoredMessage, type StoredMessageFields } from '../../src/message/stored-message.js';
import { sendResultOf } from '../../src/producer/operators/to-send-result.js';
import { decodeFrame, encodeFrame } from '../../src/remoting/frame-codec.js';
import { FrameDecoder } from '../../src/remoting/frame-decoder.js';
import { decodeBinaryHeader, decodeJsonHeader } from '../../src/remoting/header-codec.js';
import { LanguageCode, RPC_TYPE_RESPONSE, SerializeType, type RemotingCommand, type SerializeTypeValue } from '../../src/remoting/remoting-command.js';
import { topicRouteToPublishInfo } from '../../src/route/topic-publish-info.js';
import { MAX_ROUTE_QUEUES, parseTopicRouteData, serializeTopicRouteData, type TopicRouteData } from '../../src/route/topic-route.js';

/** One fuzz target. */
export interface FuzzTarget {
  /** Short stable name (`--only` takes it). */
  readonly name: string;
  /** What it decodes. */
  readonly decoder: string;
  /** The `code`s its errors may have. */
  readonly codes: readonly string[];
  /** A fresh property over the target's inputs. */
  property(): fc.IRawProperty<unknown[], false>;
}

/**
 * Allowed allocation of one decode: 64 × the input (JSON objects are larger than their text) plus 8 MiB (a publish
 * info of the most queues a route may declare, `MAX_ROUTE_QUEUES`, takes about 5 MiB).
 */
export function allocationBudget(inputBytes: number): number {
  return 64 * inputBytes + 8 * 1024 * 1024;
}

function allocated(): number {
  const stats = getHeapStatistics();
  return stats.used_heap_size + stats.external_memory;
}

/**
 * Runs one decode: returns its value, or the typed error it threw. Anything else thrown, a code outside `codes`,
 * or an allocation over budget fails the property.
 */
export function decodeChecked<T>(target: Pick<FuzzTarget, 'name' | 'codes'>, inputBytes: number, decode: () => T): { ok: true; value: T } | { ok: false; error: RocketMQError } {
  const before = allocated();
  let outcome: { ok: true; value: T } | { ok: false; error: RocketMQError };
  try {
    outcome = { ok: true, value: decode() };
  } catch (error) {
    if (!(error instanceof RocketMQError)) {
      throw new assert.AssertionError({ message: `${target.name} threw a ${(error as Error)?.name ?? typeof error} (not a RocketMQError): ${String((error as Error)?.message ?? error)}` });
    }
    assert.ok(target.codes.includes(error.code), `${target.name} threw code ${error.code}, not one of ${target.codes.join(', ')}`);
    outcome = { ok: false, error };
  }
  const grew = allocated() - before;
  assert.ok(grew <= allocationBudget(inputBytes), `${target.name} allocated ${grew} bytes for an input of ${inputBytes}`);
  return outcome;
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations of valid encodings

/** Values that length fields get replaced with: boundaries, negatives, and far more than any input holds. */
const HOSTILE_INTS = [0, 1, -1, 3, 4, 21, 0x7f, 0x80, 0xff, 0x7fff, 0x8000, 0xffff, 0xffffff, 0x1000000, 0x7ffffff0, 0x7fffffff, -0x80000000, 16 * 1024 * 1024 - 4];

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'int32'; at: number; value: number }
  | { kind: 'int16'; at: number; value: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'append'; bytes: Uint8Array }
  | { kind: 'delete'; at: number; length: number };

const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('int32' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(...HOSTILE_INTS), fc.integer()) }),
  fc.record({ kind: fc.constant('int16' as const), at: fc.nat(), value: fc.oneof(fc.constantFrom(0, 1, -1, 0x7fff, -0x8000, 0x7f, 0x80), fc.integer({ min: -0x8000, max: 0x7fff })) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }),
);

function mutate(input: Buffer, mutations: readonly Mutation[]): Buffer {
  let bytes = Buffer.from(input);
  for (const m of mutations) {
    if (bytes.length === 0 && m.kind !== 'append') continue;
    switch (m.kind) {
      case 'flip':
        bytes[m.at % bytes.length]! ^= m.xor;
        break;
      case 'int32':
        if (bytes.length >= 4) bytes.writeInt32BE(m.value | 0, m.at % (bytes.length - 3));
        break;
      case 'int16':
        if (bytes.length >= 2) bytes.writeInt16BE(m.value, m.at % (bytes.length - 1));
        break;
      case 'truncate':
        bytes = bytes.subarray(0, m.at % bytes.length);
        break;
      case 'append':
        bytes = Buffer.concat([bytes, m.bytes]);
        break;
      case 'delete': {
        const at = m.at % bytes.length;
        bytes = Buffer.concat([bytes.subarray(0, at), bytes.subarray(at + m.length)]);
        break;
      }
    }
  }
  return bytes;
}

/** Valid inputs tagged `valid`, mutated ones and random bytes tagged `hostile`. */
type Tagged<V> = { kind: 'valid'; value: V; bytes: Buffer } | { kind: 'hostile'; bytes: Buffer };

function bytesInputs<V>(valid: fc.Arbitrary<V>, encode: (value: V) => Buffer, random: fc.Arbitrary<Buffer> = randomBytes(256)): fc.Arbitrary<Tagged<V>> {
  return fc.oneof(
    { weight: 2, arbitrary: valid.map((value) => ({ kind: 'valid' as const, value, bytes: encode(value) })) },
    {
      weight: 5,
      arbitrary: fc
        .tuple(valid, fc.array(mutationArb, { minLength: 1, maxLength: 4 }))
        .map(([value, mutations]) => ({ kind: 'hostile' as const, bytes: mutate(encode(value), mutations) })),
    },
    { weight: 1, arbitrary: random.map((bytes) => ({ kind: 'hostile' as const, bytes })) },
  );
}

function randomBytes(maxLength: number): fc.Arbitrary<Buffer> {
  return fc.uint8Array({ maxLength }).map((bytes) => Buffer.from(bytes));
}

// ---------------------------------------------------------------------------------------------------------------
// Arbitraries of valid values

/** Strings as header fields carry them: ASCII, any Unicode, control characters, the property separators. */
const text = (maxLength: number, minLength = 0): fc.Arbitrary<string> =>
  fc.oneof(
    fc.string({ minLength, maxLength }),
    fc.string({ unit: 'grapheme', minLength, maxLength }),
    fc.string({ unit: fc.integer({ min: 0, max: 0x9f }).map((c) => String.fromCharCode(c)), minLength, maxLength }),
    fc.constantFrom('__proto__', 'constructor', 'toString', 'Grüße', '日本語', '😀', 'a\u0001b\u0002c').filter((s) => s.length >= minLength),
  );

const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });

function commandArb(serializeType: SerializeTypeValue): fc.Arbitrary<RemotingCommand> {
  return fc.record({
    code: fc.integer({ min: -32768, max: 32767 }),
    language: fc.constantFrom(...Object.keys(LanguageCode)),
    version: fc.integer({ min: 0, max: 32767 }),
    opaque: int32,
    flag: serializeType === SerializeType.ROCKETMQ ? int32 : fc.integer({ min: 0, max: 3 }),
    remark: fc.option(text(24, 1), { nil: null }),
    extFields: fc.option(fc.dictionary(text(12, 1), text(24, 1), { maxKeys: 6, noNullPrototype: true }), { nil: null }),
    serializeType: fc.constant(serializeType),
    body: fc.option(fc.uint8Array({ minLength: 1, maxLength: 96 }).map((b) => Buffer.from(b)), { nil: null }),
  });
}

const anyCommandArb = fc.oneof(commandArb(SerializeType.JSON), commandArb(SerializeType.ROCKETMQ));

function comparable(command: RemotingCommand): object {
  // The ROCKETMQ header has no way to tell an empty extFields map from none (Java decodes both as absent).
  const noExt = command.extFields === null || (command.serializeType === SerializeType.ROCKETMQ && Object.keys(command.extFields).length === 0);
  return {
    ...command,
    extFields: noExt ? null : plain(command.extFields),
    body: command.body === null ? null : Buffer.from(command.body).toString('hex'),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The targets

const PROTOCOL = ['RMQ_ERR_REMOTING_PROTOCOL'] as const;

/** Splits `bytes` at the given cut points (taken modulo its length). */
function split(bytes: Buffer, cuts: readonly number[]): Buffer[] {
  const points = [...new Set(cuts.map((c) => (bytes.length === 0 ? 0 : c % (bytes.length + 1))))].sort((a, b) => a - b);
  const chunks: Buffer[] = [];
  let from = 0;
  for (const point of points) {
    chunks.push(bytes.subarray(from, point));
    from = point;
  }
  chunks.push(bytes.subarray(from));
  return chunks;
}

const frameDecoder: FuzzTarget = {
  name: 'frame-decoder',
  decoder: 'FrameDecoder.push (a stream of frames in random splits)',
  codes: PROTOCOL,
  property() {
    const streams = fc.oneof(
      // Valid frames: every command comes out, equal to what went in, however the stream is split.
      fc.array(anyCommandArb, { minLength: 1, maxLength: 5 }).map((commands) => ({
        valid: commands as RemotingCommand[] | null,
        bytes: Buffer.concat(commands.map((c) => encodeFrame(c))),
      })),
      // Valid frames mutated, or random bytes: protocol errors only.
      fc.tuple(fc.array(anyCommandArb, { minLength: 1, maxLength: 3 }), fc.array(mutationArb, { minLength: 1, maxLength: 4 })).map(([commands, mutations]) => ({
        valid: null as RemotingCommand[] | null,
        bytes: mutate(Buffer.concat(commands.map((c) => encodeFrame(c))), mutations),
      })),
      randomBytes(128).map((bytes) => ({ valid: null as RemotingCommand[] | null, bytes })),
    );
    return fc.property(fc.tuple(streams, fc.array(fc.nat(), { maxLength: 12 })), ([stream, cuts]) => {
      const decoder = new FrameDecoder();
      const out: RemotingCommand[] = [];
      const chunks = split(stream.bytes, cuts);
      const result = decodeChecked(frameDecoder, stream.bytes.length, () => {
        for (const chunk of chunks) decoder.push(chunk, (command) => out.push(command));
      });
      assert.ok(decoder.bufferedBytes <= stream.bytes.length, 'the decoder buffers no more than it was given');
      if (!result.ok) {
        // A failed decoder stays failed, with the same error.
        assert.throws(() => decoder.push(Buffer.from([0, 0, 0, 4, 0, 0, 0, 0]), () => undefined), (e) => e === result.error);
      }
      if (stream.valid !== null) {
        assert.ok(result.ok, 'valid frames decode');
        assert.equal(decoder.bufferedBytes, 0);
        assert.deepEqual(out.map(comparable), stream.valid.map(comparable));
      }
      // Each whole frame also decodes on its own, as decodeFrame does.
      for (const command of out) decodeChecked(frameDecoder, stream.bytes.length, () => decodeFrame(encodeFrame(command)));
    });
  },
};

function headerTarget(name: string, serializeType: SerializeTypeValue): FuzzTarget {
  const decode = serializeType === SerializeType.JSON ? decodeJsonHeader : decodeBinaryHeader;
  // The header of a frame is what follows the length prefix and the header-info word.
  const headerBytes = (command: RemotingCommand): Buffer => {
    const frame = encodeFrame({ ...command, body: null });
    return frame.subarray(8);
  };
  const target: FuzzTarget = {
    name,
    decoder: serializeType === SerializeType.JSON ? 'decodeJsonHeader (fastjson-compatible JSON header)' : 'decodeBinaryHeader (ROCKETMQ binary header)',
    codes: PROTOCOL,
    property() {
      const jsonish =
        serializeType === SerializeType.JSON
          ? // JSON of any shape, and header-like objects whose fields have the wrong types.
            fc.oneof(
              fc.json({ maxDepth: 3 }).map((t) => Buffer.from(t)),
              fc
                .record(
                  {
                    code: fc.jsonValue({ maxDepth: 1 }),
                    opaque: fc.jsonValue({ maxDepth: 1 }),
                    flag: fc.jsonValue({ maxDepth: 1 }),
                    version: fc.jsonValue({ maxDepth: 1 }),
                    language: fc.jsonValue({ maxDepth: 1 }),
                    remark: fc.jsonValue({ maxDepth: 1 }),
                    extFields: fc.jsonValue({ maxDepth: 2 }),
                  },
                  { requiredKeys: [] },
                )
                .map((o) => Buffer.from(JSON.stringify(o))),
            )
          : randomBytes(96);
      return fc.property(bytesInputs(commandArb(serializeType), headerBytes, jsonish), (input) => {
        const result = decodeChecked(target, input.bytes.length, () => decode(input.bytes, 0, input.bytes.length, null));
        if (input.kind === 'valid') {
          assert.ok(result.ok, 'a valid header decodes');
          assert.deepEqual(comparable(result.value), comparable({ ...input.value, body: null }));
        }
        if (result.ok) {
          const c = result.value;
          assert.ok(Number.isInteger(c.code) && Number.isInteger(c.opaque) && Number.isInteger(c.flag) && Number.isInteger(c.version));
          assert.ok(c.remark === null || typeof c.remark === 'string');
          if (c.extFields !== null) for (const value of Object.values(c.extFields)) assert.equal(typeof value, 'string');
          assert.equal(Object.getPrototypeOf(c.extFields ?? {}), Object.prototype);
        }
      });
    },
  };
  return target;
}

const brokerName = fc.oneof(fc.constantFrom('broker-a', 'broker-b', '__proto__', 'b:c;d'), text(10, 1));
const address = fc.oneof(
  fc.constantFrom('127.0.0.1:10911', '[::1]:10911'),
  fc.tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 })).map(([ip, port]) => `${ip}:${port}`),
  text(20),
);

/** Queue counts: mostly real ones, sometimes what only a hostile NameServer would send. */
const queueCount = fc.oneof(
  { weight: 40, arbitrary: fc.integer({ min: 0, max: 64 }) },
  { weight: 4, arbitrary: fc.constantFrom(-1, 65537, 2 ** 31 - 1, 2 ** 53 - 1) },
  // The limit itself: allowed, and the most expensive valid input (65 536 queues), so rarer.
  { weight: 1, arbitrary: fc.constant(MAX_ROUTE_QUEUES) },
);

const routeArb: fc.Arbitrary<TopicRouteData> = fc
  .record(
    {
      queueDatas: fc.array(
        fc.record({
          brokerName,
          readQueueNums: queueCount,
          writeQueueNums: queueCount,
          perm: fc.integer({ min: 0, max: 7 }),
          topicSysFlag: fc.integer({ min: 0, max: 3 }),
        }),
        { maxLength: 4 },
      ),
      brokerDatas: fc.array(
        fc.record(
          {
            cluster: text(10),
            brokerName,
            brokerAddrs: fc.dictionary(fc.integer({ min: -1, max: 5 }).map(String), address, { maxKeys: 3, noNullPrototype: true }),
            enableActingMaster: fc.boolean(),
            zoneName: text(8),
          },
          { requiredKeys: ['cluster', 'brokerName', 'brokerAddrs'] },
        ),
        { maxLength: 4 },
      ),
      filterServerTable: fc.dictionary(fc.oneof(address, fc.constant('__proto__')), fc.array(address, { maxLength: 2 }), { maxKeys: 2, noNullPrototype: true }),
      orderTopicConf: fc.array(fc.tuple(fc.constantFrom('broker-a', 'broker-b'), fc.oneof({ weight: 20, arbitrary: fc.integer({ min: 0, max: 16 }) }, { weight: 1, arbitrary: fc.constantFrom(65537, 99999999999) })), { maxLength: 3 }).map((items) => items.map(([b, n]) => `${b}:${n}`).join(';')),
    },
    { requiredKeys: ['queueDatas', 'brokerDatas', 'filterServerTable'] },
  )
  .map((route) => route as TopicRouteData);

const routeParser: FuzzTarget = {
  name: 'route-json',
  decoder: 'parseTopicRouteData + topicRouteToPublishInfo (quoted and fastjson-legacy integer keys)',
  codes: ['RMQ_ERR_ROUTE_PARSE'],
  property() {
    const legacyOrNot = fc.boolean();
    const inputs = fc.tuple(legacyOrNot, legacyOrNot).chain(([legacy, hostileText]) => {
      const encode = (route: TopicRouteData): Buffer => Buffer.from(serializeTopicRouteData(route, { legacy }));
      const json = hostileText
        ? fc.oneof(fc.json({ maxDepth: 4 }), fc.constantFrom('{"queueDatas":[],"brokerDatas":[]}', '{0:"a"}', '{"brokerDatas":[{"brokerAddrs":{01:"x"}}]}', '[', '{"a":1e999}')).map((t) => Buffer.from(t))
        : randomBytes(128);
      return bytesInputs(routeArb, encode, json);
    });
    return fc.property(inputs, (input) => {
      const result = decodeChecked(routeParser, input.bytes.length, () => {
        const route = parseTopicRouteData(input.bytes);
        return { route, info: topicRouteToPublishInfo('FuzzTopic', route) };
      });
      if (input.kind === 'valid' && withinQueueLimit(input.value)) {
        assert.ok(result.ok, `a valid route parses: ${result.ok ? '' : result.error.message}`);
        const expected = { ...input.value, orderTopicConf: input.value.orderTopicConf } as TopicRouteData;
        if (expected.orderTopicConf === undefined) delete expected.orderTopicConf;
        assert.deepEqual(plain(result.value.route), plain(expected));
      }
    });
  },
};

/** Whether a route's queue counts are within {@link MAX_ROUTE_QUEUES} (else it must fail with RMQ_ERR_ROUTE_PARSE). */
function withinQueueLimit(route: TopicRouteData): boolean {
  const write = route.queueDatas.reduce((sum, q) => sum + Math.max(0, q.writeQueueNums), 0);
  const order = (route.orderTopicConf ?? '').split(';').reduce((sum, item) => sum + Number(item.split(':')[1] ?? 0), 0);
  return write <= MAX_ROUTE_QUEUES && order <= MAX_ROUTE_QUEUES && route.queueDatas.every((q) => q.readQueueNums <= MAX_ROUTE_QUEUES);
}

/** A JSON round trip, so that prototypes and property order do not matter (and a `__proto__` key does). */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, v: unknown) => (v !== null && typeof v === 'object' && !Array.isArray(v) ? sortKeys(v as Record<string, unknown>) : v)));
}

function sortKeys(o: Record<string, unknown>): Record<string, unknown> {
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(o).sort()) Object.defineProperty(sorted, key, { value: o[key], enumerable: true, writable: true, configurable: true });
  return sorted;
}

const propertyName = text(12, 1).filter((s) => !s.includes('\u0001') && !s.includes('\u0002'));
const propertyValue = text(24, 1).filter((s) => !s.includes('\u0001') && !s.includes('\u0002'));

const propertiesDecoder: FuzzTarget = {
  name: 'properties',
  decoder: 'decodeProperties (the NAME\\u0001VALUE\\u0002… properties string)',
  codes: [],
  property() {
    const inputs = fc.oneof(
      fc.dictionary(propertyName, propertyValue, { maxKeys: 8, noNullPrototype: true }).map((map) => ({ map: map as Record<string, string> | null, text: encodeProperties(map) })),
      fc.string({ unit: fc.constantFrom('a', 'b', '\u0001', '\u0002', '_', 'é'), maxLength: 40 }).map((t) => ({ map: null as Record<string, string> | null, text: t })),
      text(80).map((t) => ({ map: null as Record<string, string> | null, text: t })),
    );
    return fc.property(inputs, (input) => {
      const result = decodeChecked(propertiesDecoder, input.text.length * 2, () => decodeProperties(input.text));
      assert.ok(result.ok);
      for (const [key, value] of Object.entries(result.value)) {
        assert.ok(key.length > 0 && value.length > 0, 'no empty name or value');
      }
      if (input.map !== null) assert.deepEqual(plain(result.value), plain(input.map));
    });
  },
};

const batchRecordArb = fc.record({
  body: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
  flag: int32,
  properties: text(40),
});

const batchDecoder: FuzzTarget = {
  name: 'batch',
  decoder: 'decodeBatchBody (SEND_BATCH_MESSAGE body)',
  codes: ['RMQ_ERR_MALFORMED_BATCH'],
  property() {
    const encode = (records: { body: Buffer; flag: number; properties: string }[]): Buffer => encodeBatchBody(records);
    return fc.property(bytesInputs(fc.array(batchRecordArb, { minLength: 1, maxLength: 4 }), encode), (input) => {
      const result = decodeChecked(batchDecoder, input.bytes.length, () => decodeBatchBody(input.bytes));
      if (input.kind === 'valid') {
        assert.ok(result.ok, 'a valid batch decodes');
        assert.deepEqual(
          result.value.map((r) => ({ body: r.body.toString('hex'), flag: r.flag, properties: r.properties })),
          input.value.map((r) => ({ body: r.body.toString('hex'), flag: r.flag, properties: Buffer.from(r.properties, 'utf8').toString('utf8') })),
        );
      }
    });
  },
};

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const hostV4 = fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 65535 })).map(([ip, port]) => `${ip}:${port}`);
const hostV6 = fc.tuple(fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 }), fc.integer({ min: 0, max: 65535 })).map(([groups, port]) => `[${groups.map((g) => g.toString(16)).join(':')}]:${port}`);

const storedMessageArb: fc.Arbitrary<StoredMessageFields> = fc
  .record({
    v6Born: fc.boolean(),
    v6Store: fc.boolean(),
    otherFlags: fc.integer({ min: 0, max: 0xffff }).map((f) => f & ~0x30),
    queueId: int32,
    flag: int32,
    queueOffset: int64,
    commitLogOffset: int64,
    bornTimestamp: fc.integer({ min: 0, max: 2 ** 52 }),
    storeTimestamp: fc.integer({ min: 0, max: 2 ** 52 }),
    reconsumeTimes: int32,
    preparedTransactionOffset: int64,
    body: fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
    topic: text(20).filter((t) => Buffer.byteLength(t) <= 127),
    properties: text(40),
    v4BornHost: hostV4,
    v6BornHost: hostV6,
    v4StoreHost: hostV4,
    v6StoreHost: hostV6,
  })
  .map((r) => ({
    queueId: r.queueId,
    flag: r.flag,
    queueOffset: r.queueOffset,
    commitLogOffset: r.commitLogOffset,
    sysFlag: r.otherFlags | (r.v6Born ? 0x10 : 0) | (r.v6Store ? 0x20 : 0),
    bornTimestamp: r.bornTimestamp,
    bornHost: r.v6Born ? r.v6BornHost : r.v4BornHost,
    storeTimestamp: r.storeTimestamp,
    storeHost: r.v6Store ? r.v6StoreHost : r.v4StoreHost,
    reconsumeTimes: r.reconsumeTimes,
    preparedTransactionOffset: r.preparedTransactionOffset,
    body: r.body,
    topic: r.topic,
    properties: r.properties,
  }));

const storedMessageDecoder: FuzzTarget = {
  name: 'stored-message',
  decoder: 'decodeStoredMessage / decodeStoredMessages (commit-log records, e.g. CHECK_TRANSACTION_STATE bodies)',
  codes: ['RMQ_ERR_MALFORMED_MESSAGE'],
  property() {
    const encode = (messages: StoredMessageFields[]): Buffer => Buffer.concat(messages.map(encodeStoredMessage));
    return fc.property(bytesInputs(fc.array(storedMessageArb, { minLength: 1, maxLength: 2 }), encode), fc.nat({ max: 8 }), (input, offset) => {
      const all = decodeChecked(storedMessageDecoder, input.bytes.length, () => decodeStoredMessages(input.bytes));
      decodeChecked(storedMessageDecoder, input.bytes.length, () => decodeStoredMessage(input.bytes, offset));
      if (input.kind === 'valid') {
        assert.ok(all.ok, `valid records decode: ${all.ok ? '' : all.error.message}`);
        assert.equal(all.value.length, input.value.length);
        all.value.forEach((decoded, i) => {
          const expected = input.value[i]!;
          const reencoded = encodeStoredMessage(decoded);
          assert.ok(reencoded.equals(encodeStoredMessage(expected)), 'a decoded record encodes to the same bytes');
          assert.equal(decoded.topic, Buffer.from(expected.topic).toString('utf8'));
          assert.equal(decoded.queueOffset, expected.queueOffset);
        });
      }
    });
  },
};

const msgpackValue = fc.jsonValue({ maxDepth: 3 }).filter((v) => v !== null && typeof v === 'object');

function renameProtoKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(renameProtoKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key === '__proto__' ? '__proto_' : key] = renameProtoKeys(v);
  return out;
}

/**
 * Whether every object in `value` has a class's prototype (Object, Array, Map, Date, Uint8Array, msgpackr's own
 * types) or none: never a plain object that came from the body itself.
 */
function protoUntouched(value: unknown): boolean {
  if (value === null || typeof value !== 'object') return true;
  const proto = Object.getPrototypeOf(value) as { constructor?: unknown } | null;
  if (proto !== null) {
    const ctor = Object.prototype.hasOwnProperty.call(proto, 'constructor') ? proto.constructor : undefined;
    // A class's prototype (msgpack data has no functions, so a body cannot make one up).
    if (!(typeof ctor === 'function' && (ctor as { prototype?: unknown }).prototype === proto)) return false;
  }
  return Object.values(value).every(protoUntouched);
}

const bodyDecoder: FuzzTarget = {
  name: 'decode-body',
  decoder: 'decodeBody (msgpack bodies by CONTENT_TYPE, raw bytes otherwise)',
  codes: ['RMQ_ERR_MALFORMED_BODY'],
  property() {
    const encode = (value: unknown): Buffer => encodeBody(value).bytes;
    return fc.property(bytesInputs(msgpackValue, encode, randomBytes(96)), fc.boolean(), (input, asString) => {
      const properties = asString ? `${CONTENT_TYPE_PROPERTY}\u0001${MSGPACK_CONTENT_TYPE}` : { [CONTENT_TYPE_PROPERTY]: MSGPACK_CONTENT_TYPE };
      const result = decodeChecked(bodyDecoder, input.bytes.length, () => decodeBody(input.bytes, properties));
      // Without the content type a body is its bytes, whatever they are.
      const raw = decodeChecked(bodyDecoder, input.bytes.length, () => decodeBody(input.bytes));
      assert.ok(raw.ok && Buffer.isBuffer(raw.value) && raw.value.equals(input.bytes));
      if (input.kind === 'valid') {
        assert.ok(result.ok, 'a valid msgpack body decodes');
        // msgpackr decodes an own "__proto__" key as "__proto_" (so that a body cannot set an object's prototype).
        assert.deepEqual(plain(result.value), plain(renameProtoKeys(input.value)));
      }
      if (result.ok && result.value !== null && typeof result.value === 'object' && !Buffer.isBuffer(result.value)) {
        assert.ok(protoUntouched(result.value), 'no decoded object has a prototype set by the body');
      }
    });
  },
};

/** What a send response's extFields hold: the real fields, with right, wrong, empty or missing values. */
const sendResponseExt = fc.record(
  {
    msgId: fc.oneof(fc.string({ unit: fc.constantFrom(...'0123456789ABCDEF'), minLength: 32, maxLength: 32 }), text(10)),
    queueId: fc.oneof(fc.integer({ min: 0, max: 1024 }).map(String), fc.constantFrom('', ' ', '-1', '1.5', '0x10', '1e3', 'NaN', '99999999999999999999', '+7'), text(6)),
    queueOffset: fc.oneof(fc.maxSafeNat().map(String), fc.constantFrom('', '-1', '9007199254740993', 'abc'), text(6)),
    MSG_REGION: text(10),
    TRACE_ON: fc.constantFrom('true', 'false', '', 'FALSE'),
    transactionId: text(10),
    __proto__: text(4),
  },
  { requiredKeys: [] },
);

const sendResultMapping: FuzzTarget = {
  name: 'send-result',
  decoder: 'sendResultOf (SEND_MESSAGE response → SendResult)',
  codes: ['RMQ_ERR_BROKER', 'RMQ_ERR_REMOTING_PROTOCOL'],
  property() {
    const response = fc.record({
      code: fc.oneof(fc.constantFrom(0, 1, 2, 10, 11, 12, 13, 14, 16, 17, 25, 26, 204, 205, 206), fc.integer({ min: -32768, max: 32767 })),
      remark: fc.option(text(20), { nil: null }),
      extFields: fc.option(
        fc.oneof(
          sendResponseExt.map((ext) => ext as Record<string, string>),
          fc.dictionary(text(10), text(10), { maxKeys: 4 }),
        ),
        { nil: null },
      ),
      opaque: int32,
    });
    const retryCodes = new Set([1, 14, 16, 17, 204, 205]);
    return fc.property(response, fc.option(fc.constantFrom('ns1', 'MQ_INST_1'), { nil: null }), (r, namespace) => {
      const command: RemotingCommand = { ...r, language: 'JAVA', version: 409, flag: RPC_TYPE_RESPONSE, serializeType: SerializeType.ROCKETMQ, body: null };
      const topic = namespace === null ? 'FuzzTopic' : `${namespace}%FuzzTopic`;
      const result = decodeChecked(sendResultMapping, 256, () =>
        sendResultOf(command, { topic, uniqueId: 'UNIQ', brokerName: 'broker-a', brokerAddr: '127.0.0.1:10911' }, { namespace, retryResponseCodes: retryCodes }),
      );
      if (result.ok) {
        const s = result.value;
        assert.ok([0, 10, 11, 12].includes(r.code), `code ${r.code} gave a result`);
        assert.ok(Number.isSafeInteger(s.messageQueue.queueId) && Number.isSafeInteger(s.queueOffset));
        assert.equal(String(s.messageQueue.queueId).replace(/^\+/, ''), String(Number(r.extFields!['queueId'])));
        assert.equal(s.messageQueue.topic, 'FuzzTopic');
        assert.equal(s.msgId, 'UNIQ');
        assert.equal(typeof s.offsetMsgId, 'string');
        assert.equal(typeof s.regionId, 'string');
      } else if (result.error.code === 'RMQ_ERR_BROKER') {
        assert.ok(![0, 10, 11, 12].includes(r.code), `code ${r.code} is a success`);
        assert.equal(result.error.retriable, retryCodes.has(r.code));
      }
    });
  },
};

/** Every target, in report order. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [
  frameDecoder,
  headerTarget('header-json', SerializeType.JSON),
  headerTarget('header-rocketmq', SerializeType.ROCKETMQ),
  routeParser,
  propertiesDecoder,
  batchDecoder,
  storedMessageDecoder,
  bodyDecoder,
  sendResultMapping,
];
