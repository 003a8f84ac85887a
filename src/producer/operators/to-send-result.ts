import type { OperatorFunction } from 'rxjs';
import { MQAclError, MQBrokerError, RemotingProtocolError } from '../../errors.js';
import type { SendResult } from '../../message/message.js';
import { SendStatus } from '../../message/message.js';
import { responseCodeName } from '../../remoting/response-code.js';
import { aclRefusalReason } from '../../security/acl-refusal.js';
import type { MQFaultStrategy } from '../fault/mq-fault-strategy.js';
import { withoutNamespace } from '../namespace.js';
import type { RemotingCommand } from '../../remoting/remoting-command.js';
import type { EncodedContext } from '../send-context.js';
import { lightStep } from './light-step.js';

/** Dependencies of {@link toSendResult}. @internal */
export interface ToSendResultDeps {
  /** Stripped from the result's topic. */
  readonly namespace: string | null;
  /** Broker codes that are worth retrying (sets `retriable` on the error). */
  readonly retryResponseCodes: ReadonlySet<number>;
  /** Learns each attempt's latency (or the broker's failure). */
  readonly faultStrategy: Pick<MQFaultStrategy, 'updateFaultItem'>;
  /** Clock. */
  readonly now?: () => number;
}

/** The send status of a success code (0/10/12/11), else `undefined`. */
function statusOf(code: number): SendResult['sendStatus'] | undefined {
  switch (code) {
    case 0:
      return SendStatus.SEND_OK;
    case 10:
      return SendStatus.FLUSH_DISK_TIMEOUT;
    case 12:
      return SendStatus.FLUSH_SLAVE_TIMEOUT;
    case 11:
      return SendStatus.SLAVE_NOT_AVAILABLE;
    default:
      return undefined;
  }
}

const DECIMAL = /^[+-]?[0-9]+$/;

/** The integer of an own string field (`value` is `ext[name]`, read by the caller). */
function integerField(ext: Record<string, string>, value: unknown, name: string, address: string): number {
  const text = ownString(ext, value, name);
  const integer = text === undefined ? Number.NaN : javaInteger(text);
  if (!Number.isSafeInteger(integer)) {
    throw new RemotingProtocolError(`send response lacks a valid ${name}: ${String(text)}`, { address });
  }
  return integer;
}

/**
 * `text` as Java's Integer/Long.parseLong reads it: decimal digits with an optional sign, nothing else (Number()
 * would also take '', ' 1 ', '0x10' and '1e3'); NaN when it is not one. Up to 15 digits read digit by digit (exact
 * in a double); longer texts through the regular expression and `Number`.
 */
function javaInteger(text: string): number {
  const length = text.length;
  if (length === 0 || length > 15) return DECIMAL.test(text) ? Number(text) : Number.NaN;
  let at = 0;
  const first = text.charCodeAt(0);
  if (first === 0x2b || first === 0x2d) {
    if (length === 1) return Number.NaN;
    at = 1;
  }
  let value = 0;
  for (; at < length; at++) {
    const digit = text.charCodeAt(at) - 0x30;
    if (digit < 0 || digit > 9) return Number.NaN;
    value = value * 10 + digit;
  }
  return first === 0x2d ? -value : value;
}

/** What {@link sendResultOf} needs to know about the attempt a response answers. @internal */
export interface SendAttemptInfo {
  /** Topic as sent (namespaced). */
  readonly topic: string;
  /** The message's UNIQ_KEY (the result's `msgId`). */
  readonly uniqueId: string;
  readonly brokerName: string;
  readonly brokerAddr: string;
}

/**
 * The `SendResult` of a SEND_MESSAGE(_V2) / SEND_BATCH_MESSAGE response, exactly as the Java `processSendResponse`:
 * codes 0/10/12/11 → SEND_OK / FLUSH_DISK_TIMEOUT / FLUSH_SLAVE_TIMEOUT / SLAVE_NOT_AVAILABLE with `msgId` = the
 * message's UNIQ_KEY, `offsetMsgId` = the response `msgId`, the queue the broker used, `regionId`
 * (`DefaultRegion` when absent) and `traceOn` (false only for `"false"`).
 * @throws MQAclError (`RMQ_ERR_ACL_DENIED`) for an ACL refusal; MQBrokerError (`RMQ_ERR_BROKER`) for any other
 *   code; RemotingProtocolError (`RMQ_ERR_REMOTING_PROTOCOL`) for a success without a valid integer `queueId` /
 *   `queueOffset`
 * @internal
 */
