/**
 * CPU per request of the remoting client alone, no sockets: `RemotingClient.invoke$` over a `Connection` whose socket
 * is a stand-in that keeps what is written and answers with the frames a 4.9 broker sends to SEND_MESSAGE_V2, fed
 * back through the connection's frame decoder. What is measured: `invoke$`, subscription, correlation, the frame
 * encoding into the write buffer, the flush, decoding and dispatching the responses. Not measured: system calls and
 * the event loop, which the end-to-end rows add (and which vary with the machine's load).
 *
 * Windowed (512 in flight, answered a write batch at a time) and one at a time.
 *
 *   npx tsx bench/remoting-client.bench.ts [--messages 200000] [--rounds 5]
 *   SRC=/path/to/other/checkout/src,src npx tsx bench/remoting-client.bench.ts
 *     (interleaved A/B: each tree's code loaded into this process, rounds alternating between them)
 */
import { EventEmitter } from 'node:events';
import { resolve as resolvePath } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type * as RemotingClientModule from '../src/remoting/remoting-client.js';
import type * as ConnectionModule from '../src/remoting/connection.js';
import type * as ClientChannelModule from '../src/remoting/client-channel.js';
import type * as RemotingCommandModule from '../src/remoting/remoting-command.js';
import type * as HeaderCodecModule from '../src/remoting/header-codec.js';
import type { RemotingCommand } from '../src/remoting/remoting-command.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const at = args.indexOf(`--${name}`);
  return at >= 0 ? Number(args[at + 1]) : fallback;
};
const MESSAGES = option('messages', 200_000);
const SYNC_MESSAGES = option('sync-messages', Math.floor(MESSAGES / 4));
const IN_FLIGHT = option('in-flight', 512);
const ROUNDS = option('rounds', 5);

const sources = (process.env.SRC ?? fileURLToPath(new URL('../src/', import.meta.url))).split(',');
const OPAQUE_KEY = Buffer.from('"opaque":');
const BODY = Buffer.alloc(1024, 0x61);
const QUEUE_IDS = ['0', '1', '2', '3'];
const BORN = Date.now();
// As a producer's: a bornTimestamp and a UNIQ_KEY of its own per request (the end-to-end `invoke$` row's are too).
const properties = (index: number): string => `UNIQ_KEY\u0001C0A8000230391B6D358647B7${String(6_000_000_000 + index)}\u0002WAIT\u0001true`;

/** Stands in for the socket: keeps the opaques of what is written, answers them in one chunk on `respond()`. */
class FakeSocket extends EventEmitter {
  remoteAddress = '127.0.0.1';
  remotePort = 10911;
  writableLength = 0;
  private opaques: number[] = [];
  constructor(
    private readonly before: string,
    private readonly after: string,
  ) {
    super();
  }
  setNoDelay(): void {}
  cork(): void {}
  uncork(): void {}
  destroy(): void {}
  end(): void {}
  pause(): void {}
  resume(): void {}
  write(chunk: Buffer, callback?: (error?: Error | null) => void): boolean {
    // Frames are whole in every write here: walk their length prefixes, read each opaque from its JSON header.
    let pos = 0;
    while (pos < chunk.length) {
      const size = chunk.readInt32BE(pos) + 4;
      const at = chunk.indexOf(OPAQUE_KEY, pos + 8) + OPAQUE_KEY.length;
      let end = at;
      while (chunk[end] !== 0x2c && chunk[end] !== 0x7d) end++;
      this.opaques.push(Number(chunk.toString('latin1', at, end)));
      pos += size;
    }
    if (callback !== undefined) queueMicrotask(() => callback(null));
    return true;
  }
  /** Delivers the answers to everything written so far as one chunk. */
  respond(): void {
    const opaques = this.opaques;
    if (opaques.length === 0) return;
    this.opaques = [];
    const headers = opaques.map((opaque) => this.before + opaque + this.after);
    let total = 0;
    for (const header of headers) total += 8 + header.length;
    const chunk = Buffer.allocUnsafe(total);
    let pos = 0;
    for (const header of headers) {
      chunk.writeInt32BE(4 + header.length, pos);
      chunk.writeInt32BE(header.length, pos + 4);
      chunk.write(header, pos + 8, 'latin1');
      pos += 8 + header.length;
    }
    this.emit('data', chunk);
  }
}

