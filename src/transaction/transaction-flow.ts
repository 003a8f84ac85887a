/**
 * The transactional send (Java `DefaultMQProducerImpl.sendMessageInTransaction` + `endTransaction`) and the
 * check-back answer (`checkTransactionState` / `processTransactionState`), over what the producer gives them: its
 * send pipeline for the half message and its remoting client for END_TRANSACTION.
 * @internal
 */
import { Observable } from 'rxjs';
import { MQClientError } from '../errors.js';
import type { Message, SendResult } from '../message/message.js';
import type { MessageExt } from '../message/message-ext.js';
import { decodeOffsetMessageId } from '../message/message-id.js';
import type { RemotingCommand } from '../remoting/remoting-command.js';
import { CheckExecutor } from './check-executor.js';
import {
  endTransactionFailedChannel,
  localTransactionChannel,
  transactionCheckChannel,
  transactionCheckDroppedChannel,
  type TransactionEventSource,
} from './diagnostics.js';
import { endTransactionRequest, javaErrorText, type EndTransactionFields } from './end-transaction.js';
import { isLocalTransactionState, LocalTransactionState, type TransactionListener, type TransactionSendResult } from './transaction-listener.js';

/** Timeout of an END_TRANSACTION write answering a check (Java uses 3000 ms). */
const CHECK_END_TIMEOUT_MILLIS = 3000;

/** What the transaction flow needs from its producer. @internal */
export interface TransactionDeps extends TransactionEventSource {
  readonly listener: TransactionListener | null;
  /** Sends the half message (the producer's sync send with `transactional` extras). */
  readonly sendHalf: (message: Message) => Observable<SendResult>;
  /** Master address of a broker (from the routes in use), or `null`. */
  readonly masterAddressOf: (brokerName: string) => string | null;
  /** Writes a oneway request. */
  readonly invokeOneway: (addr: string, request: RemotingCommand, timeoutMillis: number) => Promise<void>;
  /** END_TRANSACTION write timeout after a send (Java: `sendMsgTimeout`). */
  readonly sendMsgTimeout: number;
  readonly now?: () => number;
}

/** The header of a CHECK_TRANSACTION_STATE request. @internal */
export interface CheckTransactionStateHeader {
  readonly tranStateTableOffset: string;
  readonly commitLogOffset: string;
  readonly msgId: string | null;
  readonly transactionId: string | null;
  readonly offsetMsgId: string | null;
  readonly brokerName: string | null;
}

function settle(
  run: () => LocalTransactionState | Promise<LocalTransactionState>,
): Promise<{ state: LocalTransactionState; error: unknown }> {
  // A throw, a rejection or a non-state all count as UNKNOW, as in Java (where null becomes UNKNOW).
  return new Promise<LocalTransactionState>((resolve) => resolve(run())).then(
    (value) =>
      isLocalTransactionState(value)
        ? { state: value, error: null }
        : {
            state: LocalTransactionState.UNKNOW,
            error:
              value === undefined || value === null
                ? null
                : new MQClientError(`the transaction listener returned ${String(value)}, not a LocalTransactionState`, -1, {
                    code: 'RMQ_ERR_INVALID_TRANSACTION_STATE',
                  }),
          },
    (error: unknown) => ({ state: LocalTransactionState.UNKNOW, error }),
  );
}

/**
 * `sendMessageInTransaction` as a cold Observable: half message (sync, retried), then — only after SEND_OK — the
 * local transaction, then END_TRANSACTION oneway to the master of the broker that stored it. A half message stored
 * with a non-OK status is rolled back without running the local transaction, as Java does.
 * @internal
 */
export function sendInTransaction$(deps: TransactionDeps, message: Message, arg: unknown): Observable<TransactionSendResult> {
  const now = deps.now ?? Date.now;
  return new Observable<TransactionSendResult>((subscriber) => {
    const listener = deps.listener;
    if (listener === null) {
      subscriber.error(
        new MQClientError('this producer has no transactionListener; pass one to new Producer({ transactionListener })', -1, {
          code: 'RMQ_ERR_NO_TRANSACTION_LISTENER',
        }),
      );
      return;
    }
    if (message !== null && typeof message === 'object' && (message.deliverTimeMs !== undefined || message.delayMs !== undefined)) {
      subscriber.error(
        new MQClientError('a transactional message cannot be scheduled (deliverTimeMs / delayMs)', -1, {
          code: 'RMQ_ERR_TRANSACTION_DELAY',
        }),
      );
      return;
    }
    let active = true;
    const subscription = deps.sendHalf(message).subscribe({
      next: (sendResult) => {
        void (async () => {
          let state: LocalTransactionState = LocalTransactionState.ROLLBACK_MESSAGE;
          let localError: unknown = null;
          const transactionId = sendResult.transactionId ?? sendResult.msgId;
          if (sendResult.sendStatus === 'SEND_OK') {
            const startedAt = now();
            ({ state, error: localError } = await settle(() => listener.executeLocalTransaction(message, arg)));
            if (localTransactionChannel.hasSubscribers) {
              localTransactionChannel.publish({
                producerId: deps.producerId,
                producerGroup: deps.producerGroup,
                topic: sendResult.messageQueue.topic,
                msgId: sendResult.msgId,
                transactionId,
                state,
                startedAt,
                durationMillis: now() - startedAt,
                error: localError,
              });
            }
          }
          await endTransaction(deps, sendResult, state, localError);
          if (!active) return;
          subscriber.next({ ...sendResult, localTransactionState: state, transactionId });
          subscriber.complete();
        })();
      },
      error: (error: unknown) => subscriber.error(error),
    });
    return () => {
      active = false;
      subscription.unsubscribe();
    };
  });
}

