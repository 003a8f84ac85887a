/**
 * Client CPU per round trip of `RemotingClient.invoke$`, windowed (N in flight) and one at a time, against a
 * minimal responder in a child process: `process.cpuUsage()` of this process then counts the client alone. A raw
 * socket writing pre-encoded frames and counting answers by their length prefix runs in the same process as the
 * floor of each case.
 *
 * The responder answers every request with the JSON response a 4.9 broker sends to SEND_MESSAGE_V2 (with the
 * request's opaque). Requests are built as the producer's are: a new `extFields` object with the V2 short keys
 * per request, a 1 KiB body.
 *
 *   npx tsx bench/remoting-cpu.bench.ts [--messages 200000] [--sync-messages 20000] [--in-flight 512] [--rounds 3]
 *   SRC=/path/to/other/checkout/src npx tsx bench/remoting-cpu.bench.ts   (the same bench against another tree)
 */
import { startMinimalResponder } from './lib/minimal-responder.js';
import { connect, type Socket } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RemotingClient as RemotingClientType } from '../src/remoting/remoting-client.js';
import type * as RemotingClientModule from '../src/remoting/remoting-client.js';
import type * as RemotingCommandModule from '../src/remoting/remoting-command.js';
import type * as FrameCodecModule from '../src/remoting/frame-codec.js';
import type * as HeaderCodecModule from '../src/remoting/header-codec.js';
import type { RemotingCommand } from '../src/remoting/remoting-command.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const MESSAGES = option('messages', 200_000);
const SYNC_MESSAGES = option('sync-messages', 20_000);
const IN_FLIGHT = option('in-flight', 512);
const ROUNDS = option('rounds', 3);
/** `--only invoke` runs the invoke$ cases alone (for a profile). */
const ONLY = args.includes('--only') ? args[args.indexOf('--only') + 1] : null;

const src = process.env.SRC === undefined ? new URL('../src/', import.meta.url) : pathToFileURL(resolvePath(process.env.SRC) + '/');
const { RemotingClient } = (await import(new URL('remoting/remoting-client.ts', src).href)) as typeof RemotingClientModule;
const { createRequest, createResponse, SerializeType } = (await import(
  new URL('remoting/remoting-command.ts', src).href
)) as typeof RemotingCommandModule;
const { encodeFrame } = (await import(new URL('remoting/frame-codec.ts', src).href)) as typeof FrameCodecModule;
const { jsonHeaderText } = (await import(new URL('remoting/header-codec.ts', src).href)) as typeof HeaderCodecModule;

const BODY = Buffer.alloc(1024, 0x61);
const QUEUE_IDS = ['0', '1', '2', '3'];
const BORN = String(Date.now());
const PROPERTIES = 'UNIQ_KEY\u0001C0A8000230391B6D358647B760000000\u0002WAIT\u0001true';
const newRequest = (index: number): RemotingCommand =>
  createRequest(
    310,
    {
      a: 'BenchGroup',
      b: 'BenchTopic',
      c: 'TBW102',
      d: '4',
      e: QUEUE_IDS[index & 3]!,
      f: '0',
      g: BORN,
      h: '0',
      i: PROPERTIES,
      j: '0',
      k: 'false',
      m: 'false',
      n: 'broker-a',
    },
    { body: BODY },
  );

// The 4.9 broker's SEND_MESSAGE_V2 response, split around its opaque.
const RESPONSE = jsonHeaderText(
  createResponse({ opaque: 0x7ead, serializeType: SerializeType.JSON }, 0, {
    extFields: { queueId: '1', TRACE_ON: 'true', MSG_REGION: 'DefaultRegion', msgId: '7F00000100002A9F0000000000001234', queueOffset: '7' },
  }),
).split(String(0x7ead));

/** Windowed invoke$: `inFlight` outstanding until `count` completed. */
function invokeWindowed(client: RemotingClientType, address: string, count: number, inFlight: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let issued = 0;
    let completed = 0;
    const observer = {
      next: (response: RemotingCommand): void => {
        if (response.code !== 0) reject(new Error(`response code ${response.code}`));
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
    for (let i = 0; i < inFlight && i < count; i++) issue();
  });
}

