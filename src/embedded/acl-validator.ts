/**
 * ACL 1.0 of the embedded broker, as the 4.9.8 `PlainAccessValidator` + `PlainPermissionManager`: the resources a
 * request needs (by request code), the global and per-account white addresses, the AccessKey, the signature over the
 * sorted extFields and the body, then the permissions (admin codes, per-topic / per-group overrides, defaults). A
 * refusal is the remark the Java remoting layer writes for the escaped `AclException`:
 * `org.apache.rocketmq.acl.common.AclException: <reason>, <first stack frame>`, answered with code 1 SYSTEM_ERROR.
 * @internal
 */
import { InvalidOptionError } from '../errors.js';
import { ACCESS_KEY_FIELD, aclSignature, SIGNATURE_FIELD } from '../security/acl-signer.js';
import type { RemotingCommand } from '../remoting/remoting-command.js';
import { RETRY_GROUP_TOPIC_PREFIX } from './topic-config.js';

/** A permission string of `plain_acl.yml`. */
export type AclPermission = 'DENY' | 'PUB' | 'SUB' | 'PUB|SUB' | 'SUB|PUB';

/** One account of `plain_acl.yml`. */
export interface EmbeddedAclAccount {
  /** More than 6 characters (4.9.8 refuses shorter keys at start). */
  readonly accessKey: string;
  /** More than 6 characters. */
  readonly secretKey: string;
  /** Admin accounts may send admin requests and, without per-resource rules, everything. @defaultValue `false` */
  readonly admin?: boolean;
  /** Requests from this address pattern skip the signature and permission checks. @defaultValue none */
  readonly whiteRemoteAddress?: string | null;
  /** Permission on topics without a rule of their own. @defaultValue `'DENY'` (what 4.9.8 reads for a missing value) */
  readonly defaultTopicPerm?: AclPermission;
  /** Permission on groups without a rule of their own. @defaultValue `'DENY'` */
  readonly defaultGroupPerm?: AclPermission;
  /** Per-topic rules, `['topicA=PUB', …]` as in the YAML file or `{ topicA: 'PUB' }`. @defaultValue none */
  readonly topicPerms?: readonly string[] | Readonly<Record<string, AclPermission>>;
  /** Per-group rules, same forms. @defaultValue none */
  readonly groupPerms?: readonly string[] | Readonly<Record<string, AclPermission>>;
}

/** The `acl` option of the embedded broker / cluster: the content of a `plain_acl.yml`. */
export interface EmbeddedAclOptions {
  /** The accounts. */
  readonly accounts: readonly EmbeddedAclAccount[];
  /** Address patterns (`10.0.0.*`, `192.168.1.1-100`, `*`) whose requests are never checked. @defaultValue `[]` */
  readonly globalWhiteRemoteAddresses?: readonly string[];
}

const DENY = 1;
const ANY = 2;
const PUB = 4;
const SUB = 8;
/** Java `RequestCode`s the validator reads. */
const Code = {
  SEND_MESSAGE: 10,
  SEND_MESSAGE_V2: 310,
  CONSUMER_SEND_MSG_BACK: 36,
  PULL_MESSAGE: 11,
  QUERY_MESSAGE: 12,
  HEART_BEAT: 34,
  UNREGISTER_CLIENT: 35,
  GET_CONSUMER_LIST_BY_GROUP: 38,
  UPDATE_CONSUMER_OFFSET: 15,
} as const;
/** `Permission.ADMIN_CODE`: UPDATE_AND_CREATE_TOPIC, UPDATE_BROKER_CONFIG, DELETE_TOPIC_IN_BROKER, UPDATE_AND_CREATE_SUBSCRIPTIONGROUP, DELETE_SUBSCRIPTIONGROUP. */
const ADMIN_CODES: ReadonlySet<number> = new Set([17, 25, 215, 200, 207]);
const TRACE_TOPIC = 'RMQ_SYS_TRACE_TOPIC';
const UNIQUE_KEY_QUERY = '_UNIQUE_KEY_QUERY';
const SERVER_EXCLUDED: ReadonlySet<string> = new Set([SIGNATURE_FIELD, UNIQUE_KEY_QUERY]);
const EXCEPTION = 'org.apache.rocketmq.acl.common.AclException';
/** The first stack frame of each refusal, as 4.9.8 writes it (line numbers of the 4.9.8 sources). */
const FRAME = {
  parse: 'org.apache.rocketmq.acl.plain.PlainAccessValidator.parse(PlainAccessValidator.java:134)',
  noAccessKey: 'org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:664)',
  unknownKey: 'org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:668)',
  signature: 'org.apache.rocketmq.acl.plain.PlainPermissionManager.validate(PlainPermissionManager.java:684)',
  admin: 'org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:581)',
  defaultPerm: 'org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:606)',
  resourcePerm: 'org.apache.rocketmq.acl.plain.PlainPermissionManager.checkPerm(PlainPermissionManager.java:611)',
} as const;

