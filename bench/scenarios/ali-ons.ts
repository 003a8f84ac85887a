/**
 * The peer: `ali-ons` 3.12.0's Producer against the same embedded broker, configured for a plain Apache NameServer
 * on loopback (`nameSrv`, no access keys, an HTTP client that refuses to be used, so it never looks up the Aliyun
 * address server).
 */
import { createRequire } from 'node:module';
import type { Issue } from '../lib/measure.js';
import { BENCH_GROUP, BENCH_TOPIC } from '../lib/fixtures.js';

interface AliOnsMessage {
  body: Buffer;
}
interface AliOnsProducer {
  ready(): Promise<void>;
  send(message: AliOnsMessage): Promise<{ sendStatus: string }>;
  close(): Promise<void>;
  on(event: 'error', listener: (error: Error) => void): void;
}
interface AliOns {
  Producer: new (options: Record<string, unknown>) => AliOnsProducer;
  Message: new (topic: string, tags: string, body: Buffer) => AliOnsMessage;
}

const require = createRequire(import.meta.url);

const quietLogger = {
  info(): void {},
  debug(): void {},
  warn(): void {},
  error(...args: unknown[]): void {
    console.error('[ali-ons]', ...args);
  },
};

/** A started ali-ons producer and the two ways the harness drives it. */
export interface AliOnsClient {
  /** One `await producer.send()`. */
  sendOnce(body: Buffer): Promise<unknown>;
  /** An {@link Issue} for the windowed loop: many `send()` promises outstanding. */
  issue(body: Buffer): Issue;
  close(): Promise<void>;
}

/** Starts an ali-ons Producer against the NameServer at `namesrvAddr` (loopback). */
export async function startAliOns(namesrvAddr: string): Promise<AliOnsClient> {
  const ons = require('ali-ons') as AliOns;
  const producer = new ons.Producer({
    nameSrv: [namesrvAddr],
    producerGroup: BENCH_GROUP,
    // Required by its remoting client; only used to fetch name servers from `onsAddr`, which `nameSrv` bypasses.
    httpclient: {
      request: (): never => {
        throw new Error('ali-ons tried an HTTP request; the benchmark allows loopback TCP only');
      },
    },
    onsAddr: 'http://127.0.0.1:1/unused',
    logger: quietLogger,
    // Same rules as rocketmq-rx: compress from 4 KiB, 3 s timeout, at most 4 MiB bodies.
    compressMsgBodyOverHowmuch: 4096,
    sendMsgTimeout: 3000,
    maxMessageSize: 4 * 1024 * 1024,
    // Its default producer (CLIENT_INNER_PRODUCER_GROUP) and this one poll on timers; keep them quiet during runs.
    pollNameServerInteval: 600_000,
    heartbeatBrokerInterval: 600_000,
  });
  producer.on('error', (error) => console.error('[ali-ons]', error.message));
  await producer.ready();
  // ali-ons replaces `message.body` when it compresses, so every send gets a new Message, as an application's would.
  const send = (body: Buffer): Promise<{ sendStatus: string }> => producer.send(new ons.Message(BENCH_TOPIC, 'TagA', body));
  return {
    sendOnce: send,
    issue: (body) => (index, done) => {
      send(body).then(
        () => done(index),
        (error: unknown) => done(index, error ?? new Error('send failed')),
      );
    },
    close: () => producer.close(),
  };
}
