/**
 * One `publish` row end to end, alone (for profiling it without the other rows): the bench broker in its own
 * process, a producer here, `measurePublish` with or without batching.
 *
 *   npx tsx bench/publish-row.ts [batched|single] [messages]
 */
import { startBroker } from './lib/broker.js';
import { processCpuMicros } from './lib/process-cpu.js';
import { startRx } from './scenarios/rocketmq-rx.js';
import { publishRowLine } from './scenarios/publish.js';

const batched = process.argv[2] !== 'single';
const messages = Number(process.argv[3] ?? 100_000);
const broker = await startBroker({ maxStoredMessages: 10_000 });
const rx = await startRx(broker.namesrvAddr);
try {
  console.log(await publishRowLine(rx.producer, batched, messages, () => processCpuMicros(broker.pid)));
} finally {
  await rx.close();
  await broker.stop();
}
