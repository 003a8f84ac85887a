/**
 * The `publish batched` row split over two commands, so that each side can be profiled with its own node flags
 * (`EmbeddedCluster.spawn()` forks the broker with fixed flags, and `--cpu-prof` is refused in NODE_OPTIONS):
 *
 *   node --cpu-prof --import tsx bench/publish-row-split.ts broker 19876 &      # the embedded cluster, in this process
 *   node --cpu-prof --import tsx bench/publish-row-split.ts client 19876 [batched|single] [messages]
 *
 * The broker side serves until the client side sends it SIGTERM (it prints its pid) or it is stopped. It sets the V8
 * flags `EmbeddedCluster.spawn()` forks its child with before it starts the cluster, so that it is the broker
 * `npm run bench` measures (same GC set-up) without having to repeat them on its command line.
 */
import { setFlagsFromString } from 'node:v8';
import { EmbeddedCluster } from '../src/embedded/index.js';
import { CHILD_V8_FLAGS } from '../src/embedded/spawn.js';
import { processCpuMicros } from './lib/process-cpu.js';
import { startRx } from './scenarios/rocketmq-rx.js';
import { publishRowLine } from './scenarios/publish.js';

const role = process.argv[2];
const port = Number(process.argv[3] ?? 19876);

if (role === 'broker') {
  // Before the cluster allocates anything: the flags then act as from the command line (checked with --trace-gc).
  for (const flag of CHILD_V8_FLAGS) setFlagsFromString(flag);
  const cluster = await EmbeddedCluster.start({
    brokers: 1,
    namesrvPort: port,
    queuesPerTopic: 4,
    autoCreateTopic: true,
    maxStoredMessages: 10_000,
  });
  console.log(`broker ready pid ${process.pid} namesrv ${cluster.namesrvAddr} v8 flags ${CHILD_V8_FLAGS.join(' ')}`);
  const stop = (): void => void cluster.stop().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} else if (role === 'client') {
  const batched = process.argv[4] !== 'single';
  const messages = Number(process.argv[5] ?? 200_000);
  const brokerPid = Number(process.env.BROKER_PID ?? 0);
  const rx = await startRx(`127.0.0.1:${port}`);
  try {
    console.log(await publishRowLine(rx.producer, batched, messages, () => (brokerPid > 0 ? processCpuMicros(brokerPid) : null)));
  } finally {
    await rx.close();
  }
} else {
  console.error('usage: publish-row-split.ts broker|client <namesrv port> [batched|single] [messages]');
  process.exit(2);
}
