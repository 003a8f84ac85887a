import assert from 'node:assert/strict';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { firstValueFrom, toArray, lastValueFrom } from 'rxjs';
import { Connection, parseAddress, type OutboundFrame, type QueuedFrame } from '../../src/remoting/connection.js';
import { encodeFrame, encodeFrameHead } from '../../src/remoting/frame-codec.js';
import { FrameDecoder } from '../../src/remoting/frame-decoder.js';
import { createRequest, SerializeType, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import type { RemotingError } from '../../src/errors.js';
import { unresponsiveListener } from '../helpers/unresponsive-listener.js';

interface Peer {
  server: Server;
  address: string;
  sockets: Socket[];
  received: RemotingCommand[];
}

async function peer(onSocket: (socket: Socket) => void = () => {}): Promise<Peer> {
  const sockets: Socket[] = [];
  const received: RemotingCommand[] = [];
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    const decoder = new FrameDecoder();
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk, (command) => received.push(command));
      } catch {
        socket.destroy();
      }
    });
    onSocket(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const bound = server.address();
  const port = typeof bound === 'object' && bound !== null ? bound.port : 0;
  return { server, address: `127.0.0.1:${port}`, sockets, received };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function until(condition: () => boolean, what: string): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > 5000) throw new Error(`timed out waiting for ${what}`);
    await sleep(1);
  }
}

class Frame implements OutboundFrame {
  cancelled = false;
  sentCount = 0;
  result: RemotingError | null | undefined = undefined;
  readonly head: Buffer;
  readonly body: Buffer | null;
  constructor(command: RemotingCommand) {
    this.head = encodeFrameHead(command);
    this.body = command.body;
  }
  sent(): void {
    this.sentCount++;
  }
  written = (error: RemotingError | null): void => {
    this.result = error;
  };
}

/** A frame queued by `enqueueCommand` that records when the connection lets go of its body. */
class LeasedFrame implements QueuedFrame {
  slab: Buffer = Buffer.alloc(0);
  slabStart = 0;
  slabEnd = 0;
  largeBody: Buffer | null = null;
  cancelled = false;
  sentCount = 0;
  releasedCount = 0;
  sent(): void {
    this.sentCount++;
  }
  released(): void {
    this.releasedCount++;
  }
}

