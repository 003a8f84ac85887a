/**
 * `rocketmq-rx cluster`: runs an embedded NameServer + brokers in the foreground for local development.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { EmbeddedCluster } from '../embedded/cluster.js';
import type { BrokerVersion } from '../embedded/broker-processor.js';
import { parsePlainAclYaml } from '../embedded/plain-acl-yaml.js';

/** Options of the `cluster` subcommand, as parsed. */
export interface ClusterCommandOptions {
  brokers: number;
  port: number;
  queues: number;
  brokerVersion: BrokerVersion;
  autoCreateTopic: boolean;
  vip: boolean;
  quiet: boolean;
  /** Broker `messageDelayLevel` (`'1s 5s …'`); absent = the 4.x default table. */
  delayLevels?: string;
  /** Broker `transactionCheckInterval`, ms; absent = 60000. */
  transactionCheckInterval?: number;
  /** A `plain_acl.yml` file: the brokers check ACL 1.0 with its accounts. */
  acl?: string;
  /** Serve TLS with a fresh self-signed certificate. */
  tls?: boolean;
  /** `enforcing` or `permissive`. */
  tlsMode?: 'enforcing' | 'permissive';
  /** Where the CA certificate is written (default: a file in the temp folder). */
  tlsCaOut?: string;
}

/** Where the command writes and which signals stop it (injectable for tests). */
export interface ClusterCommandIO {
  out: (line: string) => void;
  signals: NodeJS.Process;
}

function integer(min: number) {
  return (text: string): number => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return value;
  };
}

/**
 * Starts the cluster, prints its addresses, logs each stored message and stops cleanly on SIGINT/SIGTERM.
 * @returns a promise that settles once the cluster has stopped after a signal
 */
export async function runClusterCommand(options: ClusterCommandOptions, io: ClusterCommandIO): Promise<void> {
  let acl;
  if (options.acl !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.acl, 'utf8');
    } catch (error) {
      throw new InvalidArgumentError(`cannot read --acl ${options.acl}: ${error instanceof Error ? error.message : String(error)}`);
    }
    acl = parsePlainAclYaml(text);
  }
  const cluster = await EmbeddedCluster.start({
    ...(acl === undefined ? {} : { acl }),
    ...(options.tls === true ? { tls: true, tlsMode: options.tlsMode ?? 'enforcing' } : {}),
    brokers: options.brokers,
    namesrvPort: options.port,
    queuesPerTopic: options.queues,
    autoCreateTopic: options.autoCreateTopic,
    version: options.brokerVersion,
    vipChannel: options.vip,
    ...(options.delayLevels === undefined ? {} : { messageDelayLevel: options.delayLevels }),
    ...(options.transactionCheckInterval === undefined ? {} : { transactionCheckInterval: options.transactionCheckInterval }),
    onMessageStored: options.quiet
      ? undefined
      : (event) =>
          io.out(
            `send  ${event.brokerName}  topic=${event.topic} queue=${event.queueId} offset=${event.queueOffset} ` +
              `bytes=${event.bodyLength} from=${event.bornHost}`,
          ),
  });
  io.out(`rocketmq-rx embedded cluster (RocketMQ ${options.brokerVersion} protocol)`);
  io.out(`NameServer ${cluster.namesrvAddr}`);
  for (const broker of cluster.brokers) {
    io.out(`${broker.name}   ${broker.address}${broker.vipAddress === null ? '' : `  (VIP ${broker.vipAddress})`}`);
  }
  if (acl !== undefined) {
    // Access keys only: the secrets stay in the file.
    io.out(`ACL on: ${acl.accounts.length} account(s) (${acl.accounts.map((account) => account.accessKey).join(', ')})`);
  }
  if (cluster.tls !== null) {
    const caFile = options.tlsCaOut ?? join(tmpdir(), `rocketmq-rx-cluster-${process.pid}-ca.pem`);
    writeFileSync(caFile, cluster.tls.ca);
    io.out(`TLS on (${options.tlsMode ?? 'enforcing'}): CA certificate in ${caFile} (clients: --tls-ca ${caFile})`);
  }
  io.out(`Ready: point producers at namesrvAddr=${cluster.namesrvAddr}. Ctrl-C stops.`);

  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) {
        // A second Ctrl-C while stopping: give up waiting.
        process.exit(130);
      }
      stopping = true;
      io.out(`${signal}: stopping`);
      void cluster.stop().then(() => {
        io.signals.off('SIGINT', onSignal);
        io.signals.off('SIGTERM', onSignal);
        io.out('stopped');
        resolve();
      });
    };
    io.signals.on('SIGINT', onSignal);
    io.signals.on('SIGTERM', onSignal);
  });
}

/** Adds the `cluster` subcommand to the `rocketmq-rx` program. */
export function registerClusterCommand(program: Command): void {
  program
    .command('cluster')
    .description('run an embedded NameServer and brokers (real RocketMQ protocol) in the foreground')
    .option('-b, --brokers <n>', 'number of brokers (broker-a, broker-b, …)', integer(1), 2)
    .option('-p, --port <port>', 'NameServer port (0 = any free port)', integer(0), 9876)
    .option('-q, --queues <n>', 'queues per auto-created topic', integer(1), 4)
    .option('--broker-version <version>', 'RocketMQ generation to imitate: 4.9 or 5.x', (text: string): BrokerVersion => {
      if (text !== '4.9' && text !== '5.x') throw new InvalidArgumentError('expected 4.9 or 5.x');
      return text;
    }, '4.9' as BrokerVersion)
    .option('--no-auto-create-topic', 'answer TOPIC_NOT_EXIST for unknown topics instead of creating them')
    .option('--vip', 'brokers also listen on their VIP port (port − 2)', false)
    .option('--quiet', 'do not log each stored message', false)
    .option('--delay-levels <levels>', "delay levels of the brokers, e.g. '1s 5s 10s' (default: the 4.x table 1s … 2h)")
    .option('--transaction-check-interval <ms>', 'how often brokers check back undecided transactions', integer(0))
    .option('--acl <file>', 'check ACL 1.0 on the brokers with the accounts of this plain_acl.yml')
    .option('--tls', 'serve TLS with a fresh self-signed certificate for 127.0.0.1/localhost (needs the package selfsigned)')
    .addOption(new Option('--tls-mode <mode>', 'with --tls: enforcing (TLS only) or permissive (TLS and plaintext)').choices(['enforcing', 'permissive']))
    .option('--tls-ca-out <file>', 'with --tls: write the CA certificate here (default: a file in the temp folder)')
    .action(async (options: ClusterCommandOptions) => {
      await runClusterCommand(options, { out: (line) => process.stdout.write(`${line}\n`), signals: process });
    });
}