/** `Permission.parsePermFromString`: anything unknown (or missing) is DENY. */
function parsePerm(text: string | null | undefined): number {
  switch (text?.trim()) {
    case 'PUB':
      return PUB;
    case 'SUB':
      return SUB;
    case 'PUB|SUB':
    case 'SUB|PUB':
      return PUB | SUB;
    default:
      return DENY;
  }
}

/** `Permission.checkPermission`. */
function permits(needed: number, owned: number): boolean {
  if ((owned & DENY) !== 0) return false;
  if ((needed & ANY) !== 0) return (owned & PUB) !== 0 || (owned & SUB) !== 0;
  return (needed & owned) !== 0;
}

/** A white-address pattern (`RemoteAddressStrategyFactory`, IPv4): `*`, exact, or per-segment `*` / `a-b` / `{a,b}`. */
function addressMatcher(pattern: string | null | undefined): (ip: string) => boolean {
  const text = pattern?.trim() ?? '';
  if (text === '') return () => false;
  if (text === '*' || text === '*.*.*.*') return () => true;
  const segments = text.split('.');
  if (segments.length !== 4) return (ip) => ip === text;
  return (ip) => {
    const parts = ip.split('.');
    if (parts.length !== 4) return false;
    return segments.every((segment, i) => {
      const part = parts[i];
      if (part === undefined) return false;
      if (segment === '*') return true;
      if (segment.startsWith('{') && segment.endsWith('}')) return segment.slice(1, -1).split(',').map((s) => s.trim()).includes(part);
      const range = /^(\d+)-(\d+)$/.exec(segment);
      if (range !== null) return Number(part) >= Number(range[1]) && Number(part) <= Number(range[2]);
      return segment === part;
    });
  };
}

interface OwnedAccess {
  readonly accessKey: string;
  readonly secretKey: string;
  readonly admin: boolean;
  readonly defaultTopicPerm: number;
  readonly defaultGroupPerm: number;
  /** Topic names and `%RETRY%<group>` names → permission; `null` when the account has no rules. */
  readonly resourcePerms: ReadonlyMap<string, number> | null;
  readonly whiteAddress: (ip: string) => boolean;
}

function ruleEntries(option: string, rules: EmbeddedAclAccount['topicPerms']): [string, string][] {
  if (rules === undefined) return [];
  if (Array.isArray(rules)) {
    return (rules as readonly string[]).map((rule) => {
      const items = String(rule).split('=').filter((item) => item !== '');
      if (items.length !== 2) throw new InvalidOptionError(option, `"${rule}" is not Res=Perm (e.g. topicA=SUB)`);
      return [items[0]!.trim(), items[1]!.trim()];
    });
  }
  return Object.entries(rules as Record<string, string>);
}

function checkPermText(option: string, text: string): void {
  if (text !== 'DENY' && parsePerm(text) === DENY) {
    throw new InvalidOptionError(option, `"${text}" is not one of DENY, PUB, SUB, PUB|SUB, SUB|PUB`);
  }
}

class AclDenied {
  constructor(
    readonly reason: string | null,
    readonly frame: string,
  ) {}
  get remark(): string {
    return `${EXCEPTION}${this.reason === null ? '' : `: ${this.reason}`}, ${this.frame}`;
  }
}