/** One invoke$ at a time, the next subscribed when the previous completed. */
function invokeSequential(client: RemotingClientType, address: string, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let index = 0;
    const observer = {
      next: (response: RemotingCommand): void => {
        if (response.code !== 0) reject(new Error(`response code ${response.code}`));
      },
      error: reject,
      complete: (): void => {
        if (++index === count) resolve();
        else client.invoke$(address, newRequest(index), 3000).subscribe(observer);
      },
    };
    client.invoke$(address, newRequest(index), 3000).subscribe(observer);
  });
}

/** Pre-encoded frames on a raw socket, answers counted by length prefix: the floor. */
async function rawRun(address: string, count: number, inFlight: number): Promise<void> {
  const [host, port] = address.split(':') as [string, string];
  const socket: Socket = connect(Number(port), host);
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const frame = encodeFrame(newRequest(0));
  let completed = 0;
  let issued = 0;
  let pending: Buffer | null = null;
  await new Promise<void>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      const buf = pending === null ? chunk : Buffer.concat([pending, chunk]);
      let pos = 0;
      let answered = 0;
      while (buf.length - pos >= 4) {
        const size = buf.readInt32BE(pos) + 4;
        if (buf.length - pos < size) break;
        pos += size;
        answered++;
      }
      pending = pos < buf.length ? buf.subarray(pos) : null;
      completed += answered;
      if (completed === count) return resolve();
      const more = Math.min(answered, count - issued);
      if (more > 0) {
        issued += more;
        const frames: Buffer[] = [];
        for (let i = 0; i < more; i++) frames.push(frame);
        socket.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames));
      }
    });
    const first = Math.min(inFlight, count);
    issued = first;
    const frames: Buffer[] = [];
    for (let i = 0; i < first; i++) frames.push(frame);
    socket.write(Buffer.concat(frames));
  });
  socket.destroy();
}

async function cpuPerOp(count: number, run: () => Promise<void>): Promise<{ cpu: number; wall: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  await run();
  const wall = performance.now() - start;
  const used = process.cpuUsage(cpu);
  return { cpu: (used.user + used.system) / count, wall: (wall * 1000) / count };
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const responder = await startMinimalResponder(RESPONSE);
const client = new RemotingClient();
try {
  await client.invoke(responder.address, newRequest(0), 3000);
  // Warm-up: JIT, connection.
  await invokeWindowed(client, responder.address, 20_000, IN_FLIGHT);
  await invokeSequential(client, responder.address, 2_000);
  await rawRun(responder.address, 20_000, IN_FLIGHT);
  const results: Record<string, number[]> = { raw: [], 'invoke$': [], 'raw sync': [], 'invoke$ sync': [] };
  const walls: Record<string, number[]> = { raw: [], 'invoke$': [], 'raw sync': [], 'invoke$ sync': [] };
  const record = (name: string, r: { cpu: number; wall: number }): void => {
    results[name]!.push(r.cpu);
    walls[name]!.push(r.wall);
  };
  for (let round = 0; round < ROUNDS; round++) {
    if (ONLY === null) record('raw', await cpuPerOp(MESSAGES, () => rawRun(responder.address, MESSAGES, IN_FLIGHT)));
    record('invoke$', await cpuPerOp(MESSAGES, () => invokeWindowed(client, responder.address, MESSAGES, IN_FLIGHT)));
    if (ONLY === null) record('raw sync', await cpuPerOp(SYNC_MESSAGES, () => rawRun(responder.address, SYNC_MESSAGES, 1)));
    record('invoke$ sync', await cpuPerOp(SYNC_MESSAGES, () => invokeSequential(client, responder.address, SYNC_MESSAGES)));
  }
  console.log(`client CPU per round trip, 1 KiB body, ${ROUNDS} rounds (median; all rounds), src ${src.pathname}`);
  for (const name of Object.keys(results)) {
    const cpu = results[name]!;
    if (cpu.length === 0) continue;
    console.log(
      `${name.padEnd(13)} ${median(cpu).toFixed(2).padStart(7)} µs CPU  (${cpu.map((v) => v.toFixed(2)).join(' / ')})  wall ${median(walls[name]!).toFixed(2)} µs`,
    );
  }
} finally {
  await client.close();
  responder.stop();
}
