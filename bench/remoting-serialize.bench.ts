/**
 * Client CPU per `RemotingClient.invoke$` round trip with JSON vs ROCKETMQ headers, interleaved in one process,
 * against a minimal responder in a child process (so `process.cpuUsage()` counts the client alone). The responder
 * answers each request in its own serialization with the 4.9 broker's SEND_MESSAGE_V2 SUCCESS answer (fields in the
 * order 4.9 writes them), as a 4.9 broker does. Requests are built as the producer's are (a new V2 `extFields` per
 * request, a 1 KiB body).
 *
 *   npx tsx bench/remoting-serialize.bench.ts [--messages 100000] [--in-flight 512] [--rounds 5]
 */
import { startMinimalResponder } from './lib/minimal-responder.js';
import { encodeFrame } from '../src/remoting/frame-codec.js';
import { jsonHeaderText } from '../src/remoting/header-codec.js';
import { RemotingClient } from '../src/remoting/remoting-client.js';
import { createRequest, createResponse, SerializeType, type RemotingCommand, type SerializeTypeValue } from '../src/remoting/remoting-command.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const MESSAGES = option('messages', 100_000);
const IN_FLIGHT = option('in-flight', 512);
const ROUNDS = option('rounds', 5);

const BODY = Buffer.alloc(1024, 0x61);
const QUEUE_IDS = ['0', '1', '2', '3'];
const BORN = String(Date.now());
const PROPERTIES = 'UNIQ_KEY\u0001C0A8000230391B6D358647B760000000\u0002WAIT\u0001true';
const newRequest = (index: number): RemotingCommand =>
  createRequest(
    310,
    { a: 'BenchGroup', b: 'BenchTopic', c: 'TBW102', d: '4', e: QUEUE_IDS[index & 3]!, f: '0', g: BORN, h: '0', i: PROPERTIES, j: '0', k: 'false', m: 'false', n: 'broker-a' },
    { body: BODY },
  );

const MSG_ID = '7F00000100002A9F0000000000001234';
const JSON_PARTS = jsonHeaderText(
  createResponse({ opaque: 0x7ead, serializeType: SerializeType.JSON }, 0, {
    extFields: { queueId: '1', TRACE_ON: 'true', MSG_REGION: 'DefaultRegion', msgId: MSG_ID, queueOffset: '7' },
  }),
).split(String(0x7ead));
const BINARY_FRAME = encodeFrame(
  createResponse({ opaque: 0, serializeType: SerializeType.ROCKETMQ }, 0, {
    extFields: { msgId: MSG_ID, queueId: '1', queueOffset: '7', TRACE_ON: 'true', MSG_REGION: 'DefaultRegion' },
  }),
);

const responder = await startMinimalResponder(JSON_PARTS, BINARY_FRAME);
const address = responder.address;

function invokeWindowed(client: RemotingClient, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let issued = 0;
    let completed = 0;
    const observer = {
      next: (response: RemotingCommand): void => {
        if (response.code !== 0 || response.extFields?.msgId !== MSG_ID) reject(new Error(`bad response ${response.code}`));
      },
      error: reject,
      complete: (): void => {
        if (++completed === count) resolve();
        else if (issued < count) issue();
      },
    };
    const issue = (): void => {
      const index = issued++;
      client.invoke$(address, newRequest(index), 3000, { async: true }).subscribe(observer);
    };
    for (let i = 0; i < IN_FLIGHT && i < count; i++) issue();
  });
}

const clients = new Map<string, RemotingClient>(
  (['JSON', 'ROCKETMQ'] as const).map((name) => [name, new RemotingClient({ serializeType: SerializeType[name] as SerializeTypeValue })]),
);
const results = new Map<string, number[]>([...clients.keys()].map((name) => [name, []]));
try {
  for (const client of clients.values()) await invokeWindowed(client, 20_000);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, client] of clients) {
      const cpu = process.cpuUsage();
      await invokeWindowed(client, MESSAGES);
      const used = process.cpuUsage(cpu);
      results.get(name)!.push((used.user + used.system) / MESSAGES);
    }
  }
  console.log(`client CPU µs per invoke$ round trip, 1 KiB body, ${IN_FLIGHT} in flight, ${ROUNDS} interleaved rounds (median; all rounds):`);
  for (const [name, values] of results) {
    const sorted = [...values].sort((a, b) => a - b);
    console.log(`  ${name.padEnd(9)} ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2).padStart(6)}  (${values.map((v) => v.toFixed(2)).join(' / ')})`);
  }
} finally {
  for (const client of clients.values()) await client.close();
  responder.stop();
}
