/**
 * The SEND_BATCH_MESSAGE path: the batch is validated and encoded here, then it goes through the send pipeline's own
 * per-attempt part (`createRetryingAttempt(deps, 'batch')` in `send-pipeline.ts`: no compression, a 320 request):
 *
 *   resolveRoute → retrySend( selectQueue → runHooks( encodeRequest → writeWire → correlate → toSendResult ) )
 *   → fan the one batch result out to one `SendResult` per message
 *
 * The batch is prepared once (records, unique ids, body); each retry selects a queue on another broker and builds a
 * fresh request for it, exactly as a single send.
 * @internal
 */
import type { Observable } from 'rxjs';
import { defer, finalize, map, of, throwError } from 'rxjs';
import type { Message, SendResult } from '../../message/message.js';
import { buildPropertiesString } from '../../message/properties.js';
import type { SendTrace } from '../../telemetry/send-telemetry.js';
import { coarseTimerScheduler } from '../coarse-timer-scheduler.js';
import type { SendMode } from '../hooks.js';
import { withNamespace } from '../namespace.js';
import { resolveRoute } from '../operators/index.js';
import { notRunningError } from '../operators/validate.js';
import type { PreparedContext, SendContext } from '../send-context.js';
import { createSendContext } from '../send-context.js';
import type { SendPipelineDeps } from '../send-pipeline.js';
import { createRetryingAttempt } from '../send-pipeline.js';
import { BatchBodyPool, type PooledBody } from './batch-body-pool.js';
import type { BatchItem } from './batch-message.js';
import { BatchErrorCode, BatchMessageError, encodeBatchItems } from './batch-message.js';

/**
 * One batch send: emits one `SendResult` per item (in item order) then completes, or errors with the batch's error.
 * @internal
 */
export type BatchSender = (
  items: readonly BatchItem[],
  mode: Exclude<SendMode, 'oneway'>,
  timeoutMillis: number,
  trace?: SendTrace | null,
) => Observable<SendResult[]>;

/**
 * Splits the broker's answer to a batch into per-message results: each message keeps its own UNIQ_KEY as `msgId`,
 * its own offset message id (the response's comma-joined list, §10.3) and `queueOffset` = first offset + index.
 * @internal
 */
export function fanOutBatchResult(result: SendResult, items: readonly BatchItem[]): SendResult[] {
  const offsetIds = result.offsetMsgId.split(',');
  const { sendStatus, messageQueue, regionId, traceOn } = result;
  const firstOffset = result.queueOffset;
  const transactional = result.transactionId !== undefined;
  // A plain loop into a presized array: one result object per message and nothing else (no closure per batch).
  const out = new Array<SendResult>(items.length);
  for (let index = 0; index < items.length; index++) {
    const uniqueId = items[index]!.uniqueId;
    const one: SendResult = {
      sendStatus,
      msgId: uniqueId,
      offsetMsgId: offsetIds[index] ?? '',
      messageQueue,
      queueOffset: firstOffset + index,
      regionId,
      traceOn,
    };
    if (transactional) one.transactionId = uniqueId;
    out[index] = one;
  }
  return out;
}

/**
 * Builds the batch sender of a producer (same dependencies as its send pipeline).
 * @internal
 */
export function createBatchSender(deps: SendPipelineDeps): BatchSender {
  const o = deps.options;
  const scheduler = deps.scheduler ?? coarseTimerScheduler;
  const now = (): number => scheduler.now();
  const retry = createRetryingAttempt(deps, 'batch');
  // Bodies are reused once their send ended and remoting released every frame that carried them. Not while user
  // hooks are registered: a send-message or RPC hook is given the body (or the request carrying it) and may keep it.
  const pool = new BatchBodyPool();
  const poolable = (): boolean => o.sendMessageHooks.length === 0 && o.checkForbiddenHooks.length === 0 && o.rpcHooks.length === 0;
  const route = resolveRoute<PreparedContext & SendContext>({
    lookup: deps.lookupRoute,
    cached: deps.cachedRoute,
    createTopicKey: o.createTopicKey,
    scheduler,
  });

  return (items, mode, timeoutMillis, trace) =>
    defer(() => {
      const state = deps.state();
      if (state !== 'RUNNING') return throwError(() => notRunningError(state));
      const first = items[0];
      if (first === undefined) {
        return throwError(() => new BatchMessageError('a batch needs at least one message', BatchErrorCode.EMPTY, -1, -1));
      }
      let lease: PooledBody | null = null;
      const body = poolable()
        ? encodeBatchItems(items, (bytes) => {
            lease = pool.take(bytes);
            return lease.body;
          })
        : encodeBatchItems(items);
      if (body.length > o.maxMessageSize) {
        (lease as PooledBody | null)?.release();
        return throwError(
          () =>
            new BatchMessageError(
              `the batch body is ${body.length} bytes, above maxMessageSize ${o.maxMessageSize}; split it`,
              BatchErrorCode.TOO_LARGE,
              -1,
            ),
        );
      }
      const carrier: Message = { topic: first.topic, body, flag: 0 };
      const context = createSendContext(carrier, mode, now(), timeoutMillis);
      context.topic = withNamespace(o.namespace, first.topic);
      context.body = body;
      context.wireBody = body;
      context.sysFlag = 0;
      // The batch object's own properties (Java MessageBatch): WAIT, plus INSTANCE_ID with a namespace.
      context.properties = buildPropertiesString({ waitStoreMsgOK: first.waitStoreMsgOK, instanceId: o.namespace });
      context.uniqueId = items.map((item) => item.uniqueId).join(',');
      if (trace !== undefined && trace !== null) {
        context.trace = trace;
        trace.attached(context);
      }
      const send = of(context as PreparedContext & SendContext).pipe(
        route,
        retry[mode],
        map((result) => fanOutBatchResult(result, items)),
      );
      const held = lease as PooledBody | null;
      if (held === null) return send;
      context.bodyLease = held;
      // The send's own hold ends with the send (result, error or unsubscribe); frames still queued hold it on.
      return send.pipe(finalize(() => held.release()));
    });
}
