import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import { startCluster, startProducer, stopAll, unique } from '../producer/cluster-fixture.js';
import { createOtel } from './otel-fixture.js';

async function eventually(check: () => boolean, timeoutMillis = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('OpenTelemetry spans of transactions and requests', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 1, transactionCheckInterval: 0, transactionTimeOut: 0 });
  });
  after(stopAll);

  it('a transaction: the half send, the local transaction and END_TRANSACTION, children of the half send span', async () => {
    const otel = createOtel();
    const topic = unique('OtelTx');
    const producer = await startProducer(cluster, {
      telemetry: { tracerProvider: otel.tracerProvider },
      transactionListener: { executeLocalTransaction: () => 'COMMIT_MESSAGE', checkLocalTransaction: () => 'UNKNOW' },
    });
    const result = await producer.sendMessageInTransaction({ topic, tags: 'tx', body: 'order 1' }, { id: 1 });
    await eventually(() => otel.spansOf(topic).length === 3);
    const byName = new Map(otel.spansOf(topic).map((s) => [s.name, s]));
    const half = byName.get(`${topic} send`)!;
    const local = byName.get(`${topic} local_transaction`)!;
    const end = byName.get(`${topic} end_transaction`)!;
    assert.equal(half.kind, SpanKind.PRODUCER);
    assert.equal(half.attributes['messaging.rocketmq.message.type'], 'transaction');
    assert.equal(half.attributes['messaging.message.id'], result.msgId);
    assert.equal(local.kind, SpanKind.INTERNAL);
    assert.equal(local.parentSpanContext?.spanId, half.spanContext().spanId);
    assert.equal(local.attributes['rocketmq.transaction.state'], 'COMMIT_MESSAGE');
    assert.equal(end.kind, SpanKind.CLIENT);
    assert.equal(end.parentSpanContext?.spanId, half.spanContext().spanId);
    assert.equal(end.attributes['rocketmq.transaction.state'], 'COMMIT_MESSAGE');
    assert.equal(end.status.code, SpanStatusCode.UNSET);
    // The committed message carries the half send's trace context to consumers.
    await eventually(() => cluster.messages({ topic }).length === 1);
    const sc = half.spanContext();
    assert.equal(cluster.messages({ topic })[0]!.properties['traceparent'], `00-${sc.traceId}-${sc.spanId}-01`);
  });

  it('a throwing local transaction: its span has the error, END_TRANSACTION says UNKNOW', async () => {
    const otel = createOtel();
    const topic = unique('OtelTxThrow');
    const producer = await startProducer(cluster, {
      telemetry: { tracerProvider: otel.tracerProvider },
      transactionListener: {
        executeLocalTransaction: () => {
          throw Object.assign(new Error('db down'), { code: 'DB_DOWN' });
        },
        checkLocalTransaction: () => 'UNKNOW',
      },
    });
    await producer.sendMessageInTransaction({ topic, body: 'order 2' });
    await eventually(() => otel.spansOf(topic).length === 3);
    const local = otel.spansOf(topic).find((s) => s.name.endsWith('local_transaction'))!;
    assert.equal(local.status.code, SpanStatusCode.ERROR);
    assert.equal(local.attributes['error.type'], 'DB_DOWN');
    assert.equal(local.attributes['rocketmq.transaction.state'], 'UNKNOW');
    const end = otel.spansOf(topic).find((s) => s.name.endsWith('end_transaction'))!;
    assert.equal(end.attributes['rocketmq.transaction.state'], 'UNKNOW');
  });

  it('a request: its send span (operation request) and the wait for the reply as a child; a timeout fails the wait', async () => {
    const otel = createOtel();
    const topic = unique('OtelRequest');
    await cluster.respond(topic, (request) => `re: ${request.body.toString()}`);
    const producer = await startProducer(cluster, { telemetry: { tracerProvider: otel.tracerProvider } });
    const reply = await producer.request({ topic, body: 'ping' }, { timeout: 3000 });
    assert.equal(reply.body.toString(), 're: ping');
    await eventually(() => otel.spansOf(topic).length === 2);
    const send = otel.spansOf(topic).find((s) => s.name === `${topic} request`)!;
    const wait = otel.spansOf(topic).find((s) => s.name === `${topic} receive_reply`)!;
    assert.equal(send.kind, SpanKind.PRODUCER);
    assert.equal(send.attributes['messaging.operation.name'], 'request');
    assert.equal(wait.parentSpanContext?.spanId, send.spanContext().spanId);
    assert.equal(wait.attributes['rocketmq.correlation_id'], reply.correlationId);
    assert.equal(wait.status.code, SpanStatusCode.UNSET);
    // The responder saw the request's trace context.
    const stored = cluster.messages({ topic })[0]!;
    assert.equal(stored.properties['traceparent'], `00-${send.spanContext().traceId}-${send.spanContext().spanId}-01`);

    const silent = unique('OtelNoReply');
    await assert.rejects(producer.request({ topic: silent, body: 'anyone?' }, { timeout: 300 }), { code: 'RMQ_ERR_REQUEST_TIMEOUT' });
    await eventually(() => otel.spansOf(silent).length === 2);
    const timedOut = otel.spansOf(silent).find((s) => s.name.endsWith('receive_reply'))!;
    assert.equal(timedOut.status.code, SpanStatusCode.ERROR);
    assert.equal(timedOut.attributes['error.type'], 'RMQ_ERR_REQUEST_TIMEOUT');
  });
});
