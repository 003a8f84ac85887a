/**
 * The request processing of the embedded broker, transport-free: one request command in, one response command (or
 * `null` for no response) out. Mirrors what the Java broker does for everything a producer sends (§5, §8, §10,
 * §12, §13 of the protocol notes); `EmbeddedBroker` wires it to TCP.
 * @internal
 */
import { isUtf8 } from 'node:buffer';
import { createRequest, isOneway, SerializeType, type RemotingCommand } from '../remoting/remoting-command.js';
import { RequestCode } from '../remoting/request-code.js';
import { ResponseCode } from '../remoting/response-code.js';
import { createUniqueId, decodeBatchBody, decodeProperties, encodeProperties, encodePropertiesJavaOrder, encodeStoredMessage, javaHashMapOrder } from './codec.js';
import { DueTimers, SCHEDULE_TOPIC, TIMER_MAX_DELAY_MILLIS, TIMER_TOPIC } from './scheduled-delivery.js';
import type { StoredMessage } from './message-store.js';
import {
  JavaException,
  javaServerResponse,
  nullPointer,
  parseJavaBoolean,
  parseJavaInt,
  parseJavaLong,
  type JavaServerResponseOptions,
} from './java-header.js';
import { BATCH_SPAN_FIELDS, type MessageStore } from './message-store.js';
import { javaStoredSendProperties, plainSendProperties } from './send-properties.js';
import { SendOkBinaryFrames, SendOkFrames, type SendOkFields } from './send-response.js';
import { decodeStoredMessage } from './codec.js';
import {
  AUTO_CREATE_TOPIC_KEY,
  createTopicConfig,
  FAQ_SUGGESTION,
  NOT_ALLOWED_SEND_TOPICS,
  PermName,
  RETRY_GROUP_TOPIC_PREFIX,
  topicConfigToString,
  topicNameProblem,
  type TopicConfig,
} from './topic-config.js';

/** Which broker generation to imitate. */
export type BrokerVersion = '4.9' | '5.x';

/** `MQVersion` ordinals the embedded servers put in their responses. */
export const VERSION_ORDINAL: Readonly<Record<BrokerVersion, number>> = { '4.9': 409, '5.x': 479 };

const HALF_TOPIC = 'RMQ_SYS_TRANS_HALF_TOPIC';
const TRANSACTION_TYPE_MASK = 0xc;
const TRANSACTION_PREPARED_TYPE = 0x4;
const TRANSACTION_COMMIT_TYPE = 0x8;
const TRANSACTION_ROLLBACK_TYPE = 0xc;
const MAX_PROPERTIES_LENGTH = 32767;
const ILLEGAL_MESSAGE_REMARK = (maxMessageSize: number): string =>
  `the message is illegal, maybe msg body or properties length not matched. msg body length limit ${maxMessageSize}B, msg properties length limit 32KB.`;

/** Settings of a {@link BrokerProcessor}. */
export interface BrokerProcessorOptions {
  brokerName: string;
  clusterName: string;
  /** `ip:port` the broker listens on: the store host of every message. */
  address: string;
  version: BrokerVersion;
  autoCreateTopic: boolean;
  /** Queues of TBW102 and of topics created by {@link BrokerProcessor.createTopic}. */
  queuesPerTopic: number;
  maxMessageSize: number;
  regionId: string;
  traceOn: boolean;
  rejectTransactionMessage: boolean;
  store: MessageStore;
  /** Called after a topic was auto-created by a send (the broker then re-registers with the NameServer). */
  onTopicCreated?: (config: TopicConfig) => void;
  /** Called after every stored message. */
  onMessageStored?: (event: MessageStoredEvent) => void;
  /**
   * Sends a request to a client over its connection and resolves with the client's response (used to push reply
   * messages, PUSH_REPLY_MESSAGE_TO_CLIENT). Without it, reply messages fail as if the requester were not connected.
   */
  callClient?: (connection: unknown, request: RemotingCommand) => Promise<RemotingCommand>;
  /** Milliseconds of each delay level (index 0 = level 1); see `parseDelayLevels`. */
  delayLevels?: readonly number[];
  /** Checks of a half message before it is given up (Java `transactionCheckMax`). @defaultValue `15` */
  transactionCheckMax?: number;
  /** Called with every message put on a topic (for responders and listeners). */
  onPut?: (message: StoredMessage) => void;
  /** Whether `onPut` has anyone to tell (it is skipped otherwise). @defaultValue always */
  hasPutListeners?: () => boolean;
}

/** A half message whose transaction is not decided yet. */
export interface PendingTransaction {
  /** Its `UNIQ_KEY`. */
  uniqueId: string;
  /** Its `PGROUP`. */
  producerGroup: string;
  /** Commit-log offset of the newest half record (a check re-puts a copy). */
  commitLogOffset: number;
  /** Checks sent so far. */
  checkTimes: number;
  bornTimestamp: number;
}

/** A CHECK_TRANSACTION_STATE to deliver to a producer of `producerGroup`. @internal */
export interface TransactionCheck {
  producerGroup: string;
  request: RemotingCommand;
}

/** What {@link EmbeddedBrokerOptions.onMessageStored} reports after each stored message. */
export interface MessageStoredEvent {
  /** Topic it was stored under. */
  topic: string;
  /** Queue it was stored in. */
  queueId: number;
  /** Its logical offset in that queue. */
  queueOffset: number;
  /** The broker's offset message id, as answered to the send. */
  msgId: string;
  /** Bytes of the body as sent (compressed if it was). */
  bodyLength: number;
  /** `ip:port` of the sending client. */
  bornHost: string;
  /** The message's client id (property `UNIQ_KEY`), or `null` when it has none. */
  uniqueId?: string | null;
}

/** A client known from its heartbeats. */
export interface ClientRecord {
  /** The client's id (`clientIP@instanceName`), from its HEART_BEAT. */
  clientId: string;
  /** The language its requests name, e.g. `'JAVA'`. */
  language: string;
  /** The `MQVersion` ordinal its requests carry. */
  version: number;
  /** Producer groups of its last heartbeat. */
  producerGroups: string[];
  /** Consumer groups of its last heartbeat. */
  consumerGroups: string[];
  /** `ip:port` of its connection as the broker sees it. */
  remoteAddress: string;
  /** `Date.now()` of its last HEART_BEAT. */
  lastHeartbeatAt: number;
  /** @internal the transport connection it heart-beat on */
  connection: unknown;
}

/** An END_TRANSACTION request as the broker received it. */
export interface EndTransactionRecord {
  producerGroup: string | null;
  tranStateTableOffset: number | null;
  commitLogOffset: number | null;
  /** 8 COMMIT, 12 ROLLBACK, 0 UNKNOWN. */
  commitOrRollback: number | null;
  fromTransactionCheck: boolean;
  msgId: string | null;
  transactionId: string | null;
  topic: string | null;
  brokerName: string | null;
  remark: string | null;
  oneway: boolean;
  remoteAddress: string;
}

