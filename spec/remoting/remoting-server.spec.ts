import assert from 'node:assert/strict';
import { connect, type Socket } from 'node:net';
import { afterEach, describe, it } from 'node:test';
import { encodeFrame } from '../../src/remoting/frame-codec.js';
import { FrameDecoder } from '../../src/remoting/frame-decoder.js';
import { createRequest, createResponse, SerializeType, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { RemotingServer, type RequestHandler } from '../../src/remoting/remoting-server.js';
import { ResponseCode } from '../../src/remoting/response-code.js';

/** A raw-socket client: writes bytes, collects decoded frames, reports the close. */
class RawClient {
  readonly received: RemotingCommand[] = [];
  readonly closed: Promise<void>;
  private readonly decoder = new FrameDecoder();
  private waiters: (() => void)[] = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.decoder.push(chunk, (command) => this.received.push(command));
      for (const waiter of this.waiters.splice(0)) waiter();
    });
    socket.on('error', () => {});
    this.closed = new Promise((resolve) => socket.on('close', () => resolve()));
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = connect(port, '127.0.0.1', () => resolve(new RawClient(socket)));
      socket.once('error', reject);
    });
  }

  async waitFor(count: number): Promise<RemotingCommand[]> {
    while (this.received.length < count) await new Promise<void>((resolve) => this.waiters.push(resolve));
    return this.received;
  }

  send(command: RemotingCommand): void {
    this.socket.write(encodeFrame(command));
  }
}

describe('RemotingServer', () => {
  let server: RemotingServer | null = null;
  let client: RawClient | null = null;

  afterEach(async () => {
    client?.socket.destroy();
    client = null;
    await server?.close();
    server = null;
  });

  async function start(handler: RequestHandler): Promise<RawClient> {
    server = new RemotingServer(handler);
    const port = await server.listen(0);
    assert.ok(port > 0);
    assert.equal(server.address, `127.0.0.1:${port}`);
    client = await RawClient.open(port);
    return client;
  }

  it('answers requests with the handler result (sync and async), echoing the opaque', async () => {
    const raw = await start((request) =>
      request.code === 1
        ? createResponse(request, ResponseCode.SUCCESS, { remark: 'sync' })
        : Promise.resolve(createResponse(request, ResponseCode.SUCCESS, { remark: 'async' })),
    );
    raw.send(createRequest(1, null, { opaque: 11 }));
    raw.send(createRequest(2, { k: 'v' }, { opaque: 12 }));
    const [first, second] = await raw.waitFor(2);
    assert.equal(first!.opaque, 11);
    assert.equal(first!.remark, 'sync');
    assert.equal(first!.flag & 1, 1);
    assert.equal(second!.opaque, 12);
    assert.equal(second!.remark, 'async');
  });

  it('turns a throwing or rejecting handler into SYSTEM_ERROR with the message as remark', async () => {
    const raw = await start((request) => {
      if (request.code === 1) throw new Error('boom');
      return Promise.reject(new Error('later boom'));
    });
    raw.send(createRequest(1, null, { opaque: 1 }));
    raw.send(createRequest(2, null, { opaque: 2 }));
    const responses = await raw.waitFor(2);
    assert.deepEqual(
      responses.map((r) => [r.opaque, r.code, r.remark]),
      [
        [1, ResponseCode.SYSTEM_ERROR, 'boom'],
        [2, ResponseCode.SYSTEM_ERROR, 'later boom'],
      ],
    );
  });

  it('answers SYSTEM_ERROR when the handler returns a response that cannot be encoded', async () => {
    const raw = await start((request) =>
      // code 99999 does not fit the int16 of a ROCKETMQ header
      createResponse(request, 99999, { serializeType: SerializeType.ROCKETMQ }),
    );
    raw.send(createRequest(1, null, { opaque: 3 }));
    const [response] = await raw.waitFor(1);
    assert.equal(response!.opaque, 3);
    assert.equal(response!.code, ResponseCode.SYSTEM_ERROR);
  });

  it('never answers oneway requests, and null results write nothing', async () => {
    const seen: number[] = [];
    const raw = await start((request) => {
      seen.push(request.opaque);
      if (request.code === 3) return null;
      return createResponse(request, ResponseCode.SUCCESS);
    });
    raw.send(createRequest(1, null, { opaque: 1, oneway: true }));
    raw.send(createRequest(3, null, { opaque: 2 }));
    raw.send(createRequest(1, null, { opaque: 3 }));
    const responses = await raw.waitFor(1);
    assert.deepEqual(seen, [1, 2, 3]);
    assert.deepEqual(
      responses.map((r) => r.opaque),
      [3],
    );
  });

  it('closes a connection that sends garbage or an oversized frame, and keeps serving others', async () => {
    const raw = await start((request) => createResponse(request, ResponseCode.SUCCESS));
    raw.socket.write(Buffer.from([0x7f, 0xff, 0xff, 0xff, 1, 2, 3, 4]));
    await raw.closed;
    const garbage = await RawClient.open(server!.port);
    garbage.socket.write(Buffer.from([0, 0, 0, 1, 0, 0, 0, 4, 0x7b, 0x7b, 0x7b, 0x7b])); // length 1: no frame
    await garbage.closed;
    // A well-framed frame with an undecodable JSON header ("{{{{") is skipped; the connection goes on.
    const skipped = await RawClient.open(server!.port);
    skipped.socket.write(Buffer.from([0, 0, 0, 8, 0, 0, 0, 4, 0x7b, 0x7b, 0x7b, 0x7b]));
    skipped.send(createRequest(1, null, { opaque: 4 }));
    const [afterSkipped] = await skipped.waitFor(1);
    assert.equal(afterSkipped!.opaque, 4);
    skipped.socket.destroy();
    const good = await RawClient.open(server!.port);
    good.send(createRequest(1, null, { opaque: 5 }));
    const [response] = await good.waitFor(1);
    assert.equal(response!.opaque, 5);
    good.socket.destroy();
  });

  it('tracks connections, writes server→client requests and raw bytes, and close() frees everything', async () => {
    const responses: RemotingCommand[] = [];
    server = new RemotingServer(() => null, { onResponse: (response) => responses.push(response) });
    await server.listen(0);
    client = await RawClient.open(server.port);
    while (server.connections.size === 0) await new Promise((resolve) => setImmediate(resolve));
    const [connection] = [...server.connections];
    assert.equal(connection!.closed, false);
    connection!.write(createRequest(39, { a: 'b' }, { opaque: 77, oneway: true }));
    connection!.writeRaw(encodeFrame(createRequest(40, null, { opaque: 78 })));
    const received = await client.waitFor(2);
    assert.deepEqual(
      received.map((c) => [c.code, c.opaque]),
      [
        [39, 77],
        [40, 78],
      ],
    );
    client.send(createResponse(received[1]!, ResponseCode.SUCCESS));
    while (responses.length === 0) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(responses[0]!.opaque, 78);
    await server.close();
    await client.closed;
    assert.equal(server.connections.size, 0);
    server = null;
  });
});
