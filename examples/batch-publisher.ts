/**
 * A file of JSON lines → a topic, in batches, with backpressure and a progress bar.
 *
 *   npx tsx examples/batch-publisher.ts [file.ndjson] [topic]
 *
 * Without a file, a sample of 50,000 orders is generated in the temp directory first. Uses the name server in
 * `NAMESRV_ADDR`, else an embedded cluster. The file is read only as fast as the brokers answer (`pullFrom` +
 * `publish`), so a file of any size runs in constant memory.
 */
import { createReadStream, createWriteStream, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { finished } from 'node:stream/promises';
import { filter, lastValueFrom, map, tap } from 'rxjs';
import { Producer, pullFrom } from '../src/index.js';
import type { Message } from '../src/index.js';
import { readLines } from '../src/cli/line-reader.js';
import { PublishProgress, formatSummary } from '../src/cli/progress.js';
import { nameServer } from './name-server.js';

async function sampleFile(count: number): Promise<string> {
  const file = join(tmpdir(), `rocketmq-rx-orders-${process.pid}.ndjson`);
  const out = createWriteStream(file);
  for (let i = 0; i < count; i++) {
    const line = `${JSON.stringify({ orderId: `order-${i}`, customer: `c${i % 97}`, amount: (i * 7) % 1000 })}\n`;
    if (!out.write(line)) await new Promise<void>((resolve) => out.once('drain', () => resolve()));
  }
  out.end();
  await finished(out);
  console.log(`generated ${count} sample orders in ${file}`);
  return file;
}

const given = process.argv[2];
const file = given ?? (await sampleFile(50_000));
const topic = process.argv[3] ?? 'OrdersTopic';

let total = 0;
for await (const line of readLines(createReadStream(file))) if (line.text.trim() !== '') total += 1;

const ns = await nameServer();
const producer = new Producer({ producerGroup: 'BatchPublisherGroup', namesrvAddr: ns.namesrvAddr });
await producer.start();
const progress = new PublishProgress({ stream: process.stderr, total });
try {
  await lastValueFrom(
    pullFrom(readLines(createReadStream(file))).pipe(
      filter((line) => line.text.trim() !== ''),
      map((line): Message & { line: number } => {
        const order = JSON.parse(line.text) as { orderId?: string };
        // Objects go as msgpack (CONTENT_TYPE application/x-msgpack); decodeBody() turns them back.
        return { topic, keys: order.orderId ?? `line-${line.number}`, body: order, line: line.number };
      }),
      producer.publish({ batch: { maxMessages: 200, maxDelayMs: 10 }, maxInFlight: 64 }),
      tap((outcome) => {
        progress.record(outcome.ok, outcome.latencyMillis);
        if (!outcome.ok) progress.log(`line ${outcome.message.line}: ${outcome.error.message}`);
      }),
    ),
    { defaultValue: null },
  );
} finally {
  const summary = progress.stop();
  console.log(formatSummary(summary));
  await producer.shutdown();
  await ns.close();
  if (given === undefined) rmSync(file, { force: true });
}