/** The sender of a request. */
export interface RequestOrigin {
  /** `ip:port` of the client. */
  remoteAddress: string;
  /** Opaque transport handle (kept with heartbeats, for broker → client requests). */
  connection?: unknown;
}

interface SendHeader {
  producerGroup: string | undefined;
  topic: string | undefined;
  defaultTopic: string | undefined;
  defaultTopicQueueNums: number | null;
  queueId: number | null;
  sysFlag: number | null;
  bornTimestamp: number | null;
  flag: number | null;
  properties: string | undefined;
  reconsumeTimes: number | null;
  unitMode: boolean;
  batch: boolean;
}

/** @internal */
export class BrokerProcessor {
  readonly options: BrokerProcessorOptions;
  readonly versionOrdinal: number;
  private readonly topics = new Map<string, TopicConfig>();
  private dataVersionCounter = 0;
  private dataVersionTimestamp = Date.now();
  readonly clients = new Map<string, ClientRecord>();
  readonly endTransactions: EndTransactionRecord[] = [];
  /** Undecided transactions, by `UNIQ_KEY`. */
  readonly pendingTransactions = new Map<string, PendingTransaction>();
  private readonly dueTimers = new DueTimers();
  /** The last topic a send passed the checks with, and its config, valid while the topic table is unchanged. */
  private checkedTopic: string | null = null;
  private checkedConfig: TopicConfig | null = null;
  private checkedAtVersion = -1;
  /** The frame template of SUCCESS send answers. */
  private readonly okFrames: SendOkFrames;
  /** The same for 4.9's ROCKETMQ answers to ROCKETMQ requests. */
  private readonly okBinaryFrames: SendOkBinaryFrames;
  /** The last SUCCESS send answer built, and its values (for {@link encodeResponse}). */
  private okCommand: RemotingCommand | null = null;
  private readonly okFields: SendOkFields = { queueId: 0, queueOffset: 0, msgId: '', transactionId: undefined, opaque: 0 };
  /** Per-record spans of the batch being stored (grown as needed, reused). */
  private batchSpans = new Int32Array(64 * BATCH_SPAN_FIELDS);

  constructor(options: BrokerProcessorOptions) {
    this.options = options;
    this.versionOrdinal = VERSION_ORDINAL[options.version];
    this.okFrames = new SendOkFrames(options.version, this.versionOrdinal, options.regionId, options.traceOn);
    this.okBinaryFrames = new SendOkBinaryFrames(this.versionOrdinal, options.regionId, options.traceOn);
    this.initSystemTopics();
  }

  /**
   * The frame of a response this processor just returned, when it can write it faster than the general encoder
   * (the SUCCESS answer of a send, JSON or 4.9's ROCKETMQ header), byte for byte what `encodeFrameHead` writes; `null` otherwise.
   * Only valid right after {@link process} returned `response`.
   */
  encodeResponse(response: RemotingCommand): Buffer | null {
    if (response !== this.okCommand) return null;
    this.okCommand = null;
    // Only 4.9 answers in ROCKETMQ (to a ROCKETMQ request); 5.x always in JSON.
    if (response.serializeType === SerializeType.ROCKETMQ) return this.okBinaryFrames.encode(this.okFields);
    return this.okFrames.encode(this.okFields);
  }

  /** Cancels every scheduled delivery (broker stop). */
  close(): void {
    this.dueTimers.close();
  }

  /** Appends to the store and tells `onPut` (a responder may answer requests from it). */
  private put(input: Parameters<MessageStore['put']>[0]): ReturnType<MessageStore['put']> {
    const result = this.options.store.put(input);
    const onPut = this.options.onPut;
    // Decoding the record costs; only when someone listens.
    if (onPut !== undefined && (this.options.hasPutListeners?.() ?? true)) {
      const stored = this.options.store.newest();
      if (stored !== undefined) onPut(stored);
    }
    return result;
  }

  /** {@link put}, then `onMessageStored` for the message (`uniqueId`: its UNIQ_KEY, if known). */
  private putAndTell(input: Parameters<MessageStore['put']>[0], uniqueId: string | null): ReturnType<MessageStore['put']> {
    const result = this.put(input);
    this.options.onMessageStored?.({
      topic: input.topic,
      queueId: input.queueId,
      queueOffset: result.queueOffset,
      msgId: result.msgId,
      bodyLength: input.body.length,
      bornHost: input.bornHost,
      uniqueId,
    });
    return result;
  }

  /** Topic configs, by name. */
  get topicConfigs(): ReadonlyMap<string, TopicConfig> {
    return this.topics;
  }

  /** `TopicConfigSerializeWrapper.dataVersion`, bumped on every topic change. */
  get dataVersion(): { counter: number; timestamp: number } {
    return { counter: this.dataVersionCounter, timestamp: this.dataVersionTimestamp };
  }

  /** Creates or replaces a topic (admin `updateTopic`). */
  createTopic(topic: string, queueNums = this.options.queuesPerTopic, perm: number = PermName.READ | PermName.WRITE): TopicConfig {
    const config = createTopicConfig(topic, queueNums, perm);
    this.topics.set(topic, config);
    this.bumpDataVersion();
    return config;
  }

  /** Removes a topic; returns whether it existed. */
  deleteTopic(topic: string): boolean {
    const existed = this.topics.delete(topic);
    if (existed) this.bumpDataVersion();
    return existed;
  }

  /**
   * Processes one request. Returns the response, or `null` when none is sent (oneway requests are never answered).
   */
  process(request: RemotingCommand, origin: RequestOrigin): RemotingCommand | null | Promise<RemotingCommand | null> {
    let response: RemotingCommand | null | Promise<RemotingCommand | null>;
    try {
      response = this.dispatch(request, origin);
    } catch (error) {
      response = this.exceptionResponse(request, error);
    }
    if (response instanceof Promise) {
      return response.then(
        (result) => (isOneway(request) ? null : result),
        (error: unknown) => (isOneway(request) ? null : this.exceptionResponse(request, error)),
      );
    }
    return isOneway(request) ? null : response;
  }

  /** The Java remoting layer answers a processor exception with SYSTEM_ERROR in its default (JSON) serialization. */
  private exceptionResponse(request: RemotingCommand, error: unknown): RemotingCommand {
    const remark = error instanceof JavaException ? error.javaDescription : `java.lang.RuntimeException: ${String(error)}`;
    return this.response(request, ResponseCode.SYSTEM_ERROR, { remark, serializeType: SerializeType.JSON });
  }

