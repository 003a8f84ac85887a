import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { from, lastValueFrom, tap, toArray } from 'rxjs';
import type { EmbeddedCluster } from '../../../src/embedded/index.js';
import type { Message } from '../../../src/message/message.js';
import { decodeOffsetMessageId } from '../../../src/message/message-id.js';
import { decodeBatchBody, encodeBatchBody } from '../../../src/message/batch.js';
import { encodeBody } from '../../../src/message/body-codec.js';
import { buildPropertiesString } from '../../../src/message/properties.js';
import { encodeBatchItems, prepareBatchItem } from '../../../src/producer/batch/batch-message.js';
import type { Producer } from '../../../src/producer/producer.js';
import { pullFrom } from '../../../src/producer/publish/pull-source.js';
import { SEND_V2, countRequests, startCluster, startProducer, stopAll, unique } from '../cluster-fixture.js';

const SEND_BATCH = 320;

describe('batches (SEND_BATCH_MESSAGE)', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  before(async () => {
    cluster = await startCluster({ maxStoredMessages: 200_000 });
    producer = await startProducer(cluster);
  });
  after(stopAll);

  it('publish({ batch: { maxMessages: 100 } }): 10,000 messages arrive as ~100 batch requests, each stored with its own id and offset', async () => {
    const topic = unique('BatchTopic');
    await producer.send({ topic, body: 'route warm-up' });
    const batchesBefore = countRequests(cluster.brokers, SEND_BATCH);
    const singlesBefore = countRequests(cluster.brokers, SEND_V2);
    const input: Message[] = Array.from({ length: 10_000 }, (_, i) => ({ topic, tags: 'T', keys: `k${i}`, body: `b${i}` }));
    const outcomes = await lastValueFrom(from(input).pipe(producer.publish({ batch: { maxMessages: 100 } }), toArray()));
    assert.equal(outcomes.length, 10_000);
    assert.ok(outcomes.every((o) => o.ok));
    const batches = countRequests(cluster.brokers, SEND_BATCH) - batchesBefore;
    assert.ok(batches >= 100 && batches <= 110, `${batches} batch requests`);
    assert.equal(countRequests(cluster.brokers, SEND_V2) - singlesBefore, 0);

    const stored = cluster.messages({ topic }).filter((m) => m.tags === 'T');
    assert.equal(stored.length, 10_000);
    const byId = new Map(stored.map((m) => [m.uniqueId, m]));
    assert.equal(byId.size, 10_000, 'every message has its own unique id');
    for (const outcome of outcomes) {
      assert.ok(outcome.ok);
      const m = byId.get(outcome.result.msgId);
      assert.ok(m, 'stored under the outcome msgId');
      assert.equal(m.body.toString(), `b${outcome.index}`);
      assert.deepEqual(m.keys, [`k${outcome.index}`]);
      assert.equal(outcome.result.queueOffset, m.queueOffset);
      assert.equal(outcome.result.offsetMsgId, m.msgId);
      assert.equal(outcome.result.messageQueue.queueId, m.queueId);
      assert.equal(m.properties['WAIT'], 'true', 'the batch properties are appended to each record');
    }
  });

  it('outcomes of a batch fan out with first offset + index and split offset ids', async () => {
    const topic = unique('BatchFan');
    const results = await producer.sendBatch([
      { topic, body: 'Hello' },
      { topic, body: 'World' },
      { topic, body: '!' },
    ]);
    assert.equal(results.length, 3);
    assert.equal(new Set(results.map((r) => r.msgId)).size, 3);
    assert.deepEqual(
      results.map((r) => r.queueOffset - results[0]!.queueOffset),
      [0, 1, 2],
    );
    const offsets = results.map((r) => decodeOffsetMessageId(r.offsetMsgId).commitLogOffset);
    assert.ok(offsets[0]! < offsets[1]! && offsets[1]! < offsets[2]!);
    assert.ok(results.every((r) => r.messageQueue.queueId === results[0]!.messageQueue.queueId));
  });

  it('sendBatch of a list larger than maxMessageSize is split and fully delivered', async () => {
    const small = await startProducer(cluster, { maxMessageSize: 64 * 1024 });
    const topic = unique('BatchSplit');
    const before = countRequests(cluster.brokers, SEND_BATCH);
    const body = Buffer.alloc(1000, 7);
    const input: Message[] = Array.from({ length: 300 }, (_, i) => ({ topic, body, keys: `s${i}` }));
    const results = await small.sendBatch(input);
    assert.equal(results.length, 300);
    const requests = countRequests(cluster.brokers, SEND_BATCH) - before;
    assert.ok(requests >= 5, `split into ${requests} requests`); // 300 KB of records / 64 KiB
    const stored = cluster.messages({ topic });
    assert.equal(stored.length, 300);
    assert.deepEqual(new Set(stored.map((m) => m.uniqueId)), new Set(results.map((r) => r.msgId)));
    for (const [i, result] of results.entries()) {
      const m = stored.find((s) => s.uniqueId === result.msgId)!;
      assert.deepEqual(m.keys, [`s${i}`]);
      assert.equal(m.sysFlag & 1, 0, 'never compressed');
    }
  });

  it('batch attempts show on producer.events$ like single sends', async () => {
    const topic = unique('BatchEvents');
    const events: { type: string; topic?: string; error?: unknown }[] = [];
    const subscription = producer.events$.subscribe((event) => events.push(event as never));
    await producer.sendBatch([{ topic, body: 'x' }, { topic, body: 'y' }]);
    subscription.unsubscribe();
    const sends = events.filter((e) => e.type === 'send' && e.topic === topic);
    assert.equal(sends.length, 1);
    assert.equal(sends[0]!.error, null);
  });

  it('sendBatch refuses what Java refuses, with a typed error naming the message', async () => {
    const topic = unique('BatchRules');
    await assert.rejects(producer.sendBatch([]), { code: 'RMQ_ERR_BATCH_EMPTY' });
    await assert.rejects(producer.sendBatch([{ topic, body: 'a' }, { topic: `${topic}x`, body: 'b' }]), {
      code: 'RMQ_ERR_BATCH_TOPIC_MISMATCH',
      index: 1,
    });
    await assert.rejects(producer.sendBatch([{ topic, body: 'a' }, { topic, body: 'b', delayTimeLevel: 3 }]), {
      code: 'RMQ_ERR_BATCH_DELAY_NOT_SUPPORTED',
      index: 1,
    });
    await assert.rejects(producer.sendBatch([{ topic: '%RETRY%G', body: 'a' }]), { code: 'RMQ_ERR_BATCH_RETRY_TOPIC' });
    await assert.rejects(producer.sendBatch([{ topic, body: 'a' }, { topic, body: 'b', waitStoreMsgOK: false }]), {
      code: 'RMQ_ERR_BATCH_WAIT_STORE_MISMATCH',
    });
    await assert.rejects(producer.sendBatch([{ topic, body: 'a' }, { topic, body: '' }]), { code: 'RMQ_ERR_EMPTY_BODY', index: 1 });
    assert.equal(cluster.messages({ topic }).length, 0, 'nothing of a refused list is sent');
  });

  it('publish with batch: a message that cannot be batched gets an error outcome, the rest is delivered', async () => {
    const topic = unique('BatchPubRules');
    const input: Message[] = [
      { topic, body: 'a' },
      { topic, body: 'b', delayTimeLevel: 2 },
      { topic: `${topic}B`, body: 'c' },
      { topic, body: 'd', waitStoreMsgOK: false },
      { topic, body: 'e' },
    ];
    const outcomes = await lastValueFrom(from(input).pipe(producer.publish({ batch: true, ordered: true }), toArray()));
    assert.deepEqual(
      outcomes.map((o) => o.ok),
      [true, false, true, true, true],
    );
    const failed = outcomes[1]!;
    assert.ok(!failed.ok && (failed.error as { code?: string }).code === 'RMQ_ERR_BATCH_DELAY_NOT_SUPPORTED');
    assert.equal(cluster.messages({ topic }).length, 3);
    assert.equal(cluster.messages({ topic: `${topic}B` }).length, 1);
  });

  it('publish with batch: each batch request counts once in inflightCount while it is in flight, and none is left after the stream ends or is unsubscribed', async () => {
    const topic = unique('BatchInflight');
    await producer.send({ topic, body: 'route warm-up' });
    const input: Message[] = Array.from({ length: 2000 }, (_, i) => ({ topic, body: `b${i}` }));
    let maxInflight = 0;
    let minInflight = Infinity;
    const outcomes = await lastValueFrom(
      pullFrom(input).pipe(
        producer.publish({ maxInFlight: 4, batch: { maxMessages: 50 } }),
        tap(() => {
          // An outcome is emitted while its batch's send is still counted (it ends once its outcomes are out).
          maxInflight = Math.max(maxInflight, producer.inflightCount);
          minInflight = Math.min(minInflight, producer.inflightCount);
        }),
        toArray(),
      ),
    );
    assert.equal(outcomes.length, 2000);
    assert.ok(outcomes.every((o) => o.ok));
    assert.ok(minInflight >= 1, `in flight while its outcomes were emitted: ${minInflight}`);
    assert.ok(maxInflight <= 4, `batch requests in flight: ${maxInflight}`);
    assert.equal(producer.inflightCount, 0);

    // Unsubscribed with batches in flight: each lets go of its count at once, exactly once.
    const more: Message[] = Array.from({ length: 5000 }, (_, i) => ({ topic, body: `u${i}` }));
    let seen = 0;
    await new Promise<void>((resolve) => {
      const subscription = pullFrom(more)
        .pipe(producer.publish({ maxInFlight: 8, batch: { maxMessages: 50 } }))
        .subscribe(() => {
          seen += 1;
          if (seen === 500) {
            assert.ok(producer.inflightCount >= 1);
            subscription.unsubscribe();
            resolve();
          }
        });
    });
    assert.equal(producer.inflightCount, 0);
    // Sending goes on normally afterwards (no slot was lost).
    const again = await lastValueFrom(from(input.slice(0, 300)).pipe(producer.publish({ maxInFlight: 4, batch: { maxMessages: 50 } }), toArray()));
    assert.ok(again.every((o) => o.ok));
    assert.equal(producer.inflightCount, 0);
  });

  it('the batch body is the §10.2 records of §16(d)', () => {
    const ids = ['C0A800023039' + '1B6D358647B760000000', 'C0A800023039' + '1B6D358647B760000001'];
    let next = 0;
    const items = ['Hello', 'World'].map((body, i) =>
      prepareBatchItem({ topic: 'TopicTest', tags: 'TagA', body }, i, { maxMessageSize: 4 << 20, createUniqueId: () => ids[next++]! }),
    );
    const bytes = encodeBatchItems(items);
    assert.equal(bytes.length, 2 * 0x58);
    assert.equal(bytes.readInt32BE(0), 0x58);
    assert.equal(bytes.readInt16BE(0x58 - 0x3d - 2), 0x3d);
    const text = bytes.toString('latin1');
    assert.ok(text.includes(`UNIQ_KEY\x01${ids[0]}`) && text.includes(`UNIQ_KEY\x01${ids[1]}`));
    assert.ok(text.includes('WAIT\x01true') && text.includes('TAGS\x01TagA'));
  });
});