/** One tree's client over a fake socket; `run(count, inFlight)` sends `count` requests, `inFlight` at a time. */
async function setup(dir: string): Promise<{ run: (count: number, inFlight: number) => Promise<void>; close: () => Promise<void> }> {
  const src = pathToFileURL(resolvePath(dir) + '/');
  const load = async <T>(path: string): Promise<T> => (await import(new URL(path, src).href)) as T;
  const { RemotingClient } = await load<typeof RemotingClientModule>('remoting/remoting-client.ts');
  const { Connection } = await load<typeof ConnectionModule>('remoting/connection.ts');
  const { ClientChannel } = await load<typeof ClientChannelModule>('remoting/client-channel.ts');
  const { createRequest, createResponse, SerializeType } = await load<typeof RemotingCommandModule>('remoting/remoting-command.ts');
  const { jsonHeaderText } = await load<typeof HeaderCodecModule>('remoting/header-codec.ts');
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
        g: String(BORN + (index >> 4)),
        h: '0',
        i: properties(index),
        j: '0',
        k: 'false',
        m: 'false',
        n: 'broker-a',
      },
      { body: BODY },
    );
  // The 4.9 broker's SEND_MESSAGE_V2 response, split around its opaque.
  const [before, after] = jsonHeaderText(
    createResponse({ opaque: 0x7ead, serializeType: SerializeType.JSON }, 0, {
      extFields: { queueId: '1', TRACE_ON: 'true', MSG_REGION: 'DefaultRegion', msgId: '7F00000100002A9F0000000000001234', queueOffset: '7' },
    }),
  ).split(String(0x7ead)) as [string, string];
  const socket = new FakeSocket(before, after);
  const connection = Connection.fromSocket(socket as never);
  const channel = new ClientChannel('127.0.0.1:10911', connection);
  class BenchClient extends RemotingClient {
    override channelFor(): InstanceType<typeof ClientChannel> {
      return channel;
    }
  }
  const client = new BenchClient();
  // What the client does with a response (its peer-version bookkeeping aside): correlate it.
  const onResponse = (command: RemotingCommand): void => void channel.table.resolve(command);
  const wire = connection as unknown as { listen?: (listener: (command: RemotingCommand) => void) => void };
  if (typeof wire.listen === 'function') wire.listen(onResponse);
  else connection.commands$.subscribe(onResponse);

  /** The broker answering each write batch on the next turn of the event loop. */
  const pump = (done: () => boolean): Promise<void> =>
    new Promise((resolve) => {
      const turn = (): void => {
        socket.respond();
        if (done()) resolve();
        else setImmediate(turn);
      };
      setImmediate(turn);
    });

  const run = async (count: number, inFlight: number): Promise<void> => {
    let issued = 0;
    let completed = 0;
    const observer = {
      next: (response: RemotingCommand): void => {
        if (response.code !== 0) throw new Error(`response code ${response.code}`);
      },
      error: (error: unknown): void => {
        throw error;
      },
      complete: (): void => {
        completed++;
        if (issued < count) issue();
      },
    };
    const issue = (): void => {
      const index = issued++;
      client.invoke$('127.0.0.1:10911', newRequest(index), 3000, { async: true }).subscribe(observer);
    };
    for (let i = 0; i < inFlight && i < count; i++) issue();
    await pump(() => completed === count);
  };
  return { run, close: () => client.close() };
}

function cpuPerOp(count: number, run: () => Promise<void>): Promise<number> {
  const before = process.cpuUsage();
  return run().then(() => {
    const used = process.cpuUsage(before);
    return (used.user + used.system) / count;
  });
}

const median = (values: number[]): number => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;

const trees = await Promise.all(sources.map(async (dir) => ({ dir, ...(await setup(dir)) })));
for (const tree of trees) {
  await tree.run(50_000, IN_FLIGHT);
  await tree.run(5_000, 1);
}
if (args.includes('--alloc')) {
  // Bytes allocated per request (V8's sampling heap profiler, counting what GCs already collected), by function.
  const { Session } = await import('node:inspector/promises');
  type Node = { selfSize: number; children: Node[]; callFrame: { functionName: string; url: string; lineNumber: number } };
  for (const tree of trees) {
    const session = new Session();
    session.connect();
    await session.post('HeapProfiler.startSampling', { samplingInterval: 128, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true } as never);
    await tree.run(MESSAGES, IN_FLIGHT);
    const { profile } = (await session.post('HeapProfiler.stopSampling')) as unknown as { profile: { head: Node } };
    session.disconnect();
    let total = 0;
    const byFn = new Map<string, number>();
    (function walk(node: Node): void {
      total += node.selfSize;
      const key = `${node.callFrame.functionName || '(anon)'} ${node.callFrame.url.split('/').slice(-2).join('/')}:${node.callFrame.lineNumber}`;
      byFn.set(key, (byFn.get(key) ?? 0) + node.selfSize);
      for (const child of node.children) walk(child);
    })(profile.head);
    console.log(`${tree.dir}: allocated per request: ${(total / MESSAGES).toFixed(0)} bytes (${IN_FLIGHT} in flight)`);
    for (const [k, v] of [...byFn].sort((a, b) => b[1] - a[1]).slice(0, 15)) console.log(`${(v / MESSAGES).toFixed(0).padStart(7)}  ${k}`);
  }
  process.exit(0);
}
const results = trees.map(() => ({ windowed: [] as number[], single: [] as number[] }));
for (let round = 0; round < ROUNDS; round++) {
  for (let t = 0; t < trees.length; t++) results[t]!.windowed.push(await cpuPerOp(MESSAGES, () => trees[t]!.run(MESSAGES, IN_FLIGHT)));
  for (let t = 0; t < trees.length; t++) results[t]!.single.push(await cpuPerOp(SYNC_MESSAGES, () => trees[t]!.run(SYNC_MESSAGES, 1)));
}
console.log(`remoting client CPU per request, no sockets, 1 KiB body, ${ROUNDS} interleaved rounds (median, min; all rounds)`);
const line = (name: string, values: number[]): string =>
  `  ${name.padEnd(22)} median ${median(values).toFixed(2).padStart(6)} µs, min ${Math.min(...values).toFixed(2)}  (${values.map((v) => v.toFixed(2)).join(' / ')})`;
trees.forEach((tree, t) => {
  console.log(tree.dir);
  console.log(line(`${IN_FLIGHT} in flight`, results[t]!.windowed));
  console.log(line('one at a time', results[t]!.single));
});
for (const tree of trees) await tree.close();