async function endTransaction(deps: TransactionDeps, sendResult: SendResult, state: LocalTransactionState, localError: unknown): Promise<void> {
  const brokerName = sendResult.messageQueue.brokerName;
  const addr = deps.masterAddressOf(brokerName);
  const fields: EndTransactionFields = {
    producerGroup: deps.producerGroup,
    tranStateTableOffset: sendResult.queueOffset,
    commitLogOffset: '0',
    state,
    fromTransactionCheck: false,
    msgId: sendResult.msgId,
    transactionId: sendResult.transactionId ?? null,
    brokerName,
    remark: localError === null ? null : `executeLocalTransactionBranch exception: ${javaErrorText(localError)}`,
  };
  try {
    fields.commitLogOffset = String(decodeOffsetMessageId(sendResult.offsetMsgId || sendResult.msgId).commitLogOffset);
    if (addr === null) throw new MQClientError(`no master address known for broker ${brokerName}`, -1, { code: 'RMQ_ERR_BROKER_NOT_FOUND' });
    await deps.invokeOneway(addr, endTransactionRequest(fields), deps.sendMsgTimeout);
  } catch (error) {
    // As Java: the transaction result stands; the broker will check the half message back.
    publishEndFailed(deps, addr, fields, error);
  }
}

function publishEndFailed(deps: TransactionEventSource, addr: string | null, fields: EndTransactionFields, error: unknown): void {
  if (!endTransactionFailedChannel.hasSubscribers) return;
  endTransactionFailedChannel.publish({
    producerId: deps.producerId,
    producerGroup: deps.producerGroup,
    brokerAddr: addr,
    msgId: fields.msgId,
    state: fields.state,
    fromTransactionCheck: fields.fromTransactionCheck,
    error,
  });
}

/** Options of a {@link TransactionChecker}. @internal */
export interface TransactionCheckerOptions extends TransactionEventSource {
  readonly listener: TransactionListener | null;
  readonly checkConcurrency: number;
  readonly checkRequestHoldMax: number;
  readonly invokeOneway: (addr: string, request: RemotingCommand, timeoutMillis: number) => Promise<void>;
  /** Strips the namespace from the topic the listener sees. */
  readonly withoutNamespace?: (topic: string) => string;
  readonly now?: () => number;
}

/**
 * Answers the broker's check-backs for one producer: each check is queued on a {@link CheckExecutor}, runs
 * `checkLocalTransaction`, and is answered with END_TRANSACTION (`fromTransactionCheck=true`) to the broker it
 * came from. A check that cannot be queued is dropped (and published).
 * @internal
 */
export class TransactionChecker {
  private readonly executor: CheckExecutor;

  constructor(private readonly options: TransactionCheckerOptions) {
    this.executor = new CheckExecutor(options.checkConcurrency, options.checkRequestHoldMax);
  }

  /** Checks running plus waiting. */
  get pending(): number {
    return this.executor.size;
  }

  /**
   * Takes one check.
   * @returns whether it was queued
   */
  check(brokerAddr: string, header: CheckTransactionStateHeader, message: MessageExt): boolean {
    const o = this.options;
    const listener = o.listener;
    if (listener === null) {
      this.dropped(brokerAddr, message.msgId, 'noListener', null);
      return false;
    }
    const queued = this.executor.submit(() => this.answer(listener, brokerAddr, header, message));
    if (!queued) this.dropped(brokerAddr, message.msgId, 'queueFull', null);
    return queued;
  }

  /** Stops taking checks; those waiting are dropped. */
  close(): void {
    this.executor.close();
  }

  /** Publishes a dropped check. */
  dropped(brokerAddr: string, msgId: string | null, reason: 'queueFull' | 'noListener' | 'malformed', error: unknown): void {
    if (!transactionCheckDroppedChannel.hasSubscribers) return;
    transactionCheckDroppedChannel.publish({
      producerId: this.options.producerId,
      producerGroup: this.options.producerGroup,
      brokerAddr,
      msgId,
      reason,
      error,
    });
  }

  private async answer(listener: TransactionListener, brokerAddr: string, header: CheckTransactionStateHeader, stored: MessageExt): Promise<void> {
    const o = this.options;
    const now = o.now ?? Date.now;
    const message = o.withoutNamespace === undefined ? stored : { ...stored, topic: o.withoutNamespace(stored.topic) };
    const startedAt = now();
    const { state, error } = await settle(() => listener.checkLocalTransaction(message));
    if (transactionCheckChannel.hasSubscribers) {
      transactionCheckChannel.publish({
        producerId: o.producerId,
        producerGroup: o.producerGroup,
        brokerAddr,
        topic: message.topic,
        msgId: message.msgId,
        transactionId: header.transactionId,
        state,
        startedAt,
        durationMillis: now() - startedAt,
        error,
      });
    }
    const fields: EndTransactionFields = {
      producerGroup: o.producerGroup,
      tranStateTableOffset: header.tranStateTableOffset,
      commitLogOffset: header.commitLogOffset,
      state,
      fromTransactionCheck: true,
      msgId: stored.properties['UNIQ_KEY'] ?? stored.msgId,
      transactionId: header.transactionId,
      brokerName: header.brokerName,
      remark: error === null ? null : `checkLocalTransactionState Exception: ${javaErrorText(error)}`,
    };
    try {
      await o.invokeOneway(brokerAddr, endTransactionRequest(fields), CHECK_END_TIMEOUT_MILLIS);
    } catch (writeError) {
      publishEndFailed(o, brokerAddr, fields, writeError);
    }
  }
}
