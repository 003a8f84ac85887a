#!/usr/bin/env node
/**
 * The `rocketmq-rx` command line. Each subcommand lives in its own file under `src/cli/` and registers itself here.
 */
import { Command } from 'commander';
import { registerClusterCommand } from './cli/cluster.js';
import { registerPublishCommand } from './cli/publish.js';
import { registerSendCommand } from './cli/send.js';

const program = new Command();
program.name('rocketmq-rx').description('Apache RocketMQ tools from rocketmq-rx');
registerClusterCommand(program);
registerPublishCommand(program);
registerSendCommand(program);

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`rocketmq-rx: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
});