/** The resources a request needs, as `PlainAccessValidator.parse` collects them. */
function neededResources(request: RemotingCommand, ext: Record<string, string>): Map<string, number> | null {
  const needed = new Map<string, number>();
  const add = (resource: string | undefined, perm: number): void => {
    if (resource !== undefined) needed.set(resource, perm);
  };
  const retryTopic = (group: string | undefined): string | undefined => (group === undefined ? undefined : RETRY_GROUP_TOPIC_PREFIX + group);
  const notNull = (field: string): string => {
    const value = ext[field];
    if (value === undefined) throw new AclDenied(`the custom field <${field}> is null`, FRAME.parse);
    return value;
  };
  switch (request.code) {
    case Code.SEND_MESSAGE:
    case Code.SEND_MESSAGE_V2: {
      const v2 = request.code === Code.SEND_MESSAGE_V2;
      const topic = ext[v2 ? 'b' : 'topic'];
      if (topic?.startsWith(RETRY_GROUP_TOPIC_PREFIX) === true) add(retryTopic(ext[v2 ? 'a' : 'group']), SUB);
      else add(topic, PUB);
      break;
    }
    case Code.CONSUMER_SEND_MSG_BACK:
      add(retryTopic(ext.group), SUB);
      break;
    case Code.PULL_MESSAGE:
      add(ext.topic, SUB);
      add(retryTopic(ext.consumerGroup), SUB);
      break;
    case Code.QUERY_MESSAGE:
      add(ext.topic, SUB);
      break;
    case Code.HEART_BEAT: {
      let heartbeat: { consumerDataSet?: { groupName?: string; subscriptionDataSet?: { topic?: string }[] }[] };
      // No body: Java's decode throws a NullPointerException, whose message is null.
      if (request.body === null) throw new AclDenied(null, FRAME.parse);
      try {
        heartbeat = JSON.parse(request.body.toString('utf8')) as typeof heartbeat;
      } catch (error) {
        throw new AclDenied(error instanceof Error ? error.message : null, FRAME.parse);
      }
      for (const consumer of heartbeat?.consumerDataSet ?? []) {
        add(retryTopic(consumer.groupName), SUB);
        for (const subscription of consumer.subscriptionDataSet ?? []) add(subscription.topic, SUB);
      }
      break;
    }
    case Code.UNREGISTER_CLIENT:
      notNull('clientID');
      add(retryTopic(ext.consumerGroup), SUB);
      break;
    case Code.GET_CONSUMER_LIST_BY_GROUP:
      add(retryTopic(notNull('consumerGroup')), SUB);
      break;
    case Code.UPDATE_CONSUMER_OFFSET:
      add(retryTopic(notNull('consumerGroup')), SUB);
      add(notNull('topic'), SUB);
      break;
    default:
      break;
  }
  return needed.size === 0 ? null : needed;
}

/**
 * Checks requests as the 4.9.8 broker's ACL does.
 * @internal
 */
export class AclValidator {
  private readonly accounts = new Map<string, OwnedAccess>();
  private readonly globalWhite: ((ip: string) => boolean)[];

  /**
   * @param options - the accounts and global white addresses
   * @throws InvalidOptionError when a key has 6 characters or fewer (4.9.8 refuses to start; unlike Java, the
   *   message never shows the secret) or a rule is malformed
   */
  constructor(options: EmbeddedAclOptions) {
    if (typeof options !== 'object' || options === null || !Array.isArray(options.accounts)) {
      throw new InvalidOptionError('acl', 'expected { accounts: [{ accessKey, secretKey, … }], globalWhiteRemoteAddresses? }');
    }
    options.accounts.forEach((account, index) => {
      const at = `acl.accounts[${index}]`;
      const accessKey = account?.accessKey;
      const secretKey = account?.secretKey;
      if (typeof accessKey !== 'string' || accessKey.length <= 6) {
        throw new InvalidOptionError(`${at}.accessKey`, 'cannot be null and must be longer than 6 characters (as RocketMQ 4.9.8 requires)');
      }
      if (typeof secretKey !== 'string' || secretKey.length <= 6) {
        throw new InvalidOptionError(`${at}.secretKey`, `of accessKey ${accessKey} cannot be null and must be longer than 6 characters`);
      }
      const rules = new Map<string, number>();
      for (const [topic, perm] of ruleEntries(`${at}.topicPerms`, account.topicPerms)) {
        checkPermText(`${at}.topicPerms`, perm);
        rules.set(topic, parsePerm(perm));
      }
      for (const [group, perm] of ruleEntries(`${at}.groupPerms`, account.groupPerms)) {
        checkPermText(`${at}.groupPerms`, perm);
        rules.set(RETRY_GROUP_TOPIC_PREFIX + group, parsePerm(perm));
      }
      this.accounts.set(accessKey, {
        accessKey,
        secretKey,
        admin: account.admin === true,
        defaultTopicPerm: parsePerm(account.defaultTopicPerm),
        defaultGroupPerm: parsePerm(account.defaultGroupPerm),
        resourcePerms: rules.size === 0 ? null : rules,
        whiteAddress: addressMatcher(account.whiteRemoteAddress),
      });
    });
    this.globalWhite = (options.globalWhiteRemoteAddresses ?? []).map((pattern) => addressMatcher(pattern));
  }

