/**
 * The properties handed to the JSON header writer as pieces (the encoded text around the unique id): the bytes of
 * every request are those of the reference encoder (`jsonHeaderText` of the same command), whatever the message's
 * properties, and the properties string everyone reads is the one `buildPropertiesString` builds.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { firstValueFrom, of } from 'rxjs';
import type { Message } from '../../../src/message/message.js';
import { buildPropertiesString } from '../../../src/message/properties.js';
import { createUniqueId } from '../../../src/message/message-id.js';
import { encodeRequest } from '../../../src/producer/operators/encode-request.js';
import { prepareMessage } from '../../../src/producer/operators/prepare-message.js';
import { validate } from '../../../src/producer/operators/validate.js';
import { createSendContext } from '../../../src/producer/send-context.js';
import type { CompressedContext, EncodedContext } from '../../../src/producer/send-context.js';
import { encodeFrameHead } from '../../../src/remoting/frame-codec.js';
import { binaryHeaderLength, jsonHeaderText } from '../../../src/remoting/header-codec.js';
import { encodeJsonFrameHead, encodeJsonFrameHeadInto, jsonStringContent } from '../../../src/remoting/json-header-writer.js';
import type { RemotingCommand } from '../../../src/remoting/remoting-command.js';
import { createRequest, SerializeType } from '../../../src/remoting/remoting-command.js';
import { twoBrokerRoute } from '../context-fixture.js';

/** The frame head the reference encoder gives for `command`. */
function expected(command: RemotingCommand): Buffer {
  const json = Buffer.from(jsonHeaderText(command), 'utf8');
  const head = Buffer.alloc(8 + json.length);
  head.writeInt32BE(4 + json.length + (command.body?.length ?? 0), 0);
  head.writeInt32BE(json.length, 4);
  json.copy(head, 8);
  return head;
}

/** Strings with what needs escapes: separators, quotes, backslashes, controls, unicode, surrogates (paired and lone). */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom('\u0001', '\u0002', '"', '\\', '\n', '\u007f', 'é', '中', '\ud83d\ude00', '\ud83d', '\ude00', '\u2028', ' '),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  maxLength: 12,
});

/** What a middle start may hold: printable ASCII that JSON writes as it is. */
const printable = fc.string({ unit: fc.constantFrom('0', '9', 'A', 'F', 'z', ' ', '~', '\u007f', '{'), maxLength: 30 });

const OPTS = { producerGroup: 'PG', createTopicKey: 'TBW102', defaultTopicQueueNums: 4, unitMode: false };

/** prepareMessage then encodeRequest for `message` (attempt 1 on broker-a queue 2); `attempts` requests built. */
async function requestsOf(message: Message, options: { namespace?: string | null; id?: () => string; transactional?: boolean; batch?: boolean; attempts?: number } = {}): Promise<{ context: EncodedContext; requests: RemotingCommand[] }> {
  const start = createSendContext(message, 'sync', Date.now(), 3000, options.transactional ? { transactional: true, systemProperties: null } : undefined);
  const prepared = await firstValueFrom(
    of(start).pipe(
      validate({ state: () => 'RUNNING', maxMessageSize: 4 * 1024 * 1024 }),
      prepareMessage({ namespace: options.namespace ?? null, producerGroup: 'PG', createUniqueId: options.id }),
    ),
  );
  const c = prepared as unknown as CompressedContext;
  c.route = twoBrokerRoute(c.topic);
  c.queue = { topic: c.topic, brokerName: 'broker-a', queueId: 2 };
  c.brokerAddr = '127.0.0.1:10911';
  c.attempt = 1;
  c.wireBody = c.body;
  const requests: RemotingCommand[] = [];
  let last: EncodedContext | undefined;
  for (let i = 0; i < (options.attempts ?? 1); i++) {
    last = await firstValueFrom(of(c).pipe(encodeRequest({ ...OPTS, batch: options.batch })));
    requests.push(last.request);
  }
  return { context: last!, requests };
}

