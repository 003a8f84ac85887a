/**
 * The ACL and TLS flags of the client subcommands (`send`, `publish`): `--access-key` / `--secret-key` /
 * `--security-token` (or `ROCKETMQ_ACCESS_KEY` / `ROCKETMQ_SECRET_KEY` / `ROCKETMQ_SECURITY_TOKEN`; flags win), `--tls`,
 * `--tls-ca FILE`, `--tls-insecure`.
 */
import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import { InvalidArgumentError, type Command } from 'commander';
import type { ProducerOptions } from '../producer/config.js';

/** The flags as parsed. */
export interface SecurityFlags {
  accessKey?: string;
  secretKey?: string;
  securityToken?: string;
  tls?: boolean;
  tlsCa?: string;
  tlsInsecure?: boolean;
}

/** Adds the ACL and TLS flags to a subcommand. */
export function addSecurityOptions(command: Command): Command {
  return command
    .option('--access-key <key>', 'ACL AccessKey: sign every request (env ROCKETMQ_ACCESS_KEY)')
    .option('--secret-key <secret>', 'ACL SecretKey (env ROCKETMQ_SECRET_KEY; prefer the variable: flags show in ps)')
    .option('--security-token <token>', 'STS security token (env ROCKETMQ_SECURITY_TOKEN)')
    .option('--tls', 'connect with TLS, verifying the server certificate against the system CAs')
    .option('--tls-ca <file>', 'connect with TLS, trusting the CA certificate(s) in this PEM file')
    .option('--tls-insecure', 'connect with TLS without verifying the server certificate (test clusters only)');
}

/**
 * The producer options the flags and environment give.
 * @param flags - parsed flags
 * @param env - where the `ROCKETMQ_*` variables are read
 * @returns `credentials` and `tls` for `new Producer()`
 * @throws InvalidArgumentError when only one of AccessKey / SecretKey is given, or the CA file cannot be read
 */
export function securityProducerOptions(
  flags: SecurityFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Pick<ProducerOptions, 'credentials' | 'tls'> {
  // An empty variable counts as unset (e.g. `ROCKETMQ_SECRET_KEY= rocketmq-rx send …`).
  const accessKey = flags.accessKey ?? (env['ROCKETMQ_ACCESS_KEY'] || undefined);
  const secretKey = flags.secretKey ?? (env['ROCKETMQ_SECRET_KEY'] || undefined);
  const securityToken = flags.securityToken ?? (env['ROCKETMQ_SECURITY_TOKEN'] || undefined);
  const options: Pick<ProducerOptions, 'credentials' | 'tls'> = {};
  if (accessKey !== undefined || secretKey !== undefined) {
    if (accessKey === undefined || accessKey === '') throw new InvalidArgumentError('a SecretKey needs --access-key (or ROCKETMQ_ACCESS_KEY)');
    if (secretKey === undefined || secretKey === '') throw new InvalidArgumentError('--access-key needs --secret-key (or ROCKETMQ_SECRET_KEY)');
    options.credentials = { accessKey, secretKey, ...(securityToken === undefined || securityToken === '' ? {} : { securityToken }) };
  }
  if (flags.tls === true || flags.tlsCa !== undefined || flags.tlsInsecure === true) {
    const tls: ConnectionOptions = {};
    if (flags.tlsCa !== undefined) {
      try {
        tls.ca = readFileSync(flags.tlsCa, 'utf8');
      } catch (error) {
        throw new InvalidArgumentError(`cannot read --tls-ca ${flags.tlsCa}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (flags.tlsInsecure === true) tls.rejectUnauthorized = false;
    options.tls = Object.keys(tls).length === 0 ? true : tls;
  }
  return options;
}
