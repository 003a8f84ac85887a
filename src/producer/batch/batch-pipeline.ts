/**
 * The SEND_BATCH_MESSAGE path, built from the send pipeline's operators:
 *
 *   resolveRoute → retrySend( selectQueue → runHooks( encodeBatchRequest → writeWire → correlate → toSendResult ) )
 *   → fan the one batch result out to one `SendResult` per message
 *
 * The batch is prepared once (records, unique ids, body); each retry selects a queue on another broker and builds a
 * fresh request for it, exactly as a single send.
 * @internal
 */
import type { Observable } from 'rxjs';
import { asyncScheduler, catchError, defer, EMPTY, from, map, of, pipe, tap, throwError } from 'rxjs';
import { sendChannel } from '../diagnostics.js';
import type { SendEvent } from '../diagnostics.js';
import { MQBrokerError } from '../../errors.js';
import type { Message, SendResult } from '../../message/message.js';
import { buildPropertiesString } from '../../message/properties.js';
import { ResponseCode } from '../../remoting/response-code.js';
import type { TopicPublishInfo } from '../../route/topic-publish-info.js';
import type { SendMode } from '../hooks.js';
import { withNamespace } from '../namespace.js';
import {
  correlate,
  isRetriableSendError,
  resolveRoute,
  retrySend,
  runHooks,
  selectQueue,
  toSendResult,
  writeWire,
} from '../operators/index.js';
import { encodeBatchRequest } from '../operators/encode-batch-request.js';
import { notRunningError } from '../operators/validate.js';
import type { PreparedContext, SendContext } from '../send-context.js';
import { createSendContext } from '../send-context.js';
import type { SendPipelineDeps } from '../send-pipeline.js';
import type { BatchItem } from './batch-message.js';
import { BatchErrorCode, BatchMessageError, encodeBatchItems } from './batch-message.js';

type Routed = PreparedContext & SendContext & { route: TopicPublishInfo };

/**
 * One batch send: emits one `SendResult` per item (in item order) then completes, or errors with the batch's error.
 * @internal
 */
export type BatchSender = (items: readonly BatchItem[], mode: Exclude<SendMode, 'oneway'>, timeoutMillis: number) => Observable<SendResult[]>;

/**
 * Splits the broker's answer to a batch into per-message results: each message keeps its own UNIQ_KEY as `msgId`,
 * its own offset message id (the response's comma-joined list, §10.3) and `queueOffset` = first offset + index.
 * @internal
 */
export function fanOutBatchResult(result: SendResult, items: readonly BatchItem[]): SendResult[] {
  const offsetIds = result.offsetMsgId.split(',');
  return items.map((item, index) => {
    const one: SendResult = {
      sendStatus: result.sendStatus,
      msgId: item.uniqueId,
      offsetMsgId: offsetIds[index] ?? '',
      messageQueue: result.messageQueue,
      queueOffset: result.queueOffset + index,
      regionId: result.regionId,
      traceOn: result.traceOn,
    };
    if (result.transactionId !== undefined) one.transactionId = item.uniqueId;
    return one;
  });
}

/**
 * Builds the batch sender of a producer (same dependencies as its send pipeline).
 * @internal
 */
export function createBatchSender(deps: SendPipelineDeps): BatchSender {
  const o = deps.options;
  const scheduler = deps.scheduler ?? asyncScheduler;
  const now = (): number => scheduler.now();
  const isRetriable = (error: unknown): boolean => isRetriableSendError(error, o.retryResponseCodes);

  const attemptSteps = pipe(
    selectQueue<Routed>({
      faultStrategy: deps.faultStrategy,
      sendLatencyFaultEnable: o.sendLatencyFaultEnable,
      sendMessageWithVIPChannel: o.sendMessageWithVIPChannel,
    }),
    // Batches are never compressed: wireBody is the records as they are (set when the context is built).
    map((context) => context as typeof context & { wireBody: Buffer }),
    runHooks(
      {
        checkForbiddenHooks: o.checkForbiddenHooks,
        sendMessageHooks: o.sendMessageHooks,
        producerGroup: deps.producerGroup,
        producerId: deps.producerId,
        nameSrvAddr: o.namesrvAddr.join(';'),
        bornHost: deps.clientIP,
        namespace: o.namespace,
        unitMode: o.unitMode,
      },
      pipe(
        encodeBatchRequest({
          producerGroup: deps.producerGroup,
          createTopicKey: o.createTopicKey,
          defaultTopicQueueNums: o.defaultTopicQueueNums,
          unitMode: o.unitMode,
        }),
        writeWire({ client: deps.client, faultStrategy: deps.faultStrategy, now }),
        correlate(),
        toSendResult({ namespace: o.namespace, retryResponseCodes: o.retryResponseCodes, faultStrategy: deps.faultStrategy, now }),
      ),
    ),
  );
  const publish = (context: Routed, error: unknown): void => {
    if (!sendChannel.hasSubscribers) return;
    sendChannel.publish({
      producerId: deps.producerId,
      producerGroup: deps.producerGroup,
      topic: context.topic,
      brokerName: context.queue?.brokerName ?? null,
      attempt: context.attempt,
      durationMillis: now() - context.attemptStartedAt,
      error,
    } satisfies SendEvent);
  };
  const attempt = (context: Routed): Observable<SendResult> =>
    of(context).pipe(
      attemptSteps,
      tap({ next: () => publish(context, null), error: (error: unknown) => publish(context, error) }),
    );

  const beforeRetry = (error: unknown, context: Routed): Observable<unknown> => {
    if (!(error instanceof MQBrokerError) || error.responseCode !== ResponseCode.TOPIC_NOT_EXIST) return EMPTY;
    deps.invalidateRoute(context.topic);
    return defer(() => from(deps.lookupRoute(context.topic))).pipe(
      tap((info) => {
        context.route = info;
      }),
      catchError(() => EMPTY),
    );
  };
  const retryOptions = {
    retryTimesWhenSendFailed: o.retryTimesWhenSendFailed,
    retryTimesWhenSendAsyncFailed: o.retryTimesWhenSendAsyncFailed,
    retryAnotherBrokerWhenNotStoreOK: o.retryAnotherBrokerWhenNotStoreOK,
    sendMsgMaxTimeoutPerRequest: o.sendMsgMaxTimeoutPerRequest,
    beforeRetry,
    isRetriable,
    scheduler,
  };
  const retry = {
    sync: retrySend<Routed, SendResult>(attempt, { ...retryOptions, mode: 'sync' }),
    async: retrySend<Routed, SendResult>(attempt, { ...retryOptions, mode: 'async' }),
  } as const;
  const route = resolveRoute<PreparedContext & SendContext>({ lookup: deps.lookupRoute, createTopicKey: o.createTopicKey, scheduler });

  return (items, mode, timeoutMillis) =>
    defer(() => {
      const state = deps.state();
      if (state !== 'RUNNING') return throwError(() => notRunningError(state));
      const first = items[0];
      if (first === undefined) {
        return throwError(() => new BatchMessageError('a batch needs at least one message', BatchErrorCode.EMPTY, -1, -1));
      }
      const body = encodeBatchItems(items);
      if (body.length > o.maxMessageSize) {
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
      return of(context as PreparedContext & SendContext).pipe(
        route,
        retry[mode],
        map((result) => fanOutBatchResult(result, items)),
      );
    });
}
