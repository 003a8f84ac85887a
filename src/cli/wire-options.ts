/**
 * The wire-format flags of the client subcommands (`send`, `publish`): `--serialize-type JSON|ROCKETMQ` (or
 * `ROCKETMQ_SERIALIZE_TYPE`, the variable the Java client reads; the flag wins) and `--compress-type ZLIB|LZ4|ZSTD`.
 */
import { InvalidArgumentError, Option, type Command } from 'commander';
import { COMPRESSION_TYPES, type CompressionType } from '../message/compression.js';
import type { ProducerOptions, SerializeTypeName } from '../producer/config.js';

/** The flags as parsed. */
export interface WireFlags {
  serializeType?: SerializeTypeName;
  compressType?: CompressionType;
}

const SERIALIZE_TYPES: readonly SerializeTypeName[] = ['JSON', 'ROCKETMQ'];

/** Adds the wire-format flags to a subcommand. */
export function addWireOptions(command: Command): Command {
  return command
    .addOption(
      new Option('--serialize-type <type>', 'request header serialization (env ROCKETMQ_SERIALIZE_TYPE; default JSON)').choices(SERIALIZE_TYPES),
    )
    .addOption(new Option('--compress-type <type>', 'codec of bodies over 4 KiB (default ZLIB)').choices(COMPRESSION_TYPES));
}

/**
 * The producer options the flags and environment give.
 * @param flags - parsed flags
 * @param env - where `ROCKETMQ_SERIALIZE_TYPE` is read
 * @returns `serializeType` and `compressType` for `new Producer()`, only those that were given
 * @throws InvalidArgumentError when `ROCKETMQ_SERIALIZE_TYPE` is neither `JSON` nor `ROCKETMQ`
 */
export function wireProducerOptions(
  flags: WireFlags,
  env: Readonly<Record<string, string | undefined>> = process.env,
): Pick<ProducerOptions, 'serializeType' | 'compressType'> {
  const options: Pick<ProducerOptions, 'serializeType' | 'compressType'> = {};
  // An empty variable counts as unset; Java compares the variable's value case-sensitively too.
  const fromEnv = env['ROCKETMQ_SERIALIZE_TYPE'] || undefined;
  const serializeType = flags.serializeType ?? fromEnv;
  if (serializeType !== undefined) {
    if (!(SERIALIZE_TYPES as readonly string[]).includes(serializeType)) {
      throw new InvalidArgumentError(`ROCKETMQ_SERIALIZE_TYPE must be JSON or ROCKETMQ, got ${serializeType}`);
    }
    options.serializeType = serializeType as SerializeTypeName;
  }
  if (flags.compressType !== undefined) options.compressType = flags.compressType;
  return options;
}
