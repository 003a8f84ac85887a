import type { OperatorFunction } from 'rxjs';
import { createUniqueId, defaultUniqueIdGenerator } from '../../message/message-id.js';
import { buildPropertiesString, propertiesAroundUniqKey } from '../../message/properties.js';
import type { PropertyParts } from '../../message/properties.js';
import { jsonStringContent } from '../../remoting/json-header-writer.js';
import type { JsonFieldPieces } from '../../remoting/remoting-command.js';
import { checkPropertiesSize, REPLY_MESSAGE_FLAG } from '../../message/validators.js';
import { SysFlag } from '../../message/compression.js';
import { RequestCode } from '../../remoting/request-code.js';
import { MessageType } from '../hooks.js';
import { withNamespace } from '../namespace.js';
import type { PreparedContext, ValidatedContext } from '../send-context.js';
import { lightStep } from './light-step.js';

const TRANSACTION_PREPARED_TYPE = SysFlag.TRANSACTION_PREPARED;

/** The properties of the send being prepared (see {@link prepareMessage}). */
const PARTS: PropertyParts = {
  tags: null,
  keys: null,
  waitStoreMsgOK: true,
  delayTimeLevel: null,
  userProperties: null,
  timerDeliverMs: null,
  timerDelayMs: null,
  omitWait: false,
  transactionPrepared: false,
  producerGroup: null,
  systemProperties: null,
  uniqKey: null,
  instanceId: null,
  contentType: null,
};

/**
 * The JSON-encoded text around the UNIQ_KEY of the last send that had one, and the text it was encoded from: a
 * producer's sends mostly share it, so it is encoded once, not escaped again in every request header (see
 * {@link propertiesPiecesOf}).
 */
let lastHead = '';
let lastHeadJson: Uint8Array = jsonStringContent('');
const NO_BYTES = new Uint8Array(0);
let lastTail = '';
let lastTailJson: Uint8Array = jsonStringContent('');

/**
 * The properties `text` (`head + idStart + idEnd + tail`, the unique id being `idStart + idEnd`, `idStartAscii` the
 * bytes of `idStart`) as pieces for the JSON header writer: the encoded text around the id, and the id's two parts.
 * (Properties with user properties, timers or a content type get none: the writer escapes their text.)
 */
function propertiesPiecesOf(text: string, head: string, idStartAscii: Uint8Array, idEnd: string, tail: string): JsonFieldPieces {
  // The same strings as the send before (a comparison of two pointers) but for a change of shape.
  if (head !== lastHead) {
    lastHeadJson = jsonStringContent(head);
    lastHead = head;
  }
  if (tail !== lastTail) {
    lastTailJson = jsonStringContent(tail);
    lastTail = tail;
  }
  return { key: 'i', text, beforeJson: lastHeadJson, middleStartAscii: idStartAscii, middle: idEnd, afterJson: lastTailJson };
}

/** Options of {@link prepareMessage}. @internal */
export interface PrepareMessageOptions {
  /** Applied to the topic and sent as `INSTANCE_ID`. */
  readonly namespace: string | null;
  /** `PGROUP` of transactional half messages (the group as sent). */
  readonly producerGroup?: string;
  /** Unique id source (tests pin it). */
  readonly createUniqueId?: () => string;
  /**
   * The send's `startedAt` is wall-clock time (the producer's own clock, not a test scheduler's), so the default id
   * source takes its time from it instead of reading the clock again.
   * @defaultValue false
   */
  readonly wallClockStart?: boolean;
}