describe('properties as JSON pieces', () => {
  it('the writer gives the reference bytes for any text around any middle, through the head templates too', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ before: nasty, middleStart: printable, middle: nasty, after: nasty, other: nasty, stale: fc.boolean() }), { minLength: 1, maxLength: 6 }), (sends) => {
        for (const send of sends) {
          const text = send.before + send.middleStart + send.middle + send.after;
          // A stale pieces object (the field was replaced after the request was made) must be ignored.
          const piecesText = send.stale ? text + 'x' : text;
          const request = createRequest(310, { a: 'PG', b: send.other, i: text, j: '0' }, {
            jsonFieldPieces: { key: 'i', text: piecesText, beforeJson: jsonStringContent(send.before), middleStartAscii: Buffer.from(send.middleStart, 'latin1'), middle: send.middle, afterJson: jsonStringContent(send.after + (send.stale ? 'x' : '')) },
          });
          const want = expected(request);
          assert.deepEqual(encodeJsonFrameHead(request, 0), want);
          const target = Buffer.alloc(8 * want.length + 64); // room is checked for the worst case, 6 bytes per character
          assert.equal(encodeJsonFrameHeadInto(request, 0, target, 3), 3 + want.length);
          assert.deepEqual(target.subarray(3, 3 + want.length), want);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('sends: random tags, keys, user properties (escapes, unicode, empty values), delays, namespaces, ids', async () => {
    const userProperties = fc.dictionary(
      fc.string({ unit: fc.constantFrom('a', 'b', 'Z', '_', 'é', '中', '"', '\\', ' '), minLength: 1, maxLength: 6 }).filter((k) => /\S/.test(k) && !/^(KEYS|TAGS|WAIT|DELAY|UNIQ_KEY)$/.test(k)),
      // (Blank values are refused by validation: a value holds visible text.)
      fc.string({ unit: fc.constantFrom('v', '1', '"', '\\', '\n', 'é', '\ud83d\ude00', '中', '\u007f', '\t', ' '), minLength: 1, maxLength: 8 }).filter((v) => /\S/.test(v)),
      { maxKeys: 4 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          tags: fc.option(fc.constantFrom('TagA', 'é"t\\', '中文', 'a b'), { nil: undefined }),
          keys: fc.option(fc.oneof(fc.constantFrom('k1', 'ké"'), fc.array(fc.constantFrom('k1', 'k2', '中'), { minLength: 1, maxLength: 3 })), { nil: undefined }),
          properties: fc.option(userProperties, { nil: undefined }),
          delayTimeLevel: fc.option(fc.integer({ min: 0, max: 18 }), { nil: undefined }),
          waitStoreMsgOK: fc.option(fc.boolean(), { nil: undefined }),
          namespace: fc.option(fc.constantFrom('ns1', 'MQ_INST_1'), { nil: null }),
          transactional: fc.boolean(),
          id: fc.constantFrom('own', 'own', 'pinned', 'empty', 'escapes', 'unicode'),
          attempts: fc.integer({ min: 1, max: 3 }),
        }),
        async (input) => {
          const message: Message = { topic: 'TopicTest', body: 'Hello' };
          if (input.tags !== undefined) message.tags = input.tags;
          if (input.keys !== undefined) message.keys = input.keys;
          if (input.properties !== undefined) message.properties = input.properties;
          if (input.delayTimeLevel !== undefined) message.delayTimeLevel = input.delayTimeLevel;
          if (input.waitStoreMsgOK !== undefined) message.waitStoreMsgOK = input.waitStoreMsgOK;
          // 'own': the producer's own id source (its parts are handed over without reading the id); the others pinned.
          const ids = { own: undefined, pinned: () => createUniqueId(), empty: () => '', escapes: () => 'C0A8"\\\u0001', unicode: () => 'é中\ud83d' };
          const { context, requests } = await requestsOf(message, { namespace: input.namespace, id: ids[input.id], transactional: input.transactional, attempts: input.attempts });
          const uniqueId = context.uniqueId;
          // The string everyone reads (hooks, telemetry, `i`) is the one buildPropertiesString builds.
          const reference = buildPropertiesString({
            tags: message.tags ?? null,
            keys: message.keys ?? null,
            waitStoreMsgOK: message.waitStoreMsgOK !== false,
            delayTimeLevel: input.transactional ? null : (message.delayTimeLevel ?? null),
            userProperties: message.properties ?? null,
            transactionPrepared: input.transactional,
            producerGroup: input.transactional ? 'PG' : null,
            uniqKey: uniqueId,
            instanceId: input.namespace,
          });
          assert.equal(context.properties, reference);
          // A retry builds a fresh request (new opaque) for the same message: each one's bytes are the reference's.
          assert.equal(new Set(requests.map((r) => r.opaque)).size, requests.length);
          for (const request of requests) {
            assert.equal(request.extFields!['i'], reference);
            assert.deepEqual(encodeFrameHead(request), expected(request));
          }
        },
      ),
      { numRuns: 250 },
    );
  });

  it('plain sends carry pieces; user properties, batches and ROCKETMQ headers write the text as before', async () => {
    const plain = await requestsOf({ topic: 'TopicTest', body: 'x', tags: 'TagA', keys: 'k' });
    const pieces = plain.requests[0]!.jsonFieldPieces;
    assert.ok(pieces);
    assert.equal(pieces.text, plain.context.properties);
    assert.equal(Buffer.from(pieces.middleStartAscii).toString('latin1') + pieces.middle, plain.context.uniqueId);
    assert.equal(pieces.middle.length, 4);
    assert.equal(Buffer.from(JSON.stringify(pieces.text), 'utf8').subarray(1, -1).toString('latin1'),
      Buffer.concat([pieces.beforeJson, pieces.middleStartAscii, Buffer.from(pieces.middle, 'latin1'), pieces.afterJson]).toString('latin1'));

    const withUser = await requestsOf({ topic: 'TopicTest', body: 'x', properties: { a: '"é' } });
    assert.equal(withUser.requests[0]!.jsonFieldPieces, undefined);
    assert.deepEqual(encodeFrameHead(withUser.requests[0]!), expected(withUser.requests[0]!));

    const batch = await requestsOf({ topic: 'TopicTest', body: 'x' }, { batch: true });
    assert.equal(batch.requests[0]!.code, 320);
    assert.equal(batch.requests[0]!.jsonFieldPieces, undefined);
    assert.deepEqual(encodeFrameHead(batch.requests[0]!), expected(batch.requests[0]!));

    // ROCKETMQ headers ignore the pieces: the same bytes as the same request without them.
    const binary = { ...plain.requests[0]!, serializeType: SerializeType.ROCKETMQ };
    const { jsonFieldPieces: _unused, ...without } = binary;
    void _unused;
    assert.deepEqual(encodeFrameHead(binary), encodeFrameHead(without));
    assert.equal(encodeFrameHead(binary).length, 8 + binaryHeaderLength(binary));
  });
});