  private dispatch(request: RemotingCommand, origin: RequestOrigin): RemotingCommand | null | Promise<RemotingCommand | null> {
    switch (request.code) {
      case RequestCode.SEND_MESSAGE:
        return this.sendMessage(request, origin, readHeaderV1(request.extFields ?? {}), false);
      case RequestCode.SEND_MESSAGE_V2:
        return this.sendMessage(request, origin, readHeaderV2(request.extFields ?? {}), false);
      case RequestCode.SEND_REPLY_MESSAGE:
        return this.replyMessage(request, origin, readHeaderV1(request.extFields ?? {}));
      case RequestCode.SEND_REPLY_MESSAGE_V2:
        return this.replyMessage(request, origin, readHeaderV2(request.extFields ?? {}));
      case RequestCode.SEND_BATCH_MESSAGE:
        return this.sendMessage(request, origin, readHeaderV2(request.extFields ?? {}), true);
      case RequestCode.HEART_BEAT:
        return this.heartBeat(request, origin);
      case RequestCode.UNREGISTER_CLIENT:
        return this.unregisterClient(request);
      case RequestCode.END_TRANSACTION:
        return this.endTransaction(request, origin);
      default:
        return this.response(request, ResponseCode.REQUEST_CODE_NOT_SUPPORTED, {
          remark: ` request type ${request.code} not supported`,
          serializeType: SerializeType.JSON,
        });
    }
  }

  private response(request: RemotingCommand, code: number, options: JavaServerResponseOptions = {}): RemotingCommand {
    return javaServerResponse(request, code, this.options.version, this.versionOrdinal, options);
  }

  /** The error response of the send processor: always carries TRACE_ON and MSG_REGION. */
  private sendError(request: RemotingCommand, code: number, remark: string): RemotingCommand {
    return this.response(request, code, {
      remark,
      extFields: { TRACE_ON: String(this.options.traceOn), MSG_REGION: this.options.regionId },
    });
  }

  // ---- sends -----------------------------------------------------------------------------------------------------

  /** AbstractSendMessageProcessor.msgCheck plus the queue choice: the queue to use, or the error response. */
  private checkSend(request: RemotingCommand, origin: RequestOrigin, header: SendHeader): { topic: string; queueId: number } | RemotingCommand {
    const options = this.options;
    const topic = header.topic;
    let config: TopicConfig | undefined;
    if (topic !== undefined && topic === this.checkedTopic && this.checkedAtVersion === this.dataVersionCounter) {
      // The same topic as the last send, the topic table unchanged: the same checks would pass the same way.
      config = this.checkedConfig!;
    } else {
      const topicProblem = topicNameProblem(topic);
      if (topicProblem !== null || topic === undefined) {
        const code = options.version === '5.x' ? ResponseCode.INVALID_PARAMETER : ResponseCode.SYSTEM_ERROR;
        return this.sendError(request, code, topicProblem ?? 'The specified topic is blank.');
      }
      if (NOT_ALLOWED_SEND_TOPICS.has(topic)) {
        return this.sendError(request, ResponseCode.NO_PERMISSION, `Sending message to topic[${topic}] is forbidden.`);
      }
      config = this.topics.get(topic);
    }
    if (config === undefined) {
      if (header.defaultTopicQueueNums === null || header.defaultTopic === undefined) throw nullPointer();
      config = this.createTopicInSendMessageMethod(topic, header.defaultTopic, header.defaultTopicQueueNums);
      if (config === undefined) {
        return this.sendError(request, ResponseCode.TOPIC_NOT_EXIST, `topic[${topic}] not exist, apply first please!${FAQ_SUGGESTION}`);
      }
    }
    this.checkedTopic = topic;
    this.checkedConfig = config;
    this.checkedAtVersion = this.dataVersionCounter;
    if (header.queueId === null) throw nullPointer();
    if (header.queueId >= Math.max(config.writeQueueNums, config.readQueueNums)) {
      return this.sendError(
        request,
        ResponseCode.SYSTEM_ERROR,
        `request queueId[${header.queueId}] is illegal, ${topicConfigToString(config)} Producer: ${origin.remoteAddress}`,
      );
    }
    let queueId = header.queueId;
    if (queueId < 0) {
      if (config.writeQueueNums <= 0) throw new JavaException('java.lang.ArithmeticException: / by zero');
      queueId = Math.floor(Math.random() * 99999999) % config.writeQueueNums;
    }
    if (header.sysFlag === null || header.bornTimestamp === null || header.flag === null) throw nullPointer();
    return { topic, queueId };
  }

  private sendMessage(request: RemotingCommand, origin: RequestOrigin, header: SendHeader, batch: boolean): RemotingCommand {
    const checked = this.checkSend(request, origin, header);
    if ('code' in checked) return checked;
    const { topic, queueId } = checked;
    if (batch && this.options.version === '5.x' && topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) {
      return this.sendError(request, ResponseCode.MESSAGE_ILLEGAL, `batch request does not support retry group ${topic}`);
    }
    const body = request.body ?? Buffer.alloc(0);
    return batch
      ? this.storeBatch(request, origin, header, topic, queueId, body)
      : this.storeSingle(request, origin, header, topic, queueId, body);
  }

  /**
   * ReplyMessageProcessor: push the reply to the requester (found by the `REPLY_TO_CLIENT` client id it registered by
   * heartbeat) with PUSH_REPLY_MESSAGE_TO_CLIENT, answer SUCCESS (msgId "0", offset 0) if it acknowledged, then store
   * the reply with its properties string as sent.
   */
  private async replyMessage(request: RemotingCommand, origin: RequestOrigin, header: SendHeader): Promise<RemotingCommand> {
    const checked = this.checkSend(request, origin, header);
    if ('code' in checked) return checked;
    const { topic, queueId } = checked;
    const options = this.options;
    const body = request.body ?? Buffer.alloc(0);
    const propertiesText = header.properties ?? '';
    const properties = decodeProperties(propertiesText);
    const senderId = properties.REPLY_TO_CLIENT;
    let pushRemark: string | null;
    if (senderId === undefined) {
      pushRemark = 'reply message properties[REPLY_TO_CLIENT] is null';
    } else {
      const client = this.clients.get(senderId);
      if (client === undefined || options.callClient === undefined) {
        pushRemark = `push reply message fail, channel of <${senderId}> not found.`;
      } else {
        // The push carries the 325's header fields (ReplyMessageRequestHeader, Java HashMap order on the wire) and
        // the properties with PUSH_REPLY_TIME added; the body is the reply body as sent.
        const pushProperties = encodePropertiesJavaOrder({ ...properties, PUSH_REPLY_TIME: String(Date.now()) });
        const fields: Record<string, string | null> = {
          queueId: header.queueId === null ? null : String(header.queueId),
          flag: header.flag === null ? null : String(header.flag),
          sysFlag: header.sysFlag === null ? null : String(header.sysFlag),
          reconsumeTimes: header.reconsumeTimes === null ? null : String(header.reconsumeTimes),
          storeTimestamp: String(Date.now()),
          unitMode: String(header.unitMode),
          defaultTopic: header.defaultTopic ?? null,
          bornHost: origin.remoteAddress,
          defaultTopicQueueNums: header.defaultTopicQueueNums === null ? null : String(header.defaultTopicQueueNums),
          producerGroup: header.producerGroup ?? null,
          topic,
          bornTimestamp: header.bornTimestamp === null ? null : String(header.bornTimestamp),
          storeHost: options.address,
          properties: pushProperties,
        };
        const extFields: Record<string, string> = {};
        for (const [name, value] of Object.entries(fields)) if (value !== null) extFields[name] = value;
        const push = createRequest(RequestCode.PUSH_REPLY_MESSAGE_TO_CLIENT, extFields, { body, version: this.versionOrdinal });
        try {
          const pushed = await options.callClient(client.connection, push);
          pushRemark = pushed.code === ResponseCode.SUCCESS ? null : `push reply message to ${senderId}fail.`;
        } catch {
          pushRemark = `push reply message to ${senderId}fail.`;
        }
      }
    }
    let queueOffset = 0;
    let msgId = '0';
    // storeReplyMessageEnable (default true): the reply is stored, with the properties string as sent, after the push.
    if (Buffer.byteLength(propertiesText) <= MAX_PROPERTIES_LENGTH && body.length <= options.maxMessageSize) {
      const result = this.putAndTell(
        sendPutInput(header, origin.remoteAddress, topic, queueId, body, propertiesText),
        properties.UNIQ_KEY ?? null,
      );
      queueOffset = result.queueOffset;
      msgId = result.msgId;
    }
    const response =
      pushRemark === null ? this.sendOk(request, queueId, queueOffset, msgId, undefined) : this.sendError(request, ResponseCode.SYSTEM_ERROR, pushRemark);
    return response;
  }

