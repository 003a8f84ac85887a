import { after, afterEach, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { context, createTraceState, defaultTextMapGetter, propagation, ROOT_CONTEXT, trace, TraceFlags, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { EmbeddedCluster } from '../../src/embedded/index.js';
import type { SendResult } from '../../src/message/message.js';
import type { Producer } from '../../src/producer/producer.js';
import { startCluster, startProducer, stopAll, unique } from '../producer/cluster-fixture.js';
import { createOtel, pointsOf, StackContextManager } from './otel-fixture.js';
import type { OtelFixture } from './otel-fixture.js';

const SEND_V2 = 310;
const SYSTEM_BUSY = 2;

function sendAsync(p: Producer, message: Parameters<Producer['sendAsync']>[0]): Promise<SendResult | Error> {
  return new Promise((resolve) => p.sendAsync(message, { onSuccess: resolve, onException: resolve }));
}

describe('OpenTelemetry spans of every send mode, with the real SDK', () => {
  let cluster: EmbeddedCluster;
  let producer: Producer;
  let otel: OtelFixture;
  let group: string;
  before(async () => {
    cluster = await startCluster();
    otel = createOtel();
    group = unique('OtelPG');
    producer = await startProducer(cluster, {
      producerGroup: group,
      telemetry: { tracerProvider: otel.tracerProvider, meterProvider: otel.meterProvider },
    });
  });
  afterEach(() => {
    for (const broker of cluster.brokers) broker.faults.clear();
  });
  after(async () => {
    await stopAll();
    context.disable();
  });

  function storedFor(result: SendResult) {
    const found = cluster.messages({ topic: result.messageQueue.topic }).filter((m) => m.uniqueId === result.msgId);
    assert.equal(found.length, 1);
    return found[0]!;
  }

  it('sync: one PRODUCER span "<topic> send" with the messaging attributes; traceparent stored at the broker', async () => {
    const topic = unique('OtelSync');
    const result = await producer.send({ topic, tags: 'TagA', keys: ['k1', 'k2'], body: 'hello' });
    const spans = otel.spansOf(topic);
    assert.equal(spans.length, 1);
    const span = spans[0]!;
    assert.equal(span.name, `${topic} send`);
    assert.equal(span.kind, SpanKind.PRODUCER);
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    const a = span.attributes;
    assert.equal(a['messaging.system'], 'rocketmq');
    assert.equal(a['messaging.system.name'], 'rocketmq');
    assert.equal(a['messaging.destination.name'], topic);
    assert.equal(a['messaging.operation.type'], 'send');
    assert.equal(a['messaging.operation.name'], 'send');
    assert.equal(a['messaging.message.id'], result.msgId);
    assert.equal(a['messaging.rocketmq.client_group'], group);
    assert.equal(a['messaging.rocketmq.message.tag'], 'TagA');
    assert.deepEqual(a['messaging.rocketmq.message.keys'], ['k1', 'k2']);
    assert.equal(a['messaging.rocketmq.message.type'], 'normal');
    const broker = cluster.broker(result.messageQueue.brokerName)!;
    const [host, port] = broker.address.split(':');
    assert.equal(a['server.address'], host);
    assert.equal(a['server.port'], Number(port));
    assert.equal(a['error.type'], undefined);
    assert.equal(span.events.length, 0, 'no retry');

    const stored = storedFor(result);
    const sc = span.spanContext();
    assert.equal(stored.properties['traceparent'], `00-${sc.traceId}-${sc.spanId}-01`);
    assert.equal(stored.properties['tracestate'], undefined);
    assert.equal(stored.tags, 'TagA');
  });

  it('the span is a child of the active context, and tracestate travels with traceparent', async () => {
    context.setGlobalContextManager(new StackContextManager());
    const topic = unique('OtelParent');
    const parent = trace.wrapSpanContext({
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: TraceFlags.SAMPLED,
      traceState: createTraceState('congo=t61rcWkgMzE,rojo=00f067aa0ba902b7'),
      isRemote: true,
    });
    const result = await context.with(trace.setSpan(context.active(), parent), () => producer.send({ topic, body: 'child' }));
    const span = otel.spansOf(topic)[0]!;
    assert.equal(span.spanContext().traceId, '0af7651916cd43dd8448eb211c80319c');
    assert.equal(span.parentSpanContext?.spanId, 'b7ad6b7169203331');
    const stored = storedFor(result);
    assert.equal(stored.properties['traceparent'], `00-0af7651916cd43dd8448eb211c80319c-${span.spanContext().spanId}-01`);
    assert.equal(stored.properties['tracestate'], 'congo=t61rcWkgMzE,rojo=00f067aa0ba902b7');
    context.disable();
  });

  it('async and oneway sends: one span each, same names and attributes', async () => {
    const topic = unique('OtelModes');
    const result = await sendAsync(producer, { topic, body: 'async' });
    assert.ok(!(result instanceof Error));
    await producer.sendOneway({ topic, body: 'oneway' });
    const spans = otel.spansOf(topic);
    assert.equal(spans.length, 2);
    for (const span of spans) {
      assert.equal(span.name, `${topic} send`);
      assert.equal(span.kind, SpanKind.PRODUCER);
      assert.equal(span.attributes['messaging.operation.type'], 'send');
      assert.match(String(span.attributes['messaging.message.id']), /^[0-9A-F]{32}$/);
      assert.equal(typeof span.attributes['server.port'], 'number');
    }
    assert.equal(spans[0]!.attributes['messaging.message.id'], result.msgId);
    // The oneway message too carries the trace context to the broker.
    await new Promise((r) => setTimeout(r, 50));
    const onewayStored = cluster.messages({ topic }).find((m) => m.uniqueId === spans[1]!.attributes['messaging.message.id']);
    assert.equal(onewayStored?.properties['traceparent'], `00-${spans[1]!.spanContext().traceId}-${spans[1]!.spanContext().spanId}-01`);
  });

  it('message types: ordered sends are fifo, delayed ones delay', async () => {
    const topic = unique('OtelTypes');
    await producer.send({ topic, body: 'ordered' }, { shardingKey: 'order-1' });
    await producer.send({ topic, body: 'delayed', delayTimeLevel: 2 });
    const types = otel.spansOf(topic).map((s) => s.attributes['messaging.rocketmq.message.type']);
    assert.deepEqual(types, ['fifo', 'delay']);
  });

  it('retries become span events with the broker and the error that caused them', async () => {
    const topic = unique('OtelRetry');
    await producer.send({ topic, body: 'warm-up' });
    for (const broker of cluster.brokers) await broker.createTopic(topic);
    for (const broker of cluster.brokers) broker.faults.respondWith(SYSTEM_BUSY, { requestCode: SEND_V2, remark: 'injected', times: 1 });
    const result = await producer.send({ topic, body: 'third time lucky' });
    const span = otel.spansOf(topic)[1]!;
    assert.equal(span.status.code, SpanStatusCode.UNSET);
    assert.equal(span.attributes['messaging.message.id'], result.msgId);
    assert.equal(span.attributes['rocketmq.broker.name'], result.messageQueue.brokerName);
    const retries = span.events.filter((e) => e.name === 'retry');
    assert.equal(retries.length, 2);
    assert.deepEqual(
      retries.map((e) => e.attributes?.['rocketmq.send.attempt']),
      [2, 3],
    );
    for (const event of retries) {
      assert.equal(event.attributes?.['error.type'], 'RMQ_ERR_BROKER');
      assert.equal(typeof event.attributes?.['rocketmq.broker.name'], 'string');
      assert.equal(typeof event.attributes?.['server.port'], 'number');
    }
    assert.equal(retries[0]!.attributes?.['rocketmq.send.attempt.error.type'], 'RMQ_ERR_BROKER', 'the second attempt failed too');
    assert.equal(retries[1]!.attributes?.['rocketmq.send.attempt.error.type'], undefined, 'the third attempt succeeded');
    assert.equal(retries[1]!.attributes?.['rocketmq.broker.name'], result.messageQueue.brokerName);
  });

  it('a failed send: status ERROR, error.type, the exception recorded', async () => {
    const topic = unique('OtelFail');
    await producer.send({ topic, body: 'warm-up' });
    for (const broker of cluster.brokers) broker.faults.respondWith(SYSTEM_BUSY, { requestCode: SEND_V2, remark: 'injected' });
    await assert.rejects(producer.send({ topic, body: 'doomed' }), { code: 'RMQ_ERR_BROKER' });
    const span = otel.spansOf(topic)[1]!;
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['error.type'], 'RMQ_ERR_BROKER');
    assert.match(String(span.attributes['messaging.message.id']), /^[0-9A-F]{32}$/);
    assert.equal(span.events.filter((e) => e.name === 'retry').length, 2);
    assert.equal(span.events.filter((e) => e.name === 'exception').length, 1);
  });

  it('a send failing before any attempt (validation) still ends its span with the error code', async () => {
    const topic = unique('OtelInvalid');
    await assert.rejects(producer.send({ topic, body: '' }), { code: 'RMQ_ERR_EMPTY_BODY' });
    const span = otel.spansOf(topic)[0]!;
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['error.type'], 'RMQ_ERR_EMPTY_BODY');
  });

  it('batch: one "<topic> publish" span with the message count; every stored message carries its traceparent', async () => {
    const topic = unique('OtelBatch');
    const results = await producer.sendBatch([1, 2, 3].map((i) => ({ topic, body: `m${i}` })));
    const spans = otel.spansOf(topic);
    assert.equal(spans.length, 1);
    const span = spans[0]!;
    assert.equal(span.name, `${topic} publish`);
    assert.equal(span.kind, SpanKind.PRODUCER);
    assert.equal(span.attributes['messaging.batch.message_count'], 3);
    assert.equal(span.attributes['messaging.operation.name'], 'publish');
    assert.equal(span.attributes['messaging.operation.type'], 'send');
    const sc = span.spanContext();
    for (const result of results) assert.equal(storedFor(result).properties['traceparent'], `00-${sc.traceId}-${sc.spanId}-01`);
  });

  it('metrics: send duration histogram, sent/failed counters, in-flight gauge and permit waits', async () => {
    const topic = unique('OtelMetrics');
    await producer.send({ topic, body: 'one' });
    await producer.send({ topic, body: 'two' });
    for (const broker of cluster.brokers) broker.faults.respondWith(SYSTEM_BUSY, { requestCode: SEND_V2, remark: 'injected' });
    await assert.rejects(producer.send({ topic, body: 'three' }));
    for (const broker of cluster.brokers) broker.faults.clear();
    const metrics = await otel.reader.metrics();
    const duration = metrics.get('rocketmq.client.send.duration');
    assert.equal(duration?.descriptor.unit, 'ms');
    const ok = pointsOf(duration, { topic, status: 'success' });
    assert.equal(ok.reduce((n, p) => n + (p.value as { count: number }).count, 0), 2, 'one value per send, by broker');
    for (const p of ok) assert.ok(cluster.broker(String(p.attributes['broker'])) !== undefined);
    const failed = pointsOf(duration, { topic, status: 'failure' });
    assert.equal((failed[0]!.value as { count: number }).count, 1);
    assert.equal(pointsOf(metrics.get('rocketmq.client.sent.messages'), { topic }).reduce((n, p) => n + (p.value as number), 0), 2);
    assert.equal(pointsOf(metrics.get('rocketmq.client.failed.messages'), { topic })[0]!.value, 1);
    assert.equal(pointsOf(metrics.get('rocketmq.client.send.inflight'), { producer_group: group })[0]!.value, 0);
    assert.equal(pointsOf(metrics.get('rocketmq.client.permit.waits'), { producer_group: group, permit: 'async' }).length, 1);
  });

  it('with a registered global propagator its fields are injected; a consumer extracts the send span from the stored message', async () => {
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    try {
      const topic = unique('OtelPropagator');
      const result = await producer.send({ topic, body: 'to a consumer' });
      const stored = storedFor(result);
      // What the Java agent's consumer side does: extract from the message's user properties.
      const extracted = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, stored.properties, defaultTextMapGetter));
      const sent = otel.spansOf(topic)[0]!.spanContext();
      assert.equal(extracted?.traceId, sent.traceId);
      assert.equal(extracted?.spanId, sent.spanId);
      assert.equal(extracted?.isRemote, true);
    } finally {
      propagation.disable();
    }
  });

  it('propagate: false sends no trace context, but still makes the span', async () => {
    const otel2 = createOtel();
    const p = await startProducer(cluster, { telemetry: { tracerProvider: otel2.tracerProvider, propagate: false } });
    const topic = unique('OtelNoProp');
    const result = await p.send({ topic, body: 'quiet' });
    assert.equal(otel2.spansOf(topic).length, 1);
    assert.equal(storedFor(result).properties['traceparent'], undefined);
  });
});

