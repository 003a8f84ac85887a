/**
 * Round trips per second on loopback: `RemotingClient.invoke$` against a raw-socket baseline, in the same run and
 * against the same server, with N requests in flight.
 *
 * The server is the bench's minimal responder (`lib/minimal-responder.ts`), in a child process so that its CPU does
 * not compete with the client's event loop. It parses frames minimally (length prefix, opaque) and answers each with
 * the JSON response a 4.9 broker sends to SEND_MESSAGE_V2 (spec §16 (b)), built from a template with the request's
 * opaque. The baseline client writes pre-encoded request frames and only counts the
 * response frames by their length prefixes: that is the "raw frame" ceiling the client is measured against.
 *
 *   npx tsx bench/remoting.bench.ts [seconds-per-case]
 */
import { connect, type Socket } from 'node:net';
import { startMinimalResponder } from './lib/minimal-responder.js';
import { RemotingClient } from '../src/remoting/remoting-client.js';
import { encodeFrame, encodeFrameHead } from '../src/remoting/frame-codec.js';
import { FrameDecoder } from '../src/remoting/frame-decoder.js';
import { jsonHeaderText } from '../src/remoting/header-codec.js';
import { createRequest, createResponse, SerializeType, type RemotingCommand } from '../src/remoting/remoting-command.js';

const SECONDS = Number(process.argv[2] ?? 2);
const WARMUP_MILLIS = 500;
const IN_FLIGHT = [1, 16, 128, 1024];

// A typical SEND_MESSAGE_V2 exchange: header as the producer writes it, a 128-byte body.
const BODY = Buffer.alloc(128, 0x61);
const EXT = {
  a: 'BenchGroup',
  b: 'BenchTopic',
  c: 'TBW102',
  d: '4',
  e: '1',
  f: '0',
  g: '1700000000000',
  h: '0',
  i: 'UNIQ_KEY\u0001C0A8000230391B6D358647B760000000\u0002WAIT\u0001true',
  j: '0',
  k: 'false',
  m: 'false',
  n: 'broker-a',
};
const newRequest = (): RemotingCommand => createRequest(310, EXT, { body: BODY });

// The §16 (b) broker response, split around its opaque.
const RESPONSE_HEADER = jsonHeaderText(
  createResponse({ opaque: 0x7ead, serializeType: SerializeType.JSON }, 0, {
    extFields: { queueId: '1', TRACE_ON: 'true', MSG_REGION: 'DefaultRegion', msgId: '7F00000100002A9F0000000000001234', queueOffset: '7' },
  }),
).split(String(0x7ead));

interface Result {
  roundTrips: number;
  perSecond: number;
  heapDeltaMiB: number;
}

async function measure(run: (stopAt: () => boolean) => Promise<number>): Promise<Result> {
  await run(deadline(WARMUP_MILLIS));
  globalThis.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  const start = performance.now();
  const roundTrips = await run(deadline(SECONDS * 1000));
  const elapsed = (performance.now() - start) / 1000;
  return {
    roundTrips,
    perSecond: roundTrips / elapsed,
    heapDeltaMiB: (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024,
  };
}

function deadline(millis: number): () => boolean {
  const end = performance.now() + millis;
  let calls = 0;
  let over = false;
  return () => {
    // performance.now() per round trip is cheap, but checking every 64th keeps the loop honest.
    if (!over && (++calls & 63) === 0) over = performance.now() >= end;
    return over;
  };
}

/** The baseline: pre-encoded request frames, response frames counted by their length prefixes only. */
async function rawRun(address: string, inFlight: number, stopAt: () => boolean): Promise<number> {
  const [host, port] = address.split(':') as [string, string];
  const socket: Socket = connect(Number(port), host);
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const frame = encodeFrame(newRequest());
  let completed = 0;
  let outstanding = 0;
  let stopping = false;
  let pending: Buffer | null = null;
  return new Promise<number>((resolve) => {
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
      outstanding -= answered;
      if (!stopping && stopAt()) stopping = true;
      if (!stopping) {
        const more: Buffer[] = [];
        for (let i = 0; i < answered; i++) more.push(frame);
        outstanding += answered;
        socket.write(more.length === 1 ? more[0]! : Buffer.concat(more));
      }
      if (stopping && outstanding === 0) {
        socket.destroy();
        resolve(completed);
      }
    });
    const first: Buffer[] = [];
    for (let i = 0; i < inFlight; i++) first.push(frame);
    outstanding = inFlight;
    socket.write(Buffer.concat(first));
  });
}

