import type { OperatorFunction } from 'rxjs';
import { MQAclError, MQBrokerError, RemotingProtocolError } from '../../errors.js';
import type { SendResult } from '../../message/message.js';
import { SendStatus } from '../../message/message.js';
import { responseCodeName } from '../../remoting/response-code.js';
import { aclRefusalReason } from '../../security/acl-refusal.js';
import type { MQFaultStrategy } from '../fault/mq-fault-strategy.js';
import { withoutNamespace } from '../namespace.js';
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

const STATUS_BY_CODE = new Map<number, SendResult['sendStatus']>([
  [0, SendStatus.SEND_OK],
  [10, SendStatus.FLUSH_DISK_TIMEOUT],
  [12, SendStatus.FLUSH_SLAVE_TIMEOUT],
  [11, SendStatus.SLAVE_NOT_AVAILABLE],
]);

function integerField(ext: Record<string, string>, name: string, address: string): number {
  const text = ext[name];
  const value = text === undefined ? Number.NaN : Number(text);
  if (!Number.isSafeInteger(value)) {
    throw new RemotingProtocolError(`send response lacks a valid ${name}: ${String(text)}`, { address });
  }
  return value;
}

/**
 * Turns the broker's answer into a `SendResult` exactly as the Java `processSendResponse`: codes 0/10/12/11 →
 * SEND_OK / FLUSH_DISK_TIMEOUT / FLUSH_SLAVE_TIMEOUT / SLAVE_NOT_AVAILABLE with `msgId` = the message's UNIQ_KEY,
 * `offsetMsgId` = the response `msgId`, the queue the broker used, `regionId` (`DefaultRegion` when absent) and
 * `traceOn` (false only for `"false"`); any other code → `MQBrokerError` (code and remark). The attempt's latency
 * (or, on a broker error, an isolation) goes to the fault strategy. Oneway attempts complete without a value.
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
    const sendStatus = STATUS_BY_CODE.get(response.code);
    if (sendStatus === undefined) {
      deps.faultStrategy.updateFaultItem(brokerName, latency, true, false);
      const aclReason = aclRefusalReason(response.code, response.remark);
      if (aclReason !== null) {
        downstream.error(
          new MQAclError(
            `broker ${brokerName} (${context.brokerAddr}) refused the send (ACL): ${aclReason}`,
            response.code,
            response.remark,
            aclReason,
            { address: context.brokerAddr },
          ),
        );
        return;
      }
      downstream.error(
        new MQBrokerError(
          `broker ${brokerName} (${context.brokerAddr}) refused the send: ${responseCodeName(response.code)} ${response.remark ?? ''}`.trimEnd(),
          response.code,
          response.remark,
          { address: context.brokerAddr, retriable: deps.retryResponseCodes.has(response.code) },
        ),
      );
      return;
    }
    const ext = response.extFields ?? {};
    const address = context.brokerAddr;
    const regionId = ext['MSG_REGION'];
    const result: SendResult = {
      sendStatus,
      msgId: context.uniqueId,
      offsetMsgId: ext['msgId'] ?? '',
      messageQueue: {
        topic: withoutNamespace(deps.namespace, context.topic),
        brokerName,
        queueId: integerField(ext, 'queueId', address),
      },
      queueOffset: integerField(ext, 'queueOffset', address),
      regionId: regionId === undefined || regionId === '' ? 'DefaultRegion' : regionId,
      traceOn: ext['TRACE_ON'] !== 'false',
      ...(ext['transactionId'] === undefined ? {} : { transactionId: ext['transactionId'] }),
    };
    deps.faultStrategy.updateFaultItem(brokerName, latency, false);
    downstream.next(result);
  });
}
