/* global console, setTimeout */
// Child script of dist-loading.spec.ts (ESM build): records every @opentelemetry module the loader resolves.
import { register } from 'node:module';
import { MessageChannel } from 'node:worker_threads';

const { port1, port2 } = new MessageChannel();
const resolved = [];
port1.on('message', (specifier) => resolved.push(specifier));
port1.unref();
const hook = `let port;
export function initialize(data) { port = data.port; }
export async function resolve(specifier, context, next) {
  if (specifier.includes('@opentelemetry')) port.postMessage(specifier);
  return next(specifier, context);
}`;
register('data:text/javascript,' + encodeURIComponent(hook), { data: { port: port2 }, transferList: [port2] });

const { Producer } = await import('rocketmq-rx');
const { EmbeddedCluster } = await import('rocketmq-rx/embedded');
const settle = () => new Promise((r) => setTimeout(r, 50));

const cluster = await EmbeddedCluster.start({ brokers: 1 });
const plain = new Producer({ producerGroup: 'PlainPG', namesrvAddr: cluster.namesrvAddr });
await plain.start();
await plain.send({ topic: 'PlainTopic', body: 'x' });
await plain.shutdown();
await settle();
const loadedWithout = [...resolved];

const { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } = await import('@opentelemetry/sdk-trace-base');
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
    spanName: span?.name ?? null,
    traceparentMatches: stored?.properties.traceparent === `00-${span?.spanContext().traceId}-${span?.spanContext().spanId}-01`,
  }),
);
