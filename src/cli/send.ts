/**
 * `rocketmq-rx send`: sends one message and prints its `SendResult`.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import type { Message, SendResult } from '../message/message.js';
import { Producer } from '../producer/producer.js';
import type { SendMode } from '../producer/hooks.js';
import { addSecurityOptions, securityProducerOptions, type SecurityFlags } from './security-options.js';
import { addWireOptions, wireProducerOptions, type WireFlags } from './wire-options.js';

/** Options of the `send` subcommand, as parsed. */
export interface SendCommandOptions extends SecurityFlags, WireFlags {
  namesrv: string;
  topic: string;
  body: string;
  tags?: string;
  keys?: string;
  mode: SendMode;
  group: string;
  timeout?: number;
}

/**
 * Sends the message in the given mode.
 * @returns the result (`null` for oneway, which has none)
 */
export async function runSendCommand(
  options: SendCommandOptions,
  out: (line: string) => void,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<SendResult | null> {
  const producer = new Producer({
    producerGroup: options.group,
    namesrvAddr: options.namesrv,
    ...securityProducerOptions(options, env),
    ...wireProducerOptions(options, env),
    ...(options.timeout === undefined ? {} : { sendMsgTimeout: options.timeout }),
  });
  await producer.start();
  try {
    const message: Message = { topic: options.topic, body: options.body };
    if (options.tags !== undefined) message.tags = options.tags;
    if (options.keys !== undefined) message.keys = options.keys.split(',').filter((key) => key !== '');
    if (options.mode === 'oneway') {
      await producer.sendOneway(message);
      out('oneway: written (no result)');
      return null;
    }
    const result =
      options.mode === 'sync'
        ? await producer.send(message)
        : await new Promise<SendResult>((resolve, reject) => {
            producer.sendAsync(message, { onSuccess: resolve, onException: reject });
          });
    out(JSON.stringify(result, null, 2));
    return result;
  } finally {
    await producer.shutdown();
  }
}

/** Adds the `send` subcommand to the `rocketmq-rx` program. */
export function registerSendCommand(program: Command): void {
  const command = program
    .command('send')
    .description('send one message and print its SendResult')
    .requiredOption('-n, --namesrv <addr>', 'NameServer address(es), host:port[;host:port]')
    .requiredOption('-t, --topic <topic>', 'topic')
    .requiredOption('-b, --body <text>', 'message body (UTF-8)')
    .option('--tags <tags>', 'tag')
    .option('--keys <keys>', 'comma-separated keys')
    .addOption(new Option('--mode <mode>', 'send mode').choices(['sync', 'async', 'oneway']).default('sync'))
    .option('-g, --group <group>', 'producer group', 'rocketmq_rx_cli')
    .option('--timeout <ms>', 'send timeout (sendMsgTimeout)', (text: string) => {
      const value = Number(text);
      if (!Number.isInteger(value) || value < 1) throw new InvalidArgumentError('expected a positive integer');
      return value;
    });
  addWireOptions(addSecurityOptions(command)).action(async (options: SendCommandOptions) => {
      await runSendCommand(options, (line) => process.stdout.write(`${line}\n`));
    });
}
