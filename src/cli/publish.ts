/**
 * `rocketmq-rx publish`: newline-delimited messages from a file or stdin to a topic, with backpressure (the input is
 * read only as fast as the broker answers), a progress bar and a summary.
 */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { filter, lastValueFrom, map, tap } from 'rxjs';
import type { Message } from '../message/message.js';
import { Producer } from '../producer/producer.js';
import { pullFrom } from '../producer/publish/pull-source.js';
import { readLines, type Line } from './line-reader.js';
import { PublishProgress, formatSummary, type PublishSummary } from './progress.js';
import { addSecurityOptions, securityProducerOptions, type SecurityFlags } from './security-options.js';
import { addWireOptions, wireProducerOptions, type WireFlags } from './wire-options.js';

/** Options of the `publish` subcommand, as parsed. */
export interface PublishCommandOptions extends SecurityFlags, WireFlags {
  namesrv: string;
  topic: string;
  tags?: string;
  keysFrom?: string;
  batch?: number;
  maxInFlight: number;
  json: boolean;
  jsonAs: 'msgpack' | 'raw';
  group: string;
  timeout?: number;
  maxErrors: number;
}

/** Where the command reads and writes (injectable for tests). */
export interface PublishCommandIO {
  /** The input when no file is given. */
  stdin: Readable;
  /** Summary lines. */
  out: (line: string) => void;
  /** Progress and errors. */
  errStream: NodeJS.WritableStream & { isTTY?: boolean };
  /** Where `ROCKETMQ_ACCESS_KEY` / `ROCKETMQ_SECRET_KEY` / `ROCKETMQ_SECURITY_TOKEN` are read. @defaultValue `process.env` */
  env?: Readonly<Record<string, string | undefined>>;
}

/** A message with the input line it came from. */
type LineMessage = Message & { readonly line: number };

type Parsed = { readonly line: number; readonly message: LineMessage } | { readonly line: number; readonly error: string };

function integer(min: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return value;
  };
}

async function countLines(file: string): Promise<number> {
  let count = 0;
  for await (const line of readLines(createReadStream(file))) if (line.text.trim() !== '') count += 1;
  return count;
}

/** Turns one input line into a message (or the reason it cannot be one). */
export function parseLine(line: Line, options: Pick<PublishCommandOptions, 'topic' | 'tags' | 'keysFrom' | 'json' | 'jsonAs'>): Parsed {
  const base: { topic: string; tags?: string } = { topic: options.topic };
  if (options.tags !== undefined) base.tags = options.tags;
  if (!options.json) return { line: line.number, message: { ...base, body: line.text, line: line.number } };
  let value: unknown;
  try {
    value = JSON.parse(line.text);
  } catch (error) {
    return { line: line.number, error: `invalid JSON: ${error instanceof Error ? error.message : String(error)}` };
  }
  const message: { -readonly [K in keyof LineMessage]: LineMessage[K] } = {
    ...base,
    body: options.jsonAs === 'raw' ? Buffer.from(line.text, 'utf8') : (value as object),
    line: line.number,
  };
  if (options.keysFrom !== undefined) {
    const key = typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[options.keysFrom] : undefined;
    if (key !== undefined && key !== null) message.keys = String(key);
  }
  return { line: line.number, message };
}

/**
 * Publishes every line and resolves with the summary once the input is exhausted and every outcome is in.
 * @param file - input file, or `undefined`/`'-'` for `io.stdin`
 */
export async function runPublishCommand(file: string | undefined, options: PublishCommandOptions, io: PublishCommandIO): Promise<PublishSummary> {
  const fromFile = file !== undefined && file !== '-';
  const total = fromFile ? await countLines(file) : null;
  const input = fromFile ? createReadStream(file) : io.stdin;
  const producer = new Producer({
    producerGroup: options.group,
    namesrvAddr: options.namesrv,
    ...securityProducerOptions(options, io.env ?? process.env),
    ...wireProducerOptions(options, io.env ?? process.env),
    ...(options.timeout === undefined ? {} : { sendMsgTimeout: options.timeout }),
  });
  await producer.start();
  const progress = new PublishProgress({ stream: io.errStream, total });
  let errorsShown = 0;
  const reportError = (line: number, text: string): void => {
    errorsShown += 1;
    if (errorsShown <= options.maxErrors) progress.log(`line ${line}: ${text}`);
    else if (errorsShown === options.maxErrors + 1) progress.log(`(more errors not shown; see the failed count)`);
  };
  try {
    await lastValueFrom(
      pullFrom(readLines(input)).pipe(
        filter((line) => line.text.trim() !== ''),
        map((line) => parseLine(line, options)),
        tap((parsed) => {
          if ('error' in parsed) {
            progress.record(false, 0);
            reportError(parsed.line, parsed.error);
          }
        }),
        filter((parsed): parsed is Extract<Parsed, { message: LineMessage }> => 'message' in parsed),
        map((parsed) => parsed.message),
        producer.publish<LineMessage>({
          maxInFlight: options.maxInFlight,
          ...(options.batch === undefined || options.batch <= 1 ? {} : { batch: { maxMessages: options.batch } }),
        }),
        tap((outcome) => {
          progress.record(outcome.ok, outcome.latencyMillis);
          if (!outcome.ok) {
            const code = (outcome.error as { code?: unknown }).code;
            reportError(outcome.message.line, `${typeof code === 'string' ? `${code} ` : ''}${outcome.error.message}`);
          }
        }),
      ),
      { defaultValue: null },
    );
  } finally {
    if (fromFile) input.destroy();
    await producer.shutdown();
  }
  const summary = progress.stop();
  io.out(formatSummary(summary));
  return summary;
}

/** Adds the `publish` subcommand to the `rocketmq-rx` program. */
export function registerPublishCommand(program: Command): void {
  const command = program
    .command('publish')
    .description('publish newline-delimited messages from a file or stdin, with backpressure and a progress bar')
    .argument('[file]', 'input file (default: stdin)')
    .requiredOption('-n, --namesrv <addr>', 'NameServer address(es), host:port[;host:port]')
    .requiredOption('-t, --topic <topic>', 'topic to publish to')
    .option('--tags <tags>', 'tag of every message')
    .option('--keys-from <field>', 'with --json: message key taken from this field of each object')
    .option('--batch <n>', 'send batches of up to n messages (SEND_BATCH_MESSAGE)', integer(1))
    .option('--max-in-flight <n>', 'most sends in flight', integer(1), 1000)
    .option('--json', 'each line is a JSON value', false)
    .addOption(new Option('--json-as <format>', 'with --json: send as msgpack objects or the raw JSON bytes').choices(['msgpack', 'raw']).default('msgpack'))
    .option('-g, --group <group>', 'producer group', 'rocketmq_rx_cli')
    .option('--timeout <ms>', 'send timeout (sendMsgTimeout)', integer(1))
    .option('--max-errors <n>', 'most error lines printed', integer(0), 100);
  addWireOptions(addSecurityOptions(command)).action(async (file: string | undefined, options: PublishCommandOptions) => {
      const summary = await runPublishCommand(file, options, {
        stdin: process.stdin,
        out: (line) => process.stdout.write(`${line}\n`),
        errStream: process.stderr,
      });
      if (summary.failed > 0) process.exitCode = 1;
    });
}
