/**
 * The user-facing types of transactional messages (Java `LocalTransactionState`, `TransactionListener`,
 * `TransactionSendResult`).
 */
import type { Message, SendResult } from '../message/message.js';
import type { MessageExt } from '../message/message-ext.js';

/**
 * Outcome of a local transaction (Java `LocalTransactionState`, with Java's spelling of `UNKNOW`): commit delivers
 * the half message to its topic, rollback deletes it, `UNKNOW` leaves it to a later broker check-back.
 *
 * @example
 * ```ts
 * executeLocalTransaction: async (message) => (await saveOrder(message)) ? LocalTransactionState.COMMIT_MESSAGE : LocalTransactionState.UNKNOW
 * ```
 */
export const LocalTransactionState = {
  /** Deliver the message (END_TRANSACTION commitOrRollback 8). */
  COMMIT_MESSAGE: 'COMMIT_MESSAGE',
  /** Drop the message (commitOrRollback 12). */
  ROLLBACK_MESSAGE: 'ROLLBACK_MESSAGE',
  /** Not decided yet: the broker asks again with CHECK_TRANSACTION_STATE (commitOrRollback 0). */
  UNKNOW: 'UNKNOW',
} as const;

/** One of the {@link LocalTransactionState} values. */
export type LocalTransactionState = (typeof LocalTransactionState)[keyof typeof LocalTransactionState];

/**
 * The application side of transactional messages (Java `TransactionListener`). Both methods may return a state or
 * a promise of one; a throw, a rejection or anything that is not a state counts as `UNKNOW` (as Java) and is
 * published on a diagnostics channel.
 *
 * @example
 * ```ts
 * const listener: TransactionListener = {
 *   executeLocalTransaction: (message, orderId) => db.commitOrder(orderId).then(() => LocalTransactionState.COMMIT_MESSAGE),
 *   checkLocalTransaction: (message) => db.hasOrder(message.keys[0]).then((found) => (found ? 'COMMIT_MESSAGE' : 'ROLLBACK_MESSAGE')),
 * };
 * ```
 */
export interface TransactionListener {
  /**
   * Runs the local transaction, after the broker stored the half message.
   * @param message - the caller's message
   * @param arg - the `arg` given to `sendMessageInTransaction`
   */
  executeLocalTransaction(message: Message, arg: unknown): LocalTransactionState | Promise<LocalTransactionState>;
  /**
   * Answers a broker check-back for a half message whose state is still unknown.
   * @param message - the stored half message (real topic, `transactionId` = its `UNIQ_KEY`)
   */
  checkLocalTransaction(message: MessageExt): LocalTransactionState | Promise<LocalTransactionState>;
}

/**
 * Result of `sendMessageInTransaction` (Java `TransactionSendResult`): the half message's `SendResult` plus the
 * local transaction's outcome.
 */
export interface TransactionSendResult extends SendResult {
  /** What the local transaction decided (what END_TRANSACTION told the broker). */
  localTransactionState: LocalTransactionState;
  /** The transaction id: the broker's (5.x) or the half message's `UNIQ_KEY`. */
  transactionId: string;
}

/** Whether `value` is one of the three states. @internal */
export function isLocalTransactionState(value: unknown): value is LocalTransactionState {
  return value === 'COMMIT_MESSAGE' || value === 'ROLLBACK_MESSAGE' || value === 'UNKNOW';
}