  private createTopicInSendMessageMethod(topic: string, defaultTopic: string, clientQueueNums: number): TopicConfig | undefined {
    let created: TopicConfig | undefined;
    const template = this.topics.get(defaultTopic);
    if (template !== undefined) {
      let perm = template.perm;
      if (defaultTopic === AUTO_CREATE_TOPIC_KEY && !this.options.autoCreateTopic) perm = PermName.READ | PermName.WRITE;
      if ((perm & PermName.INHERIT) !== 0) {
        const queueNums = Math.max(0, Math.min(clientQueueNums, template.writeQueueNums));
        created = createTopicConfig(topic, queueNums, perm & ~PermName.INHERIT);
      }
    }
    // Java then falls back to creating a retry topic with one queue (createTopicInSendMessageBackMethod).
    if (created === undefined && topic.startsWith(RETRY_GROUP_TOPIC_PREFIX)) created = createTopicConfig(topic, 1);
    if (created === undefined) return undefined;
    this.topics.set(topic, created);
    this.bumpDataVersion();
    this.options.onTopicCreated?.(created);
    return created;
  }

  /**
   * An ordinary message (not transactional, delayed or timed) whose stored properties string is known: the end of
   * {@link storeSingle} without the properties map.
   */
  private storeOrdinary(
    request: RemotingCommand,
    origin: RequestOrigin,
    header: SendHeader,
    topic: string,
    queueId: number,
    body: Buffer,
    propertiesText: string,
    uniqueId: string | undefined,
  ): RemotingCommand {
    const options = this.options;
    if (Buffer.byteLength(propertiesText) > MAX_PROPERTIES_LENGTH || body.length > options.maxMessageSize) {
      return this.sendError(request, ResponseCode.MESSAGE_ILLEGAL, ILLEGAL_MESSAGE_REMARK(options.maxMessageSize));
    }
    const result = this.putAndTell(sendPutInput(header, origin.remoteAddress, topic, queueId, body, propertiesText), uniqueId ?? null);
    return this.sendOk(request, queueId, result.queueOffset, result.msgId, uniqueId);
  }

  private storeSingle(
    request: RemotingCommand,
    origin: RequestOrigin,
    header: SendHeader,
    topic: string,
    queueId: number,
    body: Buffer,
  ): RemotingCommand {
    const options = this.options;
    const plain = plainSendProperties(header.properties ?? '', options.clusterName, options.version === '5.x', options.version === '5.x' ? createUniqueId : null);
    if (plain !== null) return this.storeOrdinary(request, origin, header, topic, queueId, body, plain.stored, plain.uniqueId);
    const properties = decodeProperties(header.properties ?? '');
    if (options.version === '5.x' && properties.UNIQ_KEY === undefined) properties.UNIQ_KEY = createUniqueId();
    properties.CLUSTER = options.clusterName;
    if (options.version === '4.9' && properties.WAIT !== undefined) {
      // 4.9.8 SendMessageProcessor removes WAIT for the stored string and puts it back: it is inserted last in the
      // map, which decides its place among the names of its HashMap bucket (e.g. after PGROUP, DELAY, TTL). 5.3.3
      // leaves the map as decoded.
      const wait = properties.WAIT;
      delete properties.WAIT;
      properties.WAIT = wait;
    }
    let sysFlag = header.sysFlag ?? 0;
    let storeTopic = topic;
    let storeQueueId = queueId;
    let deliverableAt: number | undefined;
    // Java keeps WAIT in the map and drops it only from the string of an ordinary message; the half, delay and timer
    // paths rebuild the string from the map (Java HashMap order), WAIT included.
    let propertiesText: string;
    const transactional = parseJavaBoolean(properties.TRAN_MSG);
    const tranType = sysFlag & TRANSACTION_TYPE_MASK;
    const delayLevel = properties.DELAY === undefined ? 0 : parseJavaInt(properties.DELAY);
    const timerDue = options.version === '5.x' && delayLevel <= 0 && tranType !== TRANSACTION_PREPARED_TYPE ? timerDueAt(properties) : null;
    if (transactional && !((header.reconsumeTimes ?? 0) > 0 && delayLevel > 0)) {
      if (options.rejectTransactionMessage) {
        return this.sendError(request, ResponseCode.NO_PERMISSION, `the broker[${hostOf(options.address)}] sending transaction message is forbidden`);
      }
      // TransactionalMessageBridge.parseHalfMessageInner: park the message in the half topic, queue 0.
      properties.REAL_TOPIC = topic;
      properties.REAL_QID = String(queueId);
      sysFlag &= ~TRANSACTION_TYPE_MASK;
      storeTopic = HALF_TOPIC;
      storeQueueId = 0;
      propertiesText = encodePropertiesJavaOrder(properties);
    } else if (delayLevel > 0 && (tranType === 0 || tranType === TRANSACTION_COMMIT_TYPE)) {
      // CommitLog.putMessage: the message waits under SCHEDULE_TOPIC_XXXX, queue level − 1, until due.
      const levels = this.delayLevels;
      const level = Math.min(delayLevel, levels.length);
      properties.REAL_TOPIC = topic;
      properties.REAL_QID = String(queueId);
      storeTopic = SCHEDULE_TOPIC;
      storeQueueId = level - 1;
      deliverableAt = Date.now() + levels[level - 1]!;
      propertiesText = encodePropertiesJavaOrder(properties);
    } else if (timerDue !== null) {
      if ('error' in timerDue) return this.sendError(request, ResponseCode.MESSAGE_ILLEGAL, timerDue.error);
      if (timerDue.dueAt > Date.now()) {
        // HookUtils.transformTimerMessage: parked under rmq_sys_wheel_timer with TIMER_OUT_MS until due.
        properties.TIMER_OUT_MS = String(timerDue.dueAt);
        properties.REAL_TOPIC = topic;
        properties.REAL_QID = String(queueId);
        storeTopic = TIMER_TOPIC;
        storeQueueId = 0;
        deliverableAt = timerDue.dueAt;
      }
      propertiesText = encodePropertiesJavaOrder(properties);
    } else {
      // From the sent string, not the object: a JS object puts integer-like names first, a HashMap does not.
      const v5 = options.version === '5.x';
      propertiesText = javaStoredSendProperties(header.properties ?? '', options.clusterName, v5, v5 ? properties.UNIQ_KEY! : null);
    }
    if (Buffer.byteLength(propertiesText) > MAX_PROPERTIES_LENGTH || body.length > options.maxMessageSize) {
      return this.sendError(request, ResponseCode.MESSAGE_ILLEGAL, ILLEGAL_MESSAGE_REMARK(options.maxMessageSize));
    }
    const input = sendPutInput(header, origin.remoteAddress, storeTopic, storeQueueId, body, propertiesText);
    input.sysFlag = sysFlag;
    if (deliverableAt !== undefined) input.deliverableAt = deliverableAt;
    const result = this.put(input);
    if (storeTopic === HALF_TOPIC && properties.UNIQ_KEY !== undefined && properties.PGROUP !== undefined) {
      this.pendingTransactions.set(properties.UNIQ_KEY, {
        uniqueId: properties.UNIQ_KEY,
        producerGroup: properties.PGROUP,
        commitLogOffset: result.commitLogOffset,
        checkTimes: 0,
        bornTimestamp: header.bornTimestamp ?? 0,
      });
    }
    if (deliverableAt !== undefined) this.scheduleDelivery(result.commitLogOffset, deliverableAt);
    options.onMessageStored?.({
      topic: storeTopic,
      queueId: storeQueueId,
      queueOffset: result.queueOffset,
      msgId: result.msgId,
      bodyLength: body.length,
      bornHost: origin.remoteAddress,
      uniqueId: properties.UNIQ_KEY ?? null,
    });
    return this.sendOk(request, queueId, result.queueOffset, result.msgId, properties.UNIQ_KEY);
  }

