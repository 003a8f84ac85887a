/**
 * END_TRANSACTION (37): the request that tells the broker what became of a half message (spec §13.2).
 * @internal
 */
import { createRequest, type RemotingCommand } from '../remoting/remoting-command.js';
import { RequestCode } from '../remoting/request-code.js';
import { javaHashMapOrder } from '../message/properties.js';
import type { LocalTransactionState } from './transaction-listener.js';

/** `commitOrRollback` of each state (Java `MessageSysFlag.TRANSACTION_*_TYPE`). */
export const COMMIT_OR_ROLLBACK: Readonly<Record<LocalTransactionState, number>> = {
  COMMIT_MESSAGE: 8,
  ROLLBACK_MESSAGE: 12,
  UNKNOW: 0,
};

/** The fields of `EndTransactionRequestHeader`; `null` ones are left out, as Java does. @internal */
export interface EndTransactionFields {
  producerGroup: string;
  tranStateTableOffset: number | string;
  commitLogOffset: number | string;
  state: LocalTransactionState;
  fromTransactionCheck: boolean;
  msgId: string;
  transactionId: string | null;
  /** `bname` (RpcRequestHeader): the broker name after a send; on a check, what the check carried. */
  brokerName: string | null;
  /** Remark: why the local transaction or the check failed, else `null`. */
  remark: string | null;
}

/**
 * A oneway END_TRANSACTION request whose `extFields` come out in the order the Java client writes them (a Java
 * `HashMap` of the non-null fields: `producerGroup, bname, commitLogOffset, msgId, tranStateTableOffset,
 * commitOrRollback, transactionId, fromTransactionCheck`).
 * @internal
 */
export function endTransactionRequest(fields: EndTransactionFields): RemotingCommand {
  const entries: [string, string | null][] = [
    ['producerGroup', fields.producerGroup],
    ['tranStateTableOffset', String(fields.tranStateTableOffset)],
    ['commitLogOffset', String(fields.commitLogOffset)],
    ['commitOrRollback', String(COMMIT_OR_ROLLBACK[fields.state])],
    ['fromTransactionCheck', String(fields.fromTransactionCheck)],
    ['msgId', fields.msgId],
    ['transactionId', fields.transactionId],
    ['bname', fields.brokerName],
  ];
  const extFields: Record<string, string> = {};
  for (const [name, value] of javaHashMapOrder(entries)) if (value !== null) extFields[name] = value;
  return createRequest(RequestCode.END_TRANSACTION, extFields, { oneway: true, remark: fields.remark });
}

/** Java `Throwable.toString()` of a thrown value: `<class>: <message>`. @internal */
export function javaErrorText(error: unknown): string {
  if (error instanceof Error) return error.message === '' ? error.name : `${error.name}: ${error.message}`;
  return String(error);
}
