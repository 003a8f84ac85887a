/** Small helpers for the embedded-cluster wire tests: raw sockets and send requests. */
import { connect, type Socket } from 'node:net';
import { FrameDecoder } from '../../src/remoting/frame-decoder.js';
import { createRequest, type RemotingCommand } from '../../src/remoting/remoting-command.js';
import { RequestCode } from '../../src/remoting/request-code.js';

export function sendV2(topic: string, queueId: number, body = 'Hello', props = 'TAGS\x01TagA\x02KEYS\x01k1', extra: Record<string, string> = {}): RemotingCommand {
  return createRequest(
    RequestCode.SEND_MESSAGE_V2,
    {
      a: 'PG',
      b: topic,
      c: 'TBW102',
      d: '4',
      e: String(queueId),
      f: '0',
      g: String(Date.now()),
      h: '0',
      i: props,
      j: '0',
      k: 'false',
      m: 'false',
      ...extra,
    },
    { body: Buffer.from(body) },
  );
}

export function routeRequest(topic: string, version = 409, ext: Record<string, string> = {}): RemotingCommand {
  return createRequest(RequestCode.GET_ROUTEINFO_BY_TOPIC, { topic, ...ext }, { version });
}

/** A raw TCP connection that decodes what the server writes and records when it closes. */
export class RawConnection {
  readonly socket: Socket;
  readonly received: RemotingCommand[] = [];
  /** Every chunk received, as is. */
  readonly chunks: Buffer[] = [];
  closed = false;
  private readonly decoder = new FrameDecoder();
  private readonly waiters: (() => void)[] = [];

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      try {
        this.decoder.push(chunk, (command) => this.received.push(command));
      } catch {
        this.received.push({ code: -999, language: '', version: 0, opaque: 0, flag: 0, remark: 'undecodable', extFields: null, serializeType: 0, body: null });
      }
      this.notify();
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.closed = true;
      this.notify();
    });
  }

  static open(address: string): Promise<RawConnection> {
    const at = address.lastIndexOf(':');
    return new Promise((resolve, reject) => {
      const socket = connect(Number(address.slice(at + 1)), address.slice(0, at), () => resolve(new RawConnection(socket)));
      socket.once('error', reject);
    });
  }

  write(bytes: Buffer): boolean {
    return this.socket.write(bytes);
  }

  /** Resolves when `predicate` holds (checked on every inbound chunk and on close). */
  async until(predicate: () => boolean, timeoutMillis = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMillis;
    while (!predicate()) {
      if (Date.now() > deadline) throw new Error('timed out waiting on a raw connection');
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 50);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  close(): void {
    this.socket.destroy();
  }

  private notify(): void {
    for (const waiter of this.waiters.splice(0)) waiter();
  }
}

export async function eventually(predicate: () => boolean | Promise<boolean>, timeoutMillis = 5000, stepMillis = 20): Promise<void> {
  const deadline = Date.now() + timeoutMillis;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, stepMillis));
  }
}