describe('OpenTelemetry without a provider', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 1 });
  });
  after(stopAll);

  it('no provider passed and none registered: no spans, no trace context, the message is sent as given', async () => {
    const otel = createOtel(); // built, but neither passed nor registered
    const p = await startProducer(cluster);
    const topic = unique('NoOtel');
    const result = await p.send({ topic, body: 'plain', properties: { a: 'b' } });
    const stored = cluster.messages({ topic }).find((m) => m.uniqueId === result.msgId)!;
    assert.equal(stored.properties['traceparent'], undefined);
    assert.equal(stored.properties['a'], 'b');
    assert.equal(otel.exporter.getFinishedSpans().length, 0);
  });

  it('the global provider is used when registered before start(); telemetry: false opts out', async () => {
    const otel = createOtel();
    assert.equal(trace.setGlobalTracerProvider(otel.tracerProvider), true);
    try {
      const p = await startProducer(cluster);
      const off = await startProducer(cluster, { telemetry: false });
      const topic = unique('GlobalOtel');
      await p.send({ topic, body: 'traced' });
      await off.send({ topic, body: 'not traced' });
      assert.equal(otel.spansOf(topic).length, 1);
    } finally {
      trace.disable();
    }
  });

  it('the API no-op provider (no SDK registered) counts as no provider: no trace context', async () => {
    const p = await startProducer(cluster, { telemetry: { tracerProvider: trace.getTracerProvider() } });
    const topic = unique('NoopOtel');
    const result = await p.send({ topic, body: 'noop' });
    assert.equal(cluster.messages({ topic }).find((m) => m.uniqueId === result.msgId)!.properties['traceparent'], undefined);
  });
});

describe('OpenTelemetry: an abandoned send', () => {
  let cluster: EmbeddedCluster;
  before(async () => {
    cluster = await startCluster({ brokers: 1 });
  });
  after(stopAll);

  it('unsubscribing before the answer ends the span with RMQ_ERR_SEND_ABANDONED', async () => {
    const otel = createOtel();
    const p = await startProducer(cluster, { telemetry: { tracerProvider: otel.tracerProvider } });
    const topic = unique('OtelAbandon');
    await p.send({ topic, body: 'warm-up' });
    cluster.brokers[0]!.faults.swallow({ requestCode: SEND_V2 });
    const subscription = p.send$({ topic, body: 'never answered' }).subscribe();
    await new Promise((r) => setTimeout(r, 30));
    subscription.unsubscribe();
    cluster.brokers[0]!.faults.clear();
    const span = otel.spansOf(topic)[1]!;
    assert.equal(span.status.code, SpanStatusCode.ERROR);
    assert.equal(span.attributes['error.type'], 'RMQ_ERR_SEND_ABANDONED');
  });
});