  /** Milliseconds per delay level. */
  private get delayLevels(): readonly number[] {
    return this.options.delayLevels ?? DEFAULT_DELAY_LEVEL_MILLIS;
  }

  /**
   * ScheduleMessageService / TimerMessageStore: when due, the parked message is written again on its real topic and
   * queue, with the same properties string (Java keeps DELAY, REAL_TOPIC and REAL_QID in it).
   */
  private scheduleDelivery(commitLogOffset: number, dueAt: number): void {
    this.dueTimers.at(dueAt, () => {
      const parked = this.options.store.messageAt(commitLogOffset);
      if (parked === undefined) return;
      const realTopic = parked.properties.REAL_TOPIC;
      const realQueueId = Number(parked.properties.REAL_QID ?? 0);
      if (realTopic === undefined) return;
      const record = this.options.store.recordAt(commitLogOffset);
      const propertiesText = record === undefined ? encodeProperties(parked.properties) : propertiesOfRecord(record);
      this.putAndTell(
        {
          topic: realTopic,
          queueId: realQueueId,
          flag: parked.flag,
          sysFlag: parked.sysFlag,
          bornTimestamp: parked.bornTimestamp,
          bornHost: parked.bornHost,
          reconsumeTimes: parked.reconsumeTimes,
          body: parked.rawBody,
          properties: propertiesText,
          deliverableAt: dueAt,
        },
        parked.uniqueId,
      );
    });
  }

  /**
   * One pass of TransactionalMessageCheckService: every undecided half message born at least `transactionTimeOut`
   * ago is re-put into the half topic (with TRANSACTION_CHECK_TIMES + 1) and a CHECK_TRANSACTION_STATE naming that
   * copy is built; one checked `transactionCheckMax` times is given up (moved to TRANS_CHECK_MAX_TIME_TOPIC).
   * @param transactionTimeOutMillis - age below which a half message is not checked yet
   * @param only - check just this transaction (by `UNIQ_KEY`), whatever its age
   * @internal
   */
  collectTransactionChecks(transactionTimeOutMillis: number, only?: string): TransactionCheck[] {
    const checks: TransactionCheck[] = [];
    const now = Date.now();
    const max = this.options.transactionCheckMax ?? 15;
    for (const pending of [...this.pendingTransactions.values()]) {
      if (only !== undefined ? pending.uniqueId !== only : now - pending.bornTimestamp < transactionTimeOutMillis) continue;
      const half = this.options.store.messageAt(pending.commitLogOffset);
      if (half === undefined) {
        this.pendingTransactions.delete(pending.uniqueId);
        continue;
      }
      if (pending.checkTimes >= max) {
        // resolveDiscardMsg: the half message leaves the check cycle for TRANS_CHECK_MAX_TIME_TOPIC.
        this.pendingTransactions.delete(pending.uniqueId);
        this.put({ ...putInputOf(half), topic: 'TRANS_CHECK_MAX_TIME_TOPIC', queueId: 0, properties: encodePropertiesJavaOrder(half.properties) });
        continue;
      }
      pending.checkTimes++;
      const properties: Record<string, string> = { ...half.properties, TRANSACTION_CHECK_TIMES: String(pending.checkTimes) };
      const copy = this.put({ ...putInputOf(half), topic: HALF_TOPIC, queueId: 0, properties: encodePropertiesJavaOrder(properties) });
      pending.commitLogOffset = copy.commitLogOffset;
      // The check names the copy but carries the checked record's store time; the map it encodes has WAIT=false.
      const checkProperties = { ...properties, WAIT: 'false' };
      const body = encodeStoredMessage({
        queueId: Number(properties.REAL_QID ?? 0),
        flag: half.flag,
        queueOffset: BigInt(copy.queueOffset),
        commitLogOffset: BigInt(copy.commitLogOffset),
        sysFlag: half.sysFlag,
        bornTimestamp: half.bornTimestamp,
        bornHost: half.bornHost,
        storeTimestamp: half.storeTimestamp,
        storeHost: half.storeHost,
        reconsumeTimes: half.reconsumeTimes,
        preparedTransactionOffset: 0n,
        body: half.rawBody,
        topic: properties.REAL_TOPIC ?? half.topic,
        properties: encodePropertiesJavaOrder(checkProperties),
      });
      // Insertion order matters only inside a HashMap bucket: tranStateTableOffset before offsetMsgId (as captured).
      const header: [string, string][] = [
        ['tranStateTableOffset', String(copy.queueOffset)],
        ['commitLogOffset', String(copy.commitLogOffset)],
        ['msgId', pending.uniqueId],
        ['transactionId', pending.uniqueId],
        ['offsetMsgId', copy.msgId],
      ];
      if (this.options.version === '5.x') header.push(['bname', this.options.brokerName]);
      checks.push({
        producerGroup: pending.producerGroup,
        request: createRequest(RequestCode.CHECK_TRANSACTION_STATE, Object.fromEntries(javaHashMapOrder(header)), {
          oneway: true,
          body,
          version: this.versionOrdinal,
        }),
      });
    }
    return checks;
  }

