import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { resolveTelemetry } from '../../src/telemetry/otel.js';
import { ProducerTelemetry } from '../../src/telemetry/send-telemetry.js';
import { createOtel } from './otel-fixture.js';

describe('step spans (local transaction, END_TRANSACTION, reply) under a send span', () => {
  it('are children of the send span, with the messaging attributes, and end with their error', async () => {
    const otel = createOtel();
    const resolved = await resolveTelemetry({ tracerProvider: otel.tracerProvider });
    assert.ok(resolved);
    const telemetry = new ProducerTelemetry(resolved, {
      producerGroup: 'TxPG',
      clientId: '127.0.0.1@x',
      inflight: () => 0,
      permitWaits: () => ({ async: 0, oneway: 0 }),
    });
    const send = telemetry.startSend({ topic: 'TxTopic', kind: 'transaction', operation: 'send' });
    const local = telemetry.startStep(send, { topic: 'TxTopic', operation: 'local_transaction', kind: 'internal' });
    local?.end(null, { 'rocketmq.transaction.state': 'COMMIT_MESSAGE' });
    const end = telemetry.startStep(send, { topic: 'TxTopic', operation: 'end_transaction', kind: 'client' });
    end?.end(Object.assign(new Error('no master'), { code: 'RMQ_ERR_BROKER_NOT_FOUND' }));
    send.succeeded('ID');
    const spans = otel.spansOf('TxTopic');
    assert.deepEqual(spans.map((s) => s.name), ['TxTopic local_transaction', 'TxTopic end_transaction', 'TxTopic send']);
    const [l, e, s] = spans as [typeof spans[0], typeof spans[0], typeof spans[0]];
    assert.equal(l.parentSpanContext?.spanId, s.spanContext().spanId);
    assert.equal(e.parentSpanContext?.spanId, s.spanContext().spanId);
    assert.equal(l.kind, SpanKind.INTERNAL);
    assert.equal(e.kind, SpanKind.CLIENT);
    assert.equal(l.attributes['rocketmq.transaction.state'], 'COMMIT_MESSAGE');
    assert.equal(e.status.code, SpanStatusCode.ERROR);
    assert.equal(e.attributes['error.type'], 'RMQ_ERR_BROKER_NOT_FOUND');
    assert.equal(s.attributes['messaging.rocketmq.message.type'], 'transaction');
  });
});
