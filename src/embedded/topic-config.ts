/**
 * Broker-side topic configuration and the topic rules of the Java broker (`TopicValidator`, `PermName`,
 * `TopicConfigManager`), as far as a producer can observe them.
 */

/** Permission bits of a topic or broker (Java `PermName`). */
export const PermName = {
  PRIORITY: 8,
  READ: 4,
  WRITE: 2,
  INHERIT: 1,
} as const;

/** The auto-create template topic (`TopicValidator.AUTO_CREATE_TOPIC_KEY_TOPIC`). */
export const AUTO_CREATE_TOPIC_KEY = 'TBW102';

/** Prefix of consumer retry topics (`MixAll.RETRY_GROUP_TOPIC_PREFIX`). */
export const RETRY_GROUP_TOPIC_PREFIX = '%RETRY%';

/** A topic as a broker keeps it and registers it with the NameServer (Java `TopicConfig`). */
export interface TopicConfig {
  /** The topic. */
  topicName: string;
  /** Queues consumers read. */
  readQueueNums: number;
  /** Queues producers write. */
  writeQueueNums: number;
  /** Permission bits: 4 read, 2 write, 1 inherit (`PermName`). */
  perm: number;
  /** How tags are filtered (Java `TopicFilterType`). */
  topicFilterType: 'SINGLE_TAG' | 'MULTI_TAG';
  /** Topic system flag (Java `TopicSysFlag`), 0 for ordinary topics. */
  topicSysFlag: number;
  /** Whether the topic is ordered (Java `order`). */
  order: boolean;
}

/** A new topic config with the Java defaults (perm RW, single tag). */
export function createTopicConfig(topicName: string, queueNums: number, perm: number = PermName.READ | PermName.WRITE): TopicConfig {
  return { topicName, readQueueNums: queueNums, writeQueueNums: queueNums, perm, topicFilterType: 'SINGLE_TAG', topicSysFlag: 0, order: false };
}

/** Java `PermName.perm2String`: `RWX` with `-` for missing bits. */
export function permToString(perm: number): string {
  return (
    (perm & PermName.READ ? 'R' : '-') + (perm & PermName.WRITE ? 'W' : '-') + (perm & PermName.INHERIT ? 'X' : '-')
  );
}

/** Java `TopicConfig.toString()`, which the broker quotes in its "queueId is illegal" remark. */
export function topicConfigToString(config: TopicConfig): string {
  return (
    `TopicConfig [topicName=${config.topicName}, readQueueNums=${config.readQueueNums}, ` +
    `writeQueueNums=${config.writeQueueNums}, perm=${permToString(config.perm)}, ` +
    `topicFilterType=${config.topicFilterType}, topicSysFlag=${config.topicSysFlag}, order=${config.order}]`
  );
}

/** Topics a client may not send to (`TopicValidator.NOT_ALLOWED_SEND_TOPIC_SET`): answered with NO_PERMISSION. */
export const NOT_ALLOWED_SEND_TOPICS: ReadonlySet<string> = new Set([
  'SCHEDULE_TOPIC_XXXX',
  'RMQ_SYS_TRANS_HALF_TOPIC',
  'RMQ_SYS_TRANS_OP_HALF_TOPIC',
  'TRANS_CHECK_MAX_TIME_TOPIC',
  'SELF_TEST_TOPIC',
  'OFFSET_MOVED_EVENT',
]);

const TOPIC_MAX_LENGTH = 127;
const VALID_TOPIC = /^[%|a-zA-Z0-9_-]+$/;

/** Suffix the Java broker appends to "apply first" remarks (`FAQUrl.suggestTodo(APPLY_TOPIC_URL)`). */
export const FAQ_SUGGESTION = '\nSee http://rocketmq.apache.org/docs/faq/ for further details.';

/**
 * The broker's `TopicValidator.validateTopic`: `null` when the name is valid, else the remark of the SYSTEM_ERROR
 * (4.9) it answers with.
 */
export function topicNameProblem(topic: string | undefined): string | null {
  if (topic === undefined || topic.trim().length === 0) return 'The specified topic is blank.';
  if (!VALID_TOPIC.test(topic)) {
    return 'The specified topic contains illegal characters, allowing only ^[%|a-zA-Z0-9_-]+$';
  }
  if (topic.length > TOPIC_MAX_LENGTH) return 'The specified topic is longer than topic max length.';
  return null;
}
