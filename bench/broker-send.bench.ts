/**
 * The embedded broker's send path alone, without sockets: CPU µs per SEND_MESSAGE_V2 request for decoding the
 * request frame, the broker's request handler (fault script, counters, checks, properties, the stored record, the
 * offset message id) and encoding the response frame. The bench's ceiling row measures this broker, so what it costs
 * here bounds what the bench can show of a client.
 *
 *   npx tsx bench/broker-send.bench.ts [requests] [rounds]
 */
import { BrokerProcessor } from '../src/embedded/broker-processor.js';
import { FaultInjector } from '../src/embedded/fault-injector.js';
import { MessageStore } from '../src/embedded/message-store.js';
import { createFaultyHandler } from '../src/embedded/request-handler.js';
import { RequestStats } from '../src/embedded/request-stats.js';
import { decodeFramePayload, encodeFrameHead } from '../src/remoting/frame-codec.js';
import type { RemotingCommand } from '../src/remoting/remoting-command.js';
import type { ServerConnection } from '../src/remoting/remoting-server.js';
import { makeBody } from './lib/fixtures.js';
import { encodeCeilingFrame } from './scenarios/ceiling.js';

const requests = Number(process.argv[2] ?? 200_000);
const rounds = Number(process.argv[3] ?? 5);

const store = new MessageStore('127.0.0.1:10911', 10_000);
const processor = new BrokerProcessor({
  brokerName: 'broker-a',
  clusterName: 'DefaultCluster',
  address: '127.0.0.1:10911',
  version: '4.9',
  autoCreateTopic: true,
  queuesPerTopic: 4,
  maxMessageSize: 4 * 1024 * 1024,
  regionId: 'DefaultRegion',
  traceOn: true,
  rejectTransactionMessage: false,
  store,
});
const { handler } = createFaultyHandler(() => processor, new FaultInjector(), new RequestStats(false), 373);
const connection = { remoteAddress: '127.0.0.1:53210', closed: false } as unknown as ServerConnection;
const frames = [0, 1, 2, 3].map((queueId) => encodeCeilingFrame(makeBody(1024), 'broker-a', queueId).frame);

let sink = 0;
async function run(count: number): Promise<void> {
  for (let i = 0; i < count; i++) {
    const frame = frames[i & 3]!;
    const request = decodeFramePayload(frame, 4, frame.length);
    const answer = handler(request, connection);
    // A handler that answers later costs its promise and microtask too.
    const response = (answer instanceof Promise ? await answer : answer) as RemotingCommand;
    if (response.code !== 0) throw new Error(`broker answered ${response.code}: ${response.remark ?? ''}`);
    sink += encodeFrameHead(response).length;
  }
}

await run(20_000);
const perRequest: number[] = [];
for (let round = 0; round < rounds; round++) {
  const cpu0 = process.cpuUsage();
  await run(requests);
  const cpu = process.cpuUsage(cpu0);
  perRequest.push((cpu.user + cpu.system) / requests);
}
perRequest.sort((a, b) => a - b);
console.log(
  `broker send path: ${perRequest[Math.floor(rounds / 2)]!.toFixed(2)} µs CPU per 1 KiB SEND_MESSAGE_V2 (median of ${rounds} × ${requests}; ` +
    `rounds ${perRequest.map((x) => x.toFixed(2)).join(', ')})${sink === 0 ? '' : ''}`,
);