  private storeBatch(
    request: RemotingCommand,
    origin: RequestOrigin,
    header: SendHeader,
    topic: string,
    queueId: number,
    body: Buffer,
  ): RemotingCommand {
    const options = this.options;
    if (body.length > options.maxMessageSize) {
      return this.sendError(request, ResponseCode.MESSAGE_ILLEGAL, ILLEGAL_MESSAGE_REMARK(options.maxMessageSize));
    }
    // The records' bounds, checked as decodeBatchBody checks them (anything it refuses, Java fails to read).
    const count = this.scanBatch(body);
    if (count < 0) throw new JavaException('java.nio.BufferUnderflowException');
    // The batch's own properties with CLUSTER put, in Java HashMap order (messageProperties2String of the batch's
    // map, appended to every record's properties by the commit log's batch encoder); WAIT stays.
    const batchText = javaStoredSendProperties(header.properties ?? '', options.clusterName, true, null);
    const batchUniqueId = decodeProperties(header.properties ?? '').UNIQ_KEY;
    const batchBytes = Buffer.from(batchText, 'utf8');
    if (batchBytes.length > MAX_PROPERTIES_LENGTH) {
      return this.sendError(request, ResponseCode.MESSAGE_ILLEGAL, ILLEGAL_MESSAGE_REMARK(options.maxMessageSize));
    }
    // A listener hears of each record as it is stored, and records whose properties are not valid UTF-8 are stored
    // as Java re-encodes them: both take the record-by-record path.
    if (options.onMessageStored !== undefined || !this.batchPropertiesAreUtf8(body, count)) {
      return this.storeBatchRecords(request, origin, header, topic, queueId, decodeBatchBody(body), batchText, batchUniqueId);
    }
    const spans = this.batchSpans;
    for (let i = 0, at = 0; i < count; i++, at += BATCH_SPAN_FIELDS) {
      // CommitLog batch encoder: record properties, a separator unless it already ends with one, batch properties.
      const ownLength = spans[at + 4]!;
      const separator = ownLength > 0 && body[spans[at + 3]! + ownLength - 1] !== 0x02 ? 1 : 0;
      if (ownLength + separator + batchBytes.length > MAX_PROPERTIES_LENGTH) {
        return this.sendError(request, ResponseCode.MESSAGE_ILLEGAL, ILLEGAL_MESSAGE_REMARK(options.maxMessageSize));
      }
      spans[at + 5] = separator;
    }
    const result = options.store.putBatch({
      topic,
      queueId,
      sysFlag: header.sysFlag ?? 0,
      bornTimestamp: header.bornTimestamp ?? 0,
      bornHost: origin.remoteAddress,
      reconsumeTimes: header.reconsumeTimes ?? 0,
      source: body,
      count,
      spans,
      suffix: batchBytes,
    });
    return this.sendOk(request, queueId, result.queueOffset, result.msgIds, batchUniqueId);
  }

  /**
   * Reads the record bounds of a batch body into {@link batchSpans} (flag, body start and length, properties start
   * and length), with exactly the checks of `decodeBatchBody`; returns the number of records, or −1 for a body it
   * would refuse.
   */
  private scanBatch(body: Buffer): number {
    const length = body.length;
    if (length === 0) return -1;
    let spans = this.batchSpans;
    let count = 0;
    let pos = 0;
    while (pos < length) {
      const start = pos;
      if (length - pos < 22) return -1;
      const totalSize = body.readInt32BE(pos);
      const flag = body.readInt32BE(pos + 12);
      const bodyLength = body.readInt32BE(pos + 16);
      pos += 20;
      if (bodyLength < 0 || bodyLength > length - pos - 2) return -1;
      const bodyStart = pos;
      pos += bodyLength;
      const propertiesLength = body.readInt16BE(pos);
      pos += 2;
      if (propertiesLength < 0 || propertiesLength > length - pos) return -1;
      const propertiesStart = pos;
      pos += propertiesLength;
      if (totalSize !== pos - start) return -1;
      const at = count * BATCH_SPAN_FIELDS;
      if (at + BATCH_SPAN_FIELDS > spans.length) {
        const grown = new Int32Array(spans.length * 2);
        grown.set(spans);
        spans = this.batchSpans = grown;
      }
      spans[at] = flag;
      spans[at + 1] = bodyStart;
      spans[at + 2] = bodyLength;
      spans[at + 3] = propertiesStart;
      spans[at + 4] = propertiesLength;
      spans[at + 5] = 0;
      count++;
    }
    return count;
  }