/**
 * A second baseline: the same raw loop, but encoding each request and decoding each response with the codec
 * (`encodeFrameHead`, `FrameDecoder`): what is left between it and invoke$ is the client itself (RxJS,
 * correlation, timers, connection management).
 */
async function codecRun(address: string, inFlight: number, stopAt: () => boolean): Promise<number> {
  const [host, port] = address.split(':') as [string, string];
  const socket: Socket = connect(Number(port), host);
  socket.setNoDelay(true);
  await new Promise((resolve) => socket.once('connect', resolve));
  const decoder = new FrameDecoder();
  let completed = 0;
  let outstanding = 0;
  let stopping = false;
  const encode = (): Buffer => {
    const request = newRequest();
    return Buffer.concat([encodeFrameHead(request), request.body!]);
  };
  return new Promise<number>((resolve) => {
    socket.on('data', (chunk: Buffer) => {
      let answered = 0;
      decoder.push(chunk, () => answered++);
      completed += answered;
      outstanding -= answered;
      if (!stopping && stopAt()) stopping = true;
      if (!stopping) {
        const more: Buffer[] = [];
        for (let i = 0; i < answered; i++) more.push(encode());
        outstanding += answered;
        socket.write(more.length === 1 ? more[0]! : Buffer.concat(more));
      }
      if (stopping && outstanding === 0) {
        socket.destroy();
        resolve(completed);
      }
    });
    const first: Buffer[] = [];
    for (let i = 0; i < inFlight; i++) first.push(encode());
    outstanding = inFlight;
    socket.write(Buffer.concat(first));
  });
}

/** The product: N concurrent invoke$ loops, each subscribing the next request when its response arrived. */
function invokeRun(client: RemotingClient, address: string, inFlight: number, stopAt: () => boolean): Promise<number> {
  let completed = 0;
  let active = inFlight;
  return new Promise<number>((resolve, reject) => {
    const observer = {
      next: (): void => {
        completed++;
      },
      error: reject,
      complete: (): void => {
        if (stopAt()) {
          if (--active === 0) resolve(completed);
          return;
        }
        client.invoke$(address, newRequest(), 3000).subscribe(observer);
      },
    };
    for (let i = 0; i < inFlight; i++) client.invoke$(address, newRequest(), 3000).subscribe(observer);
  });
}

async function main(): Promise<void> {
  const server = await startMinimalResponder(RESPONSE_HEADER);
  const client = new RemotingClient();
  await client.invoke(server.address, newRequest(), 3000);
  console.log(`remoting round trips on loopback, ${SECONDS} s per case, server in a child process (node ${process.version})`);
  console.log('in flight | raw frames rt/s | raw+codec rt/s | invoke$ rt/s | invoke$/raw | invoke$/raw+codec | invoke$ heap Δ MiB');
  const cell = (value: number, width: number, digits = 0): string => value.toFixed(digits).padStart(width);
  for (const inFlight of IN_FLIGHT) {
    const raw = await measure((stopAt) => rawRun(server.address, inFlight, stopAt));
    const codec = await measure((stopAt) => codecRun(server.address, inFlight, stopAt));
    const rx = await measure((stopAt) => invokeRun(client, server.address, inFlight, stopAt));
    console.log(
      [
        cell(inFlight, 9),
        cell(raw.perSecond, 15),
        cell(codec.perSecond, 14),
        cell(rx.perSecond, 12),
        cell(rx.perSecond / raw.perSecond, 11, 2),
        cell(rx.perSecond / codec.perSecond, 17, 2),
        cell(rx.heapDeltaMiB, 18, 1),
      ].join(' | '),
    );
  }
  await client.close();
  server.stop();
}

await main();
