/**
 * One `publish` row end to end, alone (for profiling it without the other rows): the bench broker in its own
 * process, a producer here, `measurePublish` with or without batching.
 *
 *   npx tsx bench/publish-row.ts [batched|single] [messages]
 */
import { startBroker } from './lib/broker.js';
import { processCpuMicros } from './lib/process-cpu.js';
import { startRx } from './scenarios/rocketmq-rx.js';
import { measurePublish } from './scenarios/publish.js';

const batched = process.argv[2] !== 'single';
const messages = Number(process.argv[3] ?? 100_000);
const broker = await startBroker({ maxStoredMessages: 10_000 });
const rx = await startRx(broker.namesrvAddr);
try {
  const body = Buffer.alloc(1024, 0x61);
  const m = await measurePublish(rx.producer, {
    body,
    messages,
    warmup: Math.round(messages / 10),
    maxInFlight: batched ? 8 : 512,
    brokerCpu: () => processCpuMicros(broker.pid),
    ...(batched ? { batch: { maxMessages: 64 } } : {}),
  });
  console.log(
    `${batched ? 'publish batched 64×8' : 'publish 512'}: ${Math.round(m.messages / m.seconds)} msgs/s, client ${(m.cpuMicros / m.messages).toFixed(2)} µs/msg, ` +
      `broker ${m.brokerCpuMicros === null ? '—' : (m.brokerCpuMicros / m.messages).toFixed(2)} µs/msg, errors ${m.errors}`,
  );
} finally {
  await rx.close();
  await broker.stop();
}