  /** Whether every record's properties bytes are valid UTF-8 (then decoding and re-encoding them changes nothing). */
  private batchPropertiesAreUtf8(body: Buffer, count: number): boolean {
    const spans = this.batchSpans;
    for (let i = 0, at = 0; i < count; i++, at += BATCH_SPAN_FIELDS) {
      const start = spans[at + 3]!;
      const end = start + spans[at + 4]!;
      let ascii = true;
      for (let p = start; p < end; p++) {
        if (body[p]! >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (!ascii && !isUtf8(body.subarray(start, end))) return false;
    }
    return true;
  }

  /** The batch path record by record, from the decoded records and properties strings. */
  private storeBatchRecords(
    request: RemotingCommand,
    origin: RequestOrigin,
    header: SendHeader,
    topic: string,
    queueId: number,
    records: ReturnType<typeof decodeBatchBody>,
    batchText: string,
    batchUniqueId: string | undefined,
  ): RemotingCommand {
    const options = this.options;
    const texts = records.map((record) => {
      const own = record.properties;
      // CommitLog batch encoder: record properties, a separator unless it already ends with one, batch properties.
      return own.length > 0 && !own.endsWith('\x02') ? own + '\x02' + batchText : own + batchText;
    });
    if (texts.some((text) => Buffer.byteLength(text) > MAX_PROPERTIES_LENGTH)) {
      return this.sendError(request, ResponseCode.MESSAGE_ILLEGAL, ILLEGAL_MESSAGE_REMARK(options.maxMessageSize));
    }
    const ids: string[] = [];
    let firstOffset = options.store.nextQueueOffset(topic, queueId);
    records.forEach((record, index) => {
      const input = sendPutInput(header, origin.remoteAddress, topic, queueId, record.body, texts[index] ?? '');
      input.flag = record.flag;
      const result = options.store.put(input);
      if (index === 0) firstOffset = result.queueOffset;
      ids.push(result.msgId);
      options.onMessageStored?.({
        topic,
        queueId,
        queueOffset: result.queueOffset,
        msgId: result.msgId,
        bodyLength: record.body.length,
        bornHost: origin.remoteAddress,
        uniqueId: options.onMessageStored === undefined ? null : (decodeProperties(record.properties).UNIQ_KEY ?? null),
      });
    });
    return this.sendOk(request, queueId, firstOffset, ids.join(','), batchUniqueId);
  }

  /** SendMessageResponseHeader + MSG_REGION/TRACE_ON, in the field order each Java version writes. */
  private sendOk(request: RemotingCommand, queueId: number, queueOffset: number, msgId: string, uniqKey: string | undefined): RemotingCommand {
    const region = this.options.regionId;
    const traceOn = String(this.options.traceOn);
    let extFields: Record<string, string>;
    if (this.options.version === '5.x') {
      extFields = { queueId: String(queueId) };
      if (uniqKey !== undefined) extFields.transactionId = uniqKey;
      Object.assign(extFields, { msgId, TRACE_ON: traceOn, MSG_REGION: region, queueOffset: String(queueOffset) });
    } else if (request.serializeType === SerializeType.ROCKETMQ) {
      // FastCodesHeader: the header's own fields first, in declaration order, then the rest in HashMap order.
      extFields = { msgId, queueId: String(queueId), queueOffset: String(queueOffset), TRACE_ON: traceOn, MSG_REGION: region };
    } else {
      extFields = { queueId: String(queueId), TRACE_ON: traceOn, MSG_REGION: region, msgId, queueOffset: String(queueOffset) };
    }
    const response = this.response(request, ResponseCode.SUCCESS, { extFields });
    // What encodeResponse needs to write this answer from the template.
    const fields = this.okFields;
    fields.queueId = queueId;
    fields.queueOffset = queueOffset;
    fields.msgId = msgId;
    fields.transactionId = uniqKey;
    fields.opaque = response.opaque;
    this.okCommand = response;
    return response;
  }

  // ---- clients ---------------------------------------------------------------------------------------------------

  private heartBeat(request: RemotingCommand, origin: RequestOrigin): RemotingCommand {
    let data: { clientID?: unknown; producerDataSet?: unknown; consumerDataSet?: unknown };
    try {
      data = JSON.parse(request.body?.toString('utf8') ?? 'null') as typeof data;
      if (typeof data !== 'object' || data === null) throw new Error('not an object');
    } catch {
      throw new JavaException('com.alibaba.fastjson.JSONException: syntax error');
    }
    const clientId = typeof data.clientID === 'string' ? data.clientID : '';
    const groupsOf = (set: unknown): string[] =>
      Array.isArray(set)
        ? set
            .map((item: unknown) => (typeof item === 'object' && item !== null ? (item as { groupName?: unknown }).groupName : undefined))
            .filter((name): name is string => typeof name === 'string')
        : [];
    this.clients.set(clientId, {
      clientId,
      language: request.language,
      version: request.version,
      producerGroups: groupsOf(data.producerDataSet),
      consumerGroups: groupsOf(data.consumerDataSet),
      remoteAddress: origin.remoteAddress,
      lastHeartbeatAt: Date.now(),
      connection: origin.connection,
    });
    // 5.1.4+ brokers advertise heartbeat v2 (a consumer feature) on every heartbeat answer.
    const extFields = this.options.version === '5.x' ? { IS_SUPPORT_HEART_BEAT_V2: 'true', IS_SUB_CHANGE: 'true' } : null;
    return this.response(request, ResponseCode.SUCCESS, { extFields });
  }

  private unregisterClient(request: RemotingCommand): RemotingCommand {
    const ext = request.extFields ?? {};
    const clientId = ext.clientID;
    if (clientId === undefined) throw nullPointer();
    const client = this.clients.get(clientId);
    if (client !== undefined) {
      client.producerGroups = client.producerGroups.filter((group) => group !== ext.producerGroup);
      client.consumerGroups = client.consumerGroups.filter((group) => group !== ext.consumerGroup);
      if (client.producerGroups.length === 0 && client.consumerGroups.length === 0) this.clients.delete(clientId);
    }
    return this.response(request, ResponseCode.SUCCESS, { extFields: {} });
  }

  // ---- transactions ----------------------------------------------------------------------------------------------

  private endTransaction(request: RemotingCommand, origin: RequestOrigin): RemotingCommand | null {
    const ext = request.extFields ?? {};
    const optionalLong = (text: string | undefined): number | null => (text === undefined ? null : parseJavaLong(text));
    const record: EndTransactionRecord = {
      producerGroup: ext.producerGroup ?? null,
      tranStateTableOffset: optionalLong(ext.tranStateTableOffset),
      commitLogOffset: optionalLong(ext.commitLogOffset),
      commitOrRollback: ext.commitOrRollback === undefined ? null : parseJavaInt(ext.commitOrRollback),
      fromTransactionCheck: parseJavaBoolean(ext.fromTransactionCheck),
      msgId: ext.msgId ?? null,
      transactionId: ext.transactionId ?? null,
      topic: ext.topic ?? null,
      brokerName: ext.bname ?? null,
      remark: request.remark,
      oneway: isOneway(request),
      remoteAddress: origin.remoteAddress,
    };
    this.endTransactions.push(record);
    const decision = record.commitOrRollback;
    if (decision !== TRANSACTION_COMMIT_TYPE && decision !== TRANSACTION_ROLLBACK_TYPE) return null;
    if (record.producerGroup === null || record.tranStateTableOffset === null || record.commitLogOffset === null) throw nullPointer();
    const half = this.options.store.messageAt(record.commitLogOffset);
    if (half === undefined || half.topic !== HALF_TOPIC) {
      return this.response(request, ResponseCode.SYSTEM_ERROR, {
        remark: decision === TRANSACTION_COMMIT_TYPE ? 'Find prepared transaction message failed' : 'rollback transaction message failed',
      });
    }
    // EndTransactionProcessor.checkPrepareMessage.
    const problem =
      half.properties.PGROUP !== record.producerGroup
        ? 'The producer group wrong'
        : half.queueOffset !== record.tranStateTableOffset
          ? 'The transaction state table offset wrong'
          : null;
    if (problem !== null) return this.response(request, ResponseCode.SYSTEM_ERROR, { remark: problem });
    if (half.uniqueId !== null) this.pendingTransactions.delete(half.uniqueId);
    if (decision === TRANSACTION_COMMIT_TYPE) {
      const realTopic = half.properties.REAL_TOPIC ?? half.topic;
      const realQueueId = Number(half.properties.REAL_QID ?? 0);
      const record = this.options.store.recordAt(half.commitLogOffset);
      // endMessageTransaction: the properties string is the half's (REAL_TOPIC, REAL_QID, TRAN_MSG stay in it).
      this.putAndTell(
        {
          ...putInputOf(half),
          topic: realTopic,
          queueId: realQueueId,
          sysFlag: (half.sysFlag & ~TRANSACTION_TYPE_MASK) | TRANSACTION_COMMIT_TYPE,
          properties: record === undefined ? encodeProperties(half.properties) : propertiesOfRecord(record),
          preparedTransactionOffset: half.commitLogOffset,
        },
        half.uniqueId,
      );
    }
    return this.response(request, ResponseCode.SUCCESS);
  }

  // ---- topic table -----------------------------------------------------------------------------------------------

  /** The system topics a Java broker creates at start (TopicConfigManager), so the route table looks the same. */
  private initSystemTopics(): void {
    const { clusterName, brokerName, autoCreateTopic, queuesPerTopic } = this.options;
    const all = PermName.READ | PermName.WRITE | PermName.INHERIT;
    this.topics.set('SELF_TEST_TOPIC', createTopicConfig('SELF_TEST_TOPIC', 1));
    if (autoCreateTopic) {
      this.topics.set(AUTO_CREATE_TOPIC_KEY, createTopicConfig(AUTO_CREATE_TOPIC_KEY, queuesPerTopic, all));
    }
    this.topics.set(clusterName, createTopicConfig(clusterName, 16, all));
    this.topics.set(brokerName, createTopicConfig(brokerName, 1, all));
    this.topics.set('OFFSET_MOVED_EVENT', createTopicConfig('OFFSET_MOVED_EVENT', 1));
    this.topics.set('SCHEDULE_TOPIC_XXXX', createTopicConfig('SCHEDULE_TOPIC_XXXX', 18));
    this.topics.set(`${clusterName}_REPLY_TOPIC`, createTopicConfig(`${clusterName}_REPLY_TOPIC`, 1));
    this.bumpDataVersion();
  }

  private bumpDataVersion(): void {
    this.dataVersionCounter++;
    this.dataVersionTimestamp = Date.now();
  }
}

function hostOf(address: string): string {
  return address.slice(0, address.lastIndexOf(':'));
}

/** SendMessageRequestHeaderV2 fast decode: a present but non-numeric number throws, a missing one stays null. */
/** An optional int header field (`Integer.parseInt` when present). */
function intField(text: string | undefined): number | null {
  return text === undefined ? null : parseJavaInt(text);
}

function readHeaderV2(ext: Record<string, string>): SendHeader {
  return {
    producerGroup: ext.a,
    topic: ext.b,
    defaultTopic: ext.c,
    defaultTopicQueueNums: intField(ext.d),
    queueId: intField(ext.e),
    sysFlag: intField(ext.f),
    bornTimestamp: ext.g === undefined ? null : parseJavaLong(ext.g),
    flag: intField(ext.h),
    properties: ext.i,
    reconsumeTimes: intField(ext.j),
    unitMode: parseJavaBoolean(ext.k),
    batch: parseJavaBoolean(ext.m),
  };
}

/** Generic (reflective) decode of SendMessageRequestHeader: Java logs and skips fields it cannot parse. */
function readHeaderV1(ext: Record<string, string>): SendHeader {
  const lenient = (key: string, parse: (text: string) => number): number | null => {
    const text = ext[key];
    if (text === undefined) return null;
    try {
      return parse(text);
    } catch {
      return null;
    }
  };
  return {
    producerGroup: ext.producerGroup,
    topic: ext.topic,
    defaultTopic: ext.defaultTopic,
    defaultTopicQueueNums: lenient('defaultTopicQueueNums', parseJavaInt),
    queueId: lenient('queueId', parseJavaInt),
    sysFlag: lenient('sysFlag', parseJavaInt),
    bornTimestamp: lenient('bornTimestamp', parseJavaLong),
    flag: lenient('flag', parseJavaInt),
    properties: ext.properties,
    reconsumeTimes: lenient('reconsumeTimes', parseJavaInt),
    unitMode: parseJavaBoolean(ext.unitMode),
    batch: parseJavaBoolean(ext.batch),
  };
}


/** Milliseconds of the 4.x default delay levels. */
const DEFAULT_DELAY_LEVEL_MILLIS: readonly number[] = [
  1, 5, 10, 30, 60, 120, 180, 240, 300, 360, 420, 480, 540, 600, 1200, 1800, 3600, 7200,
].map((seconds) => seconds * 1000);

/** What the store is given for a message of a send request: the header's fields, Java's defaults for absent ones. */
function sendPutInput(
  header: SendHeader,
  bornHost: string,
  topic: string,
  queueId: number,
  body: Buffer,
  properties: string,
): Parameters<MessageStore['put']>[0] {
  return {
    topic,
    queueId,
    flag: header.flag ?? 0,
    sysFlag: header.sysFlag ?? 0,
    bornTimestamp: header.bornTimestamp ?? 0,
    bornHost,
    reconsumeTimes: header.reconsumeTimes ?? 0,
    body,
    properties,
  };
}

/** The fields of a stored message needed to write it again. */
function putInputOf(message: StoredMessage): Parameters<MessageStore['put']>[0] {
  return {
    topic: message.topic,
    queueId: message.queueId,
    flag: message.flag,
    sysFlag: message.sysFlag,
    bornTimestamp: message.bornTimestamp,
    bornHost: message.bornHost,
    reconsumeTimes: message.reconsumeTimes,
    body: message.rawBody,
    properties: encodeProperties(message.properties),
  };
}

/** The properties string of a stored record, exactly as stored. */
function propertiesOfRecord(record: Buffer): string {
  return decodeStoredMessage(record).properties;
}

/**
 * 5.x HookUtils.checkIfTimerMessage: the due time of a timer message (`TIMER_DELIVER_MS`, or store time +
 * `TIMER_DELAY_SEC` / `TIMER_DELAY_MS`), `null` for none, or the MESSAGE_ILLEGAL remark.
 */
function timerDueAt(properties: Record<string, string>): { dueAt: number } | { error: string } | null {
  const now = Date.now();
  let dueAt: number;
  if (properties.TIMER_DELIVER_MS !== undefined) dueAt = parseJavaLong(properties.TIMER_DELIVER_MS);
  else if (properties.TIMER_DELAY_SEC !== undefined) dueAt = now + parseJavaLong(properties.TIMER_DELAY_SEC) * 1000;
  else if (properties.TIMER_DELAY_MS !== undefined) dueAt = now + parseJavaLong(properties.TIMER_DELAY_MS);
  else return null;
  if (dueAt - now > TIMER_MAX_DELAY_MILLIS) {
    return { error: `timer message illegal, the delay time should not be bigger than the max delay ${TIMER_MAX_DELAY_MILLIS}ms` };
  }
  return { dueAt };
}