/**
 * Fixes what every attempt of the send carries, once (a retry reuses it): the namespaced topic, the client unique id
 * (UNIQ_KEY — set here, before the first attempt, and never changed by a retry) and the properties string in the
 * Java client's order (TAGS, KEYS, WAIT, user properties, DELAY / TIMER_*, TRAN_MSG + PGROUP of a half message, a
 * request's CORRELATION_ID / REPLY_TO_CLIENT / TTL, UNIQ_KEY, INSTANCE_ID, CONTENT_TYPE). A half message gets sysFlag
 * TRANSACTION_PREPARED and loses its delay level; a reply message (`MSG_TYPE=reply`) goes as SEND_REPLY_MESSAGE_V2
 * and, like Java's `new Message()`, has no WAIT unless `waitStoreMsgOK` is set. The caller's message object is read,
 * never written.
 * @internal
 */
export function prepareMessage<C extends ValidatedContext>(options: PrepareMessageOptions): OperatorFunction<C, C & PreparedContext> {
  const nextId = options.createUniqueId;
  const idAtStart = options.wallClockStart === true;
  return lightStep<C, C & PreparedContext>((context, downstream) => {
    const message = context.message;
    const extras = context.extras;
    const transactional = extras.transactional;
    const reply = message.properties?.['MSG_TYPE'] === REPLY_MESSAGE_FLAG;
    const ownIds = nextId === undefined;
    const uniqueId = nextId !== undefined ? nextId() : idAtStart ? createUniqueId(context.startedAt) : createUniqueId();
    // One parts object for every send (buildPropertiesString only reads it, synchronously): nothing per send.
    const parts = PARTS;
    parts.tags = message.tags ?? null;
    parts.keys = message.keys ?? null;
    // A Java reply message is built with `new Message()`, which has no WAIT.
    parts.omitWait = reply && message.waitStoreMsgOK === undefined;
    parts.waitStoreMsgOK = message.waitStoreMsgOK !== false;
    parts.delayTimeLevel = transactional ? null : (message.delayTimeLevel ?? null);
    parts.timerDeliverMs = message.deliverTimeMs ?? null;
    parts.timerDelayMs = message.delayMs ?? null;
    parts.userProperties = message.properties ?? null;
    parts.transactionPrepared = transactional;
    parts.producerGroup = transactional ? (options.producerGroup ?? null) : null;
    parts.systemProperties = extras.systemProperties;
    parts.uniqKey = uniqueId;
    parts.instanceId = options.namespace;
    parts.contentType = context.contentType;
    let properties: string;
    let pieces: JsonFieldPieces | null;
    try {
      const around = propertiesAroundUniqKey(parts);
      if (around !== null) {
        // What buildPropertiesString returns for these parts, and its pieces for the request header.
        properties = around.head + uniqueId + around.tail;
        if (ownIds) {
          // The id is the default generator's last: the bytes of the digits its millisecond's ids share, and the rest.
          const generator = defaultUniqueIdGenerator();
          pieces = propertiesPiecesOf(properties, around.head, generator.lastHeadAscii, generator.lastCounterDigits, around.tail);
        } else {
          pieces = propertiesPiecesOf(properties, around.head, NO_BYTES, uniqueId, around.tail);
        }
      } else {
        properties = buildPropertiesString(parts);
        pieces = null;
      }
    } finally {
      // Holds nothing of the message between sends.
      parts.tags = parts.keys = parts.userProperties = parts.systemProperties = parts.uniqKey = null;
    }
    checkPropertiesSize(properties);
    context.topic = withNamespace(options.namespace, message.topic);
    context.uniqueId = uniqueId;
    context.properties = properties;
    context.propertiesPieces = pieces;
    if (transactional) {
      context.msgType = MessageType.TRANS_MSG_HALF;
      context.sysFlag |= TRANSACTION_PREPARED_TYPE;
    } else if (
      (message.delayTimeLevel ?? 0) > 0 ||
      message.deliverTimeMs !== undefined ||
      message.delayMs !== undefined ||
      message.properties?.['__STARTDELIVERTIME'] !== undefined
    ) {
      context.msgType = MessageType.DELAY;
    }
    if (reply) context.requestCode = RequestCode.SEND_REPLY_MESSAGE_V2;
    downstream.next(context as C & PreparedContext);
  });
}