  /**
   * Checks one request.
   * @param request - as received
   * @param remoteAddress - the client's `ip:port`
   * @returns `null` when allowed, else the remark of the refusal (answered with code 1 SYSTEM_ERROR)
   */
  check(request: RemotingCommand, remoteAddress: string): string | null {
    try {
      this.validate(request, hostOf(remoteAddress));
      return null;
    } catch (error) {
      if (error instanceof AclDenied) return error.remark;
      throw error;
    }
  }

  private validate(request: RemotingCommand, ip: string): void {
    const ext = request.extFields;
    const needed = ext === null ? null : neededResources(request, ext);
    if (this.globalWhite.some((matches) => matches(ip))) return;
    const accessKey = ext?.[ACCESS_KEY_FIELD];
    if (ext === null || accessKey === undefined) throw new AclDenied('No accessKey is configured', FRAME.noAccessKey);
    const owned = this.accounts.get(accessKey);
    if (owned === undefined) throw new AclDenied(`No acl config for ${accessKey}`, FRAME.unknownKey);
    if (owned.whiteAddress(ip)) return;
    // A SecurityToken is signed like any other field; 4.9.8 checks nothing else about it.
    if (aclSignature(ext, request.body, owned.secretKey, SERVER_EXCLUDED) !== ext[SIGNATURE_FIELD]) {
      throw new AclDenied(`Check signature failed for accessKey=${accessKey}`, FRAME.signature);
    }
    if (needed?.get(TRACE_TOPIC) === PUB) return;
    this.checkPerm(request.code, needed, owned);
  }

  private checkPerm(code: number, needed: Map<string, number> | null, owned: OwnedAccess): void {
    if (ADMIN_CODES.has(code) && !owned.admin) {
      throw new AclDenied(`Need admin permission for request code=${code}, but accessKey=${owned.accessKey} is not`, FRAME.admin);
    }
    if (needed === null) return;
    if (owned.resourcePerms === null && owned.admin) return;
    for (const [resource, perm] of needed) {
      const isGroup = resource.startsWith(RETRY_GROUP_TOPIC_PREFIX);
      const printed = isGroup ? `group:${resource.slice(RETRY_GROUP_TOPIC_PREFIX.length)}` : `topic:${resource}`;
      const rule = owned.resourcePerms?.get(resource);
      if (rule === undefined) {
        if (!permits(perm, isGroup ? owned.defaultGroupPerm : owned.defaultTopicPerm)) {
          throw new AclDenied(`No default permission for ${printed}`, FRAME.defaultPerm);
        }
      } else if (!permits(perm, rule)) {
        throw new AclDenied(`No default permission for ${printed}`, FRAME.resourcePerm);
      }
    }
  }
}

/** The IP of `ip:port` (IPv4-mapped IPv6 as plain IPv4). */
function hostOf(remoteAddress: string): string {
  const colon = remoteAddress.lastIndexOf(':');
  const host = colon < 0 ? remoteAddress : remoteAddress.slice(0, colon);
  return host.startsWith('::ffff:') ? host.slice(7) : host;
}