export function sendResultOf(
  response: RemotingCommand,
  attempt: SendAttemptInfo,
  deps: Pick<ToSendResultDeps, 'namespace' | 'retryResponseCodes'>,
): SendResult {
  const { brokerName, brokerAddr: address } = attempt;
  const sendStatus = statusOf(response.code);
  if (sendStatus === undefined) {
    const aclReason = aclRefusalReason(response.code, response.remark);
    if (aclReason !== null) {
      throw new MQAclError(
        `broker ${brokerName} (${address}) refused the send (ACL): ${aclReason}`,
        response.code,
        response.remark,
        aclReason,
        { address },
      );
    }
    throw new MQBrokerError(
      `broker ${brokerName} (${address}) refused the send: ${responseCodeName(response.code)} ${response.remark ?? ''}`.trimEnd(),
      response.code,
      response.remark,
      { address, retriable: deps.retryResponseCodes.has(response.code) },
    );
  }
  const ext = response.extFields ?? NO_FIELDS;
  // Each field read by name where it is used (not through one keyed read for every name, which V8 then handles as
  // megamorphic), then checked to be an own string.
  const regionId = ownString(ext, ext.MSG_REGION, 'MSG_REGION');
  const transactionId = ownString(ext, ext.transactionId, 'transactionId');
  const result: SendResult = {
    sendStatus,
    msgId: attempt.uniqueId,
    offsetMsgId: ownString(ext, ext.msgId, 'msgId') ?? '',
    messageQueue: {
      topic: withoutNamespace(deps.namespace, attempt.topic),
      brokerName,
      queueId: integerField(ext, ext.queueId, 'queueId', address),
    },
    queueOffset: integerField(ext, ext.queueOffset, 'queueOffset', address),
    regionId: regionId === undefined || regionId === '' ? 'DefaultRegion' : regionId,
    traceOn: ownString(ext, ext.TRACE_ON, 'TRACE_ON') !== 'false',
  };
  // Only a transaction's half message has one (a literal without a conditional spread keeps one shape per result).
  if (transactionId !== undefined) (result as { transactionId?: string }).transactionId = transactionId;
  return result;
}

const NO_FIELDS: Record<string, string> = {};
const hasOwn = Object.prototype.hasOwnProperty;

/**
 * `value` (read as `ext[name]`) when it is a string of the response header's own (never one inherited from
 * `Object.prototype`), else `undefined`.
 */
function ownString(ext: Record<string, string>, value: unknown, name: string): string | undefined {
  return typeof value === 'string' && hasOwn.call(ext, name) ? value : undefined;
}

/**
 * Turns the broker's answer into a `SendResult` (see {@link sendResultOf}); a broker error becomes the attempt's
 * `MQBrokerError`. The attempt's latency (or, on a broker error, an isolation) goes to the fault strategy. Oneway
 * attempts complete without a value.
 * @internal
 */
export function toSendResult<C extends EncodedContext>(deps: ToSendResultDeps): OperatorFunction<C, SendResult> {
  const now = deps.now ?? Date.now;
  return lightStep<C, SendResult>((context, downstream) => {
    const latency = now() - context.attemptStartedAt;
    const brokerName = context.queue.brokerName;
    const response = context.response;
    if (response === null) {
      deps.faultStrategy.updateFaultItem(brokerName, latency, false);
      return;
    }
    let result: SendResult;
    try {
      result = sendResultOf(response, { topic: context.topic, uniqueId: context.uniqueId, brokerName, brokerAddr: context.brokerAddr }, deps);
    } catch (error) {
      if (error instanceof MQBrokerError) {
        deps.faultStrategy.updateFaultItem(brokerName, latency, true, false);
        downstream.error(error);
        return;
      }
      throw error;
    }
    deps.faultStrategy.updateFaultItem(brokerName, latency, false);
    downstream.next(result);
  });
}
