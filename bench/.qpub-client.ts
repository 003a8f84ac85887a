import { startRx } from './scenarios/rocketmq-rx.js';
import { measurePublish } from './scenarios/publish.js';
const rx = await startRx(process.argv[2]!);
const m = await measurePublish(rx.producer, { body: Buffer.alloc(1024, 0x61), messages: 300_000, warmup: 30_000, maxInFlight: 8, batch: { maxMessages: 64 } });
console.log(Math.round(m.messages / m.seconds), 'msgs/s', (m.cpuMicros / m.messages).toFixed(2), 'µs/msg');
await rx.close();
