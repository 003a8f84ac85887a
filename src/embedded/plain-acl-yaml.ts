/**
 * Reading a broker's `plain_acl.yml` (the ACL 1.0 accounts file) into the embedded cluster's `acl` option.
 */
import { parse } from 'yaml';
import { InvalidOptionError } from '../errors.js';
import type { AclPermission, EmbeddedAclAccount, EmbeddedAclOptions } from './acl-validator.js';

function texts(value: unknown, field: string): string[] | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value)) throw new InvalidOptionError(field, 'expected a list');
  return value.map((item) => String(item));
}

function optionalText(value: unknown): string | undefined {
  return value === undefined || value === null ? undefined : String(value);
}

/**
 * Parses the YAML of a `plain_acl.yml` (`globalWhiteRemoteAddresses`, `accounts` with `accessKey`, `secretKey`,
 * `whiteRemoteAddress`, `admin`, `defaultTopicPerm`, `defaultGroupPerm`, `topicPerms`, `groupPerms`). Numbers are read
 * as text (a `secretKey: 12345678` is the string `"12345678"`, as Java reads it).
 * @param text - the file's content
 * @returns the `acl` option of `EmbeddedCluster.start`
 * @throws InvalidOptionError (`option` names the field) when the file is not that shape
 * @example
 * ```ts
 * const cluster = await EmbeddedCluster.start({ acl: parsePlainAclYaml(readFileSync('plain_acl.yml', 'utf8')) });
 * ```
 */
export function parsePlainAclYaml(text: string): EmbeddedAclOptions {
  let document: unknown;
  try {
    document = parse(text);
  } catch (cause) {
    throw new InvalidOptionError('acl', `not valid YAML: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
  if (typeof document !== 'object' || document === null) throw new InvalidOptionError('acl', 'expected a mapping with accounts');
  const root = document as Record<string, unknown>;
  const accounts = root.accounts;
  if (!Array.isArray(accounts)) throw new InvalidOptionError('acl.accounts', 'expected a list of accounts');
  return {
    globalWhiteRemoteAddresses: texts(root.globalWhiteRemoteAddresses, 'acl.globalWhiteRemoteAddresses') ?? [],
    accounts: accounts.map((raw, index): EmbeddedAclAccount => {
      if (typeof raw !== 'object' || raw === null) throw new InvalidOptionError(`acl.accounts[${index}]`, 'expected a mapping');
      const account = raw as Record<string, unknown>;
      const topicPerms = texts(account.topicPerms, `acl.accounts[${index}].topicPerms`);
      const groupPerms = texts(account.groupPerms, `acl.accounts[${index}].groupPerms`);
      const defaultTopicPerm = optionalText(account.defaultTopicPerm) as AclPermission | undefined;
      const defaultGroupPerm = optionalText(account.defaultGroupPerm) as AclPermission | undefined;
      const whiteRemoteAddress = optionalText(account.whiteRemoteAddress);
      return {
        accessKey: optionalText(account.accessKey) ?? '',
        secretKey: optionalText(account.secretKey) ?? '',
        admin: account.admin === true || account.admin === 'true',
        ...(whiteRemoteAddress === undefined ? {} : { whiteRemoteAddress }),
        ...(defaultTopicPerm === undefined ? {} : { defaultTopicPerm }),
        ...(defaultGroupPerm === undefined ? {} : { defaultGroupPerm }),
        ...(topicPerms === undefined ? {} : { topicPerms }),
        ...(groupPerms === undefined ? {} : { groupPerms }),
      };
    }),
  };
}
