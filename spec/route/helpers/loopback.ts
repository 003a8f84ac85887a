/**
 * Loopback NameServer stand-in for route tests: a RemotingServer that records the requests it got.
 */
import net from 'node:net';
import { RemotingServer } from '../../../src/remoting/remoting-server.js';
import type { RemotingCommand } from '../../../src/remoting/remoting-command.js';

export type Handler = (request: RemotingCommand) => RemotingCommand | null | Promise<RemotingCommand | null>;

export interface LoopbackServer {
  address: string;
  requests: RemotingCommand[];
  close(): Promise<void>;
}

export async function startLoopbackServer(handler: Handler): Promise<LoopbackServer> {
  const requests: RemotingCommand[] = [];
  const server = new RemotingServer((request) => {
    requests.push(request);
    return handler(request);
  });
  await server.listen(0);
  let closed: Promise<void> | null = null;
  return { address: server.address, requests, close: () => (closed ??= server.close()) };
}

/** A port that refuses connections: bound, then closed. */
export async function deadAddress(): Promise<string> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `127.0.0.1:${port}`;
}
