/**
 * Loopback stand-ins used until the remoting layer's RemotingServer/RemotingClient are available: a NameServer-ish
 * TCP server and a minimal request/response transport, both over the real frame codec.
 */
import net from 'node:net';
import { encodeFrame } from '../../../src/remoting/frame-codec.js';
import { FrameDecoder } from '../../../src/remoting/frame-decoder.js';
import { isResponse, type RemotingCommand } from '../../../src/remoting/remoting-command.js';
import { RemotingConnectError, RemotingTimeoutError } from '../../../src/errors.js';
import type { RouteTransport } from '../../../src/route/name-server-client.js';

export type Handler = (request: RemotingCommand) => RemotingCommand | null | Promise<RemotingCommand | null>;

export interface LoopbackServer {
  address: string;
  requests: RemotingCommand[];
  close(): Promise<void>;
}

export async function startLoopbackServer(handler: Handler): Promise<LoopbackServer> {
  const sockets = new Set<net.Socket>();
  const requests: RemotingCommand[] = [];
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    const decoder = new FrameDecoder();
    socket.on('data', (chunk) => {
      try {
        decoder.push(chunk, (request) => {
          requests.push(request);
          void Promise.resolve(handler(request)).then((response) => {
            if (response !== null && !socket.destroyed) socket.write(encodeFrame(response));
          });
        });
      } catch {
        socket.destroy();
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    address: `127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port that refuses connections: bound, then closed. */
export async function deadAddress(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}

/** One short-lived connection per request: enough for route look-ups in tests. */
export class LoopbackTransport implements RouteTransport {
  readonly sockets = new Set<net.Socket>();

  invoke(addr: string, request: RemotingCommand, timeoutMillis: number): Promise<RemotingCommand> {
    const [host, port] = [addr.slice(0, addr.lastIndexOf(':')), Number(addr.slice(addr.lastIndexOf(':') + 1))];
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host, port });
      this.sockets.add(socket);
      const decoder = new FrameDecoder();
      let settled = false;
      const finish = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.destroy();
        this.sockets.delete(socket);
        fn();
      };
      const timer = setTimeout(
        () => finish(() => reject(new RemotingTimeoutError(`timeout ${addr}`, timeoutMillis, { address: addr }))),
        timeoutMillis,
      );
      socket.on('connect', () => socket.write(encodeFrame(request)));
      socket.on('error', (error) => finish(() => reject(new RemotingConnectError(`connect ${addr}`, { address: addr, cause: error }))));
      socket.on('close', () => finish(() => reject(new RemotingConnectError(`closed ${addr}`, { address: addr }))));
      socket.on('data', (chunk) =>
        decoder.push(chunk, (command) => {
          if (isResponse(command) && command.opaque === request.opaque) finish(() => resolve(command));
        }),
      );
    });
  }

  close(): void {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }
}