describe('batch records: the fast paths write what the general encoder writes', () => {
  // A small deterministic generator, so that a failure names a reproducible case.
  let seed = 0x2545f491;
  const random = (n: number): number => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) % n;
  };
  const words = ['a', 'TagA', 'k1', 'ü', 'ключ', '鍵', '😀', 'x y', 'id-7'];
  const word = (): string => words[random(words.length)]!;

  it('prepareBatchItem + encodeBatchItems equal buildPropertiesString + encodeBatchBody, byte for byte (random messages)', () => {
    for (let round = 0; round < 300; round++) {
      const messages: Message[] = [];
      for (let i = 0; i < 1 + random(8); i++) {
        const message: Message = { topic: 'TopicTest', body: Buffer.from(`body-${round}-${i}-${word()}`), flag: random(3) - 1 };
        if (random(3) === 0) message.tags = word();
        if (random(3) === 0) message.keys = random(2) === 0 ? word() : [word(), word()];
        if (random(3) === 0) message.properties = random(4) === 0 ? {} : { [`p${random(3)}`]: word() };
        if (random(4) === 0) message.waitStoreMsgOK = false;
        if (random(5) === 0) message.body = { n: round, text: word() } as never; // a JSON body: CONTENT_TYPE
        messages.push(message);
      }
      let id = 0;
      const ids = messages.map(() => `C0A80002303900000000${String(round * 16 + id++).padStart(12, '0')}`);
      let next = 0;
      const items = messages.map((message, i) =>
        prepareBatchItem(message, i, { maxMessageSize: 4 << 20, createUniqueId: () => ids[next++]! }),
      );
      items.forEach((item, i) => {
        const message = messages[i]!;
        const reference = buildPropertiesString({
          tags: message.tags ?? null,
          keys: message.keys ?? null,
          waitStoreMsgOK: message.waitStoreMsgOK !== false,
          userProperties: message.properties ?? null,
          uniqKey: ids[i]!,
          contentType: encodeBody(message.body).contentType,
        });
        assert.equal(item.properties, reference, `round ${round} message ${i}`);
        assert.equal(item.recordBytes, 22 + item.body.length + Buffer.byteLength(reference, 'utf8'));
      });
      assert.deepEqual(encodeBatchItems(items), encodeBatchBody(items), `round ${round}`);
    }
  });

  it('an item whose properties were replaced (recordBytes kept right, as telemetry does) encodes its new properties', () => {
    const item = prepareBatchItem({ topic: 'TopicTest', body: 'x' }, 0, { maxMessageSize: 4 << 20 });
    const properties = `${item.properties}\u0002traceparent\u000100-ü-01`;
    const changed = { ...item, properties, recordBytes: item.recordBytes + Buffer.byteLength(properties) - Buffer.byteLength(item.properties) };
    const decoded = decodeBatchBody(encodeBatchItems([item, changed]));
    assert.deepEqual(
      decoded.map((record) => record.properties),
      [item.properties, properties],
    );
  });
  it('plain messages (own ids, or a swapped generator with non-ASCII ids) encode as their properties strings do', () => {
    const own = [0, 1, 2].map((i) => prepareBatchItem({ topic: 'TopicTest', body: `m${i}`, waitStoreMsgOK: i !== 1 }, i, { maxMessageSize: 4 << 20 }));
    const ids = ['ид-1', 'C0A8000230390000000000000000000A'];
    const swapped = ids.map((id, i) => prepareBatchItem({ topic: 'TopicTest', body: 'x' }, i, { maxMessageSize: 4 << 20, createUniqueId: () => id }));
    for (const items of [own, swapped]) {
      for (const item of items) {
        const reference = buildPropertiesString({ waitStoreMsgOK: item.waitStoreMsgOK, uniqKey: item.uniqueId });
        assert.equal(item.properties, reference);
        assert.equal(item.recordBytes, 22 + item.body.length + Buffer.byteLength(reference, 'utf8'));
      }
      assert.deepEqual(encodeBatchItems(items), encodeBatchBody(items));
      assert.deepEqual(decodeBatchBody(encodeBatchItems(items)).map((record) => record.properties), items.map((item) => item.properties));
    }
  });
});
