/* global require, console, process */
/* eslint-disable @typescript-eslint/no-require-imports */
// Child script of dist-loading.spec.ts (CJS build): which @opentelemetry modules are in require.cache.
const { Producer } = require('rocketmq-rx');
const { EmbeddedCluster } = require('rocketmq-rx/embedded');

(async () => {
  const cluster = await EmbeddedCluster.start({ brokers: 1 });
  const plain = new Producer({ producerGroup: 'PlainPG', namesrvAddr: cluster.namesrvAddr });
  await plain.start();
  await plain.send({ topic: 'PlainTopic', body: 'x' });
  await plain.shutdown();
  const loadedWithout = Object.keys(require.cache).filter((path) => path.includes('@opentelemetry'));

  const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = require('@opentelemetry/sdk-trace-base');
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const traced = new Producer({ producerGroup: 'TracedPG', namesrvAddr: cluster.namesrvAddr, telemetry: { tracerProvider } });
  await traced.start();
  const result = await traced.send({ topic: 'TracedTopic', body: 'y' });
  await traced.shutdown();
  const span = exporter.getFinishedSpans()[0];
  const stored = cluster.messages({ topic: 'TracedTopic' }).find((m) => m.uniqueId === result.msgId);
  await cluster.stop();
  console.log(
    JSON.stringify({
      loadedWithout,
      spanName: span ? span.name : null,
      traceparentMatches: stored.properties.traceparent === `00-${span.spanContext().traceId}-${span.spanContext().spanId}-01`,
    }),
  );
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
