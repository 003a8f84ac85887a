/**
 * Request/reply end to end over TCP against the embedded cluster: request → SEND_REPLY_MESSAGE_V2 → the broker's
 * PUSH_REPLY_MESSAGE_TO_CLIENT → the waiting request.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import diagnosticsChannel from 'node:diagnostics_channel';
import type { EmbeddedCluster, StoredMessage } from '../../src/embedded/index.js';
import { decodeBody } from '../../src/message/body-codec.js';
import { RequestCode } from '../../src/remoting/request-code.js';
import { createReplyMessage } from '../../src/request-reply/reply-message.js';
import type { ReplyDroppedEvent, RequestSettledEvent } from '../../src/request-reply/diagnostics.js';
import { startCluster, startProducer, stopAll, unique } from '../producer/cluster-fixture.js';

async function eventually(check: () => boolean, timeoutMillis = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('request/reply (embedded cluster, real TCP)', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 2 });
  });
  after(stopAll);

  it('request → reply: the request carries CORRELATION_ID, REPLY_TO_CLIENT, TTL; the pushed reply completes it', async () => {
    const topic = unique('Prices');
    const seen: StoredMessage[] = [];
    const responder = await cluster.respond(topic, (request) => {
      seen.push(request);
      return `price of ${request.body.toString()}: 187.30`;
    });
    const requester = await startProducer(cluster);
    const settled: RequestSettledEvent[] = [];
    const onSettled = (event: unknown): void => void settled.push(event as RequestSettledEvent);
    diagnosticsChannel.subscribe('rocketmq:request:settled', onSettled);
    try {
      const reply = await requester.request({ topic, tags: 'quote', body: 'AAPL' }, { timeout: 3000 });
      assert.equal(reply.body.toString(), 'price of AAPL: 187.30');
      assert.equal(reply.topic, 'DefaultCluster_REPLY_TOPIC');
      assert.equal(reply.properties.MSG_TYPE, 'reply');
      assert.match(reply.properties.ARRIVE_TIME!, /^\d{13}$/);
      assert.match(reply.properties.PUSH_REPLY_TIME!, /^\d{13}$/);
      const request = seen[0]!;
      assert.equal(reply.correlationId, request.properties.CORRELATION_ID);
      assert.match(reply.correlationId, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(request.properties.REPLY_TO_CLIENT, requester.clientId);
      assert.equal(request.properties.TTL, '3000');
      assert.equal(request.tags, 'quote');
      await eventually(() => responder.replies === 1, 2000);
      // Every request gets its own correlation id.
      const second = await requester.request({ topic, body: 'MSFT' });
      assert.equal(second.body.toString(), 'price of MSFT: 187.30');
      assert.notEqual(second.correlationId, reply.correlationId);
      assert.equal(seen[1]!.properties.TTL, String(requester.options.sendMsgTimeout));
      // The replies went as SEND_REPLY_MESSAGE_V2 and were pushed to the requester.
      const counts = (code: number): number => cluster.brokers.reduce((n, b) => n + (b.requestCounts.get(code) ?? 0), 0);
      assert.ok(counts(RequestCode.SEND_REPLY_MESSAGE_V2) >= 2);
      const mine = settled.filter((event) => event.producerId === requester.id);
      assert.equal(mine.length, 2);
      assert.ok(mine.every((event) => event.error === null && event.topic === topic));
    } finally {
      diagnosticsChannel.unsubscribe('rocketmq:request:settled', onSettled);
    }
  });

  it('an object body travels as msgpack both ways and decodeBody reads the reply', async () => {
    const topic = unique('Objects');
    await cluster.respond(topic, (request) => ({ echo: decodeBody(request.body, request.properties), ok: true }));
    const requester = await startProducer(cluster);
    const reply = await requester.request({ topic, body: { symbol: 'AAPL', qty: 3 } });
    assert.deepEqual(decodeBody(reply.body, reply.properties), { echo: { symbol: 'AAPL', qty: 3 }, ok: true });
  });

  it('a request past its timeout fails with RMQ_ERR_REQUEST_TIMEOUT; its late reply is dropped', async () => {
    const topic = unique('Slow');
    const responder = await cluster.respond(topic, async () => {
      await new Promise((resolve) => setTimeout(resolve, 800));
      return 'too late';
    });
    const requester = await startProducer(cluster);
    const dropped: ReplyDroppedEvent[] = [];
    const onDropped = (event: unknown): void => void dropped.push(event as ReplyDroppedEvent);
    diagnosticsChannel.subscribe('rocketmq:request:replyDropped', onDropped);
    try {
      const started = Date.now();
      await assert.rejects(requester.request({ topic, body: 'x' }, { timeout: 200 }), { code: 'RMQ_ERR_REQUEST_TIMEOUT' });
      const took = Date.now() - started;
      // Not before the timeout, and long before the reply (a loaded machine may add some latency).
      assert.ok(took >= 195 && took < 750, `failed after ${took} ms`);
      await eventually(() => responder.replies === 1);
      await eventually(() => dropped.some((event) => event.clientId === requester.clientId));
      const late = dropped.find((event) => event.clientId === requester.clientId)!;
      assert.equal(late.reason, 'unknownCorrelationId');
      assert.match(late.correlationId!, /^[0-9a-f-]{36}$/);
      assert.equal(responder.errors.length, 0, 'the push was still answered SUCCESS');
    } finally {
      diagnosticsChannel.unsubscribe('rocketmq:request:replyDropped', onDropped);
    }
  });

  it('a Node service answers with createReplyMessage + producer.send (SEND_REPLY_MESSAGE_V2)', async () => {
    const topic = unique('Service');
    const service = await startProducer(cluster);
    const replies: Promise<unknown>[] = [];
    // What a consumer of `topic` would receive: the stored request (CLUSTER added by the broker).
    const unsubscribes = cluster.brokers.map((broker) =>
      broker.onPut((message) => {
        if (message.topic !== topic) return;
        const reply = createReplyMessage(message, Buffer.from(`reply:${message.body.toString()}`));
        assert.equal(reply.topic, 'DefaultCluster_REPLY_TOPIC');
        replies.push(service.send(reply));
      }),
    );
    try {
      const before325 = cluster.brokers.reduce((n, b) => n + (b.requestCounts.get(RequestCode.SEND_REPLY_MESSAGE_V2) ?? 0), 0);
      const requester = await startProducer(cluster);
      const reply = await requester.request({ topic, body: 'ping' }, { timeout: 3000 });
      assert.equal(reply.body.toString(), 'reply:ping');
      const [sent] = (await Promise.all(replies)) as { sendStatus: string; messageQueue: { topic: string } }[];
      assert.equal(sent!.sendStatus, 'SEND_OK');
      assert.equal(sent!.messageQueue.topic, 'DefaultCluster_REPLY_TOPIC');
      const after325 = cluster.brokers.reduce((n, b) => n + (b.requestCounts.get(RequestCode.SEND_REPLY_MESSAGE_V2) ?? 0), 0);
      assert.equal(after325 - before325, 1);
      const stored = cluster.messages({ topic: 'DefaultCluster_REPLY_TOPIC' }).find((m) => m.properties.CORRELATION_ID === reply.correlationId)!;
      assert.equal(stored.properties.WAIT, undefined, 'a Java reply message has no WAIT');
      assert.equal(stored.properties.MSG_TYPE, 'reply');
    } finally {
      for (const unsubscribe of unsubscribes) unsubscribe();
    }
  });

  it('createReplyMessage refuses what is not a stored request', () => {
    assert.throws(() => createReplyMessage({ properties: { CORRELATION_ID: 'c', REPLY_TO_CLIENT: 'x' } }, 'b'), { code: 'RMQ_ERR_CREATE_REPLY_MESSAGE' });
    assert.throws(() => createReplyMessage({ properties: { CLUSTER: 'DefaultCluster' } }, 'b'), { code: 'RMQ_ERR_CREATE_REPLY_MESSAGE' });
    assert.throws(() => createReplyMessage(null as never, 'b'), { code: 'RMQ_ERR_CREATE_REPLY_MESSAGE' });
    const reply = createReplyMessage({ properties: { CLUSTER: 'C1', CORRELATION_ID: 'c', REPLY_TO_CLIENT: 'x', TTL: '5' } }, 'b');
    assert.deepEqual(reply, { topic: 'C1_REPLY_TOPIC', body: 'b', properties: { MSG_TYPE: 'reply', CORRELATION_ID: 'c', REPLY_TO_CLIENT: 'x', TTL: '5' } });
  });

  it('a request whose send fails rejects with the send error; a bad timeout is refused', async () => {
    const requester = await startProducer(cluster, { retryTimesWhenSendAsyncFailed: 0 });
    await assert.rejects(requester.request({ topic: 'TBW102', body: 'x' }), { code: 'RMQ_ERR_SYSTEM_TOPIC' });
    await assert.rejects(requester.request({ topic: unique('T'), body: 'x' }, { timeout: 0 }), { code: 'RMQ_ERR_INVALID_OPTION' });
    // The user may not set the request properties by hand.
    await assert.rejects(requester.request({ topic: unique('T'), body: 'x', properties: { CORRELATION_ID: 'mine' } }), { code: 'RMQ_ERR_RESERVED_PROPERTY' });
  });
});