describe('Connection', () => {
  const cleanup: (() => void)[] = [];
  afterEach(() => {
    for (const fn of cleanup.splice(0)) fn();
  });

  async function open(onSocket?: (socket: Socket) => void): Promise<{ p: Peer; connection: Connection }> {
    const p = await peer(onSocket);
    const connection = Connection.connect(p.address);
    cleanup.push(() => {
      connection.close();
      for (const socket of p.sockets) socket.destroy();
      p.server.close();
    });
    return { p, connection };
  }

  it('parses host:port addresses (IPv6 bracketed) and refuses others', () => {
    assert.deepEqual(parseAddress('127.0.0.1:9876'), { host: '127.0.0.1', port: 9876 });
    assert.deepEqual(parseAddress('[::1]:10911'), { host: '::1', port: 10911 });
    for (const bad of ['nohost', ':1', 'h:0', 'h:70000', 'h:x']) {
      assert.throws(() => parseAddress(bad), (error: RemotingError) => error.code === 'RMQ_ERR_REMOTING_CONNECT');
    }
  });

  it('queues writes while connecting and coalesces them; frames arrive in order', async () => {
    const { p, connection } = await open();
    assert.equal(connection.state, 'connecting');
    const big = Buffer.alloc(100_000, 3);
    for (let i = 0; i < 100; i++) connection.write(createRequest(1, { i: String(i) }, { opaque: i, body: i % 10 === 0 ? big : null }));
    await until(() => p.received.length === 100, 'the frames');
    assert.equal(connection.state, 'open');
    assert.deepEqual(
      p.received.map((c) => c.opaque),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.deepEqual(p.received[10]!.body, big);
  });

  it('writes exactly encodeFrame of each command: small and large bodies, heads larger than the write buffer, both serializations', async () => {
    const wire: Buffer[] = [];
    const { connection } = await open((socket) => socket.on('data', (chunk: Buffer) => wire.push(chunk)));
    const commands: RemotingCommand[] = [];
    for (let i = 0; i < 300; i++) {
      const body = i % 7 === 0 ? Buffer.alloc(5000 + i, i & 0xff) : i % 3 === 0 ? null : Buffer.alloc(i * 10, i & 0xff);
      const extFields: Record<string, string> = { i: String(i), p: 'UNIQ_KEY\u0001x\u0002WAIT\u0001true' };
      // Heads of 70 KB and 200 KB: larger than what is left of the write buffer, or than a whole one.
      if (i === 50) extFields.big = 'x'.repeat(70_000);
      if (i === 51) extFields.big = 'é'.repeat(100_000);
      commands.push(createRequest(1, extFields, { opaque: i, body, serializeType: i % 5 === 0 ? SerializeType.ROCKETMQ : SerializeType.JSON }));
    }
    for (const command of commands) connection.write(command);
    const expected = Buffer.concat(commands.map((command) => encodeFrame(command)));
    await until(() => wire.reduce((sum, chunk) => sum + chunk.length, 0) >= expected.length, 'the bytes');
    assert.ok(Buffer.concat(wire).equals(expected));
  });

  it('a command that cannot be encoded throws from write and queues nothing; the next ones go out', async () => {
    const { p, connection } = await open();
    const huge = createRequest(1, { big: 'x'.repeat(0x1000000) }, { opaque: 1 });
    assert.throws(() => connection.write(huge), RangeError);
    assert.throws(() => connection.write({ ...createRequest(1, null, { opaque: 2 }), code: 70_000, serializeType: SerializeType.ROCKETMQ }), RangeError);
    assert.equal(connection.queuedBytes, 0);
    connection.write(createRequest(1, null, { opaque: 3 }));
    await until(() => p.received.length === 1, 'the frame');
    assert.equal(p.received[0]!.opaque, 3);
  });

  it('skips frames cancelled before the flush and reports written frames', async () => {
    const { p, connection } = await open();
    const kept = new Frame(createRequest(1, null, { opaque: 1 }));
    const dropped = new Frame(createRequest(2, null, { opaque: 2 }));
    connection.enqueue(dropped);
    connection.enqueue(kept);
    dropped.cancelled = true;
    await until(() => kept.result !== undefined, 'the write');
    assert.equal(kept.result, null);
    assert.equal(kept.sentCount, 1);
    assert.equal(dropped.sentCount, 0);
    await sleep(10);
    assert.deepEqual(
      p.received.map((c) => c.opaque),
      [1],
    );
  });

  it('emits inbound commands and completes them, then reports the close as a value', async () => {
    const { connection } = await open((socket) => {
      socket.write(Buffer.concat([encodeFrame(createRequest(39, null, { opaque: 5 })), encodeFrame(createRequest(40, null, { opaque: 6 }))]));
      setTimeout(() => socket.end(), 20);
    });
    const commands = await lastValueFrom(connection.commands$.pipe(toArray()));
    assert.deepEqual(
      commands.map((c) => c.code),
      [39, 40],
    );
    const closed = await firstValueFrom(connection.closed$);
    assert.equal(closed.wasOpen, true);
    assert.equal(closed.error?.code, 'RMQ_ERR_REMOTING_SEND_REQUEST');
    assert.equal(connection.state, 'closed');
  });

  it('inbound bodies stay intact after later reads, split anywhere (the socket reads into one reused buffer)', async () => {
    const bodies = [Buffer.alloc(3000, 0x41), Buffer.alloc(70_000, 0x42), Buffer.from('tail'), Buffer.alloc(200_000, 0x43)];
    const stream = Buffer.concat(bodies.map((body, i) => encodeFrame(createRequest(100 + i, { i: String(i) }, { opaque: i, body }))));
    // Written in pieces that cut frames and length prefixes, each its own read on the client.
    const cuts = [1, 2, 3000, 3001, 40_000, 73_150, 73_200, 160_000, stream.length];
    const { connection } = await open(async (socket) => {
      let from = 0;
      for (const cut of cuts) {
        socket.write(stream.subarray(from, cut));
        from = cut;
        await sleep(5);
      }
      socket.end();
    });
    const commands = await lastValueFrom(connection.commands$.pipe(toArray()));
    assert.deepEqual(
      commands.map((c) => [c.code, c.extFields, c.body]),
      bodies.map((body, i) => [100 + i, { i: String(i) }, body]),
    );
  });

  it('closes with RMQ_ERR_REMOTING_PROTOCOL when the peer sends garbage (no exception escapes)', async () => {
    const { connection } = await open((socket) => socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 0, 0, 0, 0])));
    const closed = await firstValueFrom(connection.closed$);
    assert.equal(closed.error?.code, 'RMQ_ERR_REMOTING_PROTOCOL');
  });

  it('fails frames still queued at close with the close reason', async () => {
    const { connection } = await open();
    const frame = new Frame(createRequest(1));
    connection.enqueue(frame);
    connection.close();
    assert.equal(frame.result?.code, 'RMQ_ERR_REMOTING_SEND_REQUEST');
    const late = new Frame(createRequest(1));
    assert.equal(connection.enqueue(late), false);
    assert.equal(late.result?.code, 'RMQ_ERR_REMOTING_SEND_REQUEST');
    assert.equal((await firstValueFrom(connection.closed$)).error, null, 'a local close has no error');
  });

  it('a refused connect closes with RMQ_ERR_REMOTING_CONNECT and wasOpen false', async () => {
    const p = await peer();
    await new Promise((resolve) => p.server.close(resolve));
    const connection = Connection.connect(p.address);
    const closed = await firstValueFrom(connection.closed$);
    assert.equal(closed.wasOpen, false);
    assert.equal(closed.error?.code, 'RMQ_ERR_REMOTING_CONNECT');
  });

  it('a connect that hangs fails with RMQ_ERR_REMOTING_CONNECT after connectTimeoutMillis', async (t) => {
    const listener = await unresponsiveListener();
    try {
      if (listener.address === null) {
        t.skip('this kernel completes every connect');
        return;
      }
      const connection = Connection.connect(listener.address, { connectTimeoutMillis: 100 });
      const frame = new Frame(createRequest(1));
      connection.enqueue(frame);
      const started = performance.now();
      const closed = await firstValueFrom(connection.closed$);
      assert.ok(performance.now() - started >= 95);
      assert.equal(closed.wasOpen, false);
      assert.equal(closed.error?.code, 'RMQ_ERR_REMOTING_CONNECT');
      assert.equal(frame.result?.code, 'RMQ_ERR_REMOTING_CONNECT', 'queued frames fail with the connect error');
      assert.equal(frame.sentCount, 0);
    } finally {
      await listener.close();
    }
  });

  /** Queues 64 frames of 512 KiB to a peer that does not read, until the connection is blocked. */
  async function blockedWithLeasedFrames(): Promise<{ p: Peer; connection: Connection; handed: LeasedFrame[]; waiting: LeasedFrame[] }> {
    const { p, connection } = await open((socket) => socket.pause());
    const body = Buffer.alloc(512 * 1024, 2);
    const frames = Array.from({ length: 64 }, (_, i) => {
      const frame = new LeasedFrame();
      connection.enqueueCommand(frame, createRequest(1, null, { opaque: 10 + i, body }));
      assert.equal(frame.releasedCount, 0, 'a referenced body is not released as it is queued');
      assert.equal(frame.largeBody, body);
      return frame;
    });
    await sleep(200);
    assert.equal(connection.writeBlocked, true);
    const handed = frames.filter((frame) => frame.sentCount === 1);
    const waiting = frames.filter((frame) => frame.sentCount === 0);
    assert.ok(handed.length > 0 && waiting.length > 2, `${handed.length} handed to the socket, ${waiting.length} queued`);
    // Released: only frames the socket wrote to the kernel, in order; never one still queued here or in the socket.
    const released = frames.filter((frame) => frame.releasedCount > 0);
    assert.ok(released.every((frame) => frame.releasedCount === 1 && frame.sentCount === 1));
    assert.deepEqual(released, handed.slice(0, released.length), 'released in write order');
    assert.ok(released.length < handed.length, 'the socket still holds frames it has not written: they are not released');
    return { p, connection, handed, waiting };
  }

  it('released(): a body copied into the write buffer at once; a referenced one only once the socket wrote it', async () => {
    const { p, connection } = await open();
    const small = new LeasedFrame();
    connection.enqueueCommand(small, createRequest(1, null, { opaque: 1, body: Buffer.alloc(4096, 1) }));
    assert.equal(small.releasedCount, 1);
    assert.equal(small.largeBody, null);
    const none = new LeasedFrame();
    connection.enqueueCommand(none, createRequest(1, null, { opaque: 2 }));
    assert.equal(none.releasedCount, 1);
    const large = new LeasedFrame();
    connection.enqueueCommand(large, createRequest(1, null, { opaque: 3, body: Buffer.alloc(4097, 3) }));
    assert.equal(large.releasedCount, 0);
    await until(() => large.releasedCount === 1, 'the write');
    await until(() => p.received.length === 3, 'the frames');
    assert.deepEqual(p.received[2]!.body, Buffer.alloc(4097, 3));
    assert.equal(small.releasedCount + none.releasedCount + large.releasedCount, 3, 'each once');
  });

  it('released(): a blocked socket keeps bodies; a frame cancelled while queued is released when the flush skips it', async () => {
    const { p, handed, waiting } = await blockedWithLeasedFrames();
    const skipped = waiting[0]!;
    skipped.cancelled = true;
    assert.equal(skipped.releasedCount, 0, 'not before the flush');
    for (const socket of p.sockets) socket.resume();
    await until(() => [...handed, ...waiting].every((frame) => frame.releasedCount === 1), 'every frame released');
    assert.equal(skipped.sentCount, 0);
    await until(() => p.received.length === handed.length + waiting.length - 1, 'the frames');
    assert.ok(!p.received.some((command) => command.opaque === 10 + handed.length), 'the cancelled frame was not written');
    await sleep(20);
    assert.ok([...handed, ...waiting].every((frame) => frame.releasedCount === 1), 'exactly once');
  });

  it('released(): closing a blocked connection releases every frame it or its socket still held, exactly once', async () => {
    const { connection, handed, waiting } = await blockedWithLeasedFrames();
    connection.close();
    assert.ok(waiting.every((frame) => frame.releasedCount === 1), 'queued frames at once');
    await until(() => handed.every((frame) => frame.releasedCount === 1), 'the socket gave up its writes');
    const late = new LeasedFrame();
    assert.equal(connection.enqueueCommand(late, createRequest(1, null, { opaque: 99, body: Buffer.alloc(8192) })), 0);
    assert.equal(late.releasedCount, 1, 'a closed connection keeps nothing');
    await sleep(20);
    assert.ok([...handed, ...waiting].every((frame) => frame.releasedCount === 1), 'exactly once');
  });

  it('backpressure: when the peer stops reading, frames wait in the queue, not in the socket', async () => {
    const { p, connection } = await open((socket) => socket.pause());
    const body = Buffer.alloc(1024 * 1024, 1);
    const frames = Array.from({ length: 64 }, (_, i) => new Frame(createRequest(1, null, { opaque: i, body })));
    for (const frame of frames) connection.enqueue(frame);
    await sleep(200);
    assert.equal(connection.writeBlocked, true);
    assert.ok(connection.queuedBytes > 0);
    assert.ok(connection.socketBufferedBytes < 16 * body.length, `socket holds ${connection.socketBufferedBytes} bytes`);
    assert.ok(frames.some((frame) => frame.result === undefined));
    for (const socket of p.sockets) socket.resume();
    await until(() => frames.every((frame) => frame.result === null), 'all writes');
    await until(() => p.received.length === 64, 'all frames');
    assert.equal(connection.queuedBytes, 0);
  });
});
