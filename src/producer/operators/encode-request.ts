import type { OperatorFunction } from 'rxjs';
import { RequestCode } from '../../remoting/request-code.js';
import { createRequest } from '../../remoting/remoting-command.js';
import type { CompressedContext, EncodedContext } from '../send-context.js';
import { lightStep } from './light-step.js';

/** Options of {@link encodeRequest}. @internal */
export interface EncodeRequestOptions {
  /** Producer group as sent (namespaced). */
  readonly producerGroup: string;
  /** `c`: the auto-create template topic. */
  readonly createTopicKey: string;
  /** `d`: queues per broker of an auto-created topic. */
  readonly defaultTopicQueueNums: number;
  /** `k`. */
  readonly unitMode: boolean;
  /** Clock for `g` (bornTimestamp). */
  readonly now?: () => number;
  /**
   * Build SEND_BATCH_MESSAGE (320) requests (spec §10.1): the same V2 header with `m` = `"true"`, `f` and `h` = 0
   * (batches are never compressed and carry no message flag); the body is the §10.2 records.
   * @defaultValue false
   */
  readonly batch?: boolean;
}

/**
 * Builds this attempt's SEND_MESSAGE_V2 (310) request — or SEND_BATCH_MESSAGE (320) with `batch` — : the V2 short
 * header `a`…`n` with every value a string, in the order the Java client writes it (spec §8.2), the oneway flag bit
 * for oneway sends, and the wire body. A new request (so a new opaque and the header of the newly selected queue) is
 * made for every attempt.
 * @internal
 */
export function encodeRequest<C extends CompressedContext>(options: EncodeRequestOptions): OperatorFunction<C, C & EncodedContext> {
  const now = options.now ?? Date.now;
  const group = options.producerGroup;
  const createTopicKey = options.createTopicKey;
  const queueNums = String(options.defaultTopicQueueNums);
  const unitMode = options.unitMode ? 'true' : 'false';
  const batch = options.batch === true;
  const code = batch ? RequestCode.SEND_BATCH_MESSAGE : RequestCode.SEND_MESSAGE_V2;
  return lightStep<C, C & EncodedContext>((context, downstream) => {
    const extFields: Record<string, string> = {
      a: group,
      b: context.topic,
      c: createTopicKey,
      d: queueNums,
      e: String(context.queue.queueId),
      f: batch ? '0' : String(context.sysFlag),
      g: String(now()),
      h: batch ? '0' : String(context.message.flag ?? 0),
      i: context.properties,
      j: '0',
      k: unitMode,
      m: batch ? 'true' : 'false',
      n: context.queue.brokerName,
    };
    context.request = createRequest(code, extFields, {
      body: context.wireBody,
      oneway: context.mode === 'oneway',
    });
    downstream.next(context as C & EncodedContext);
  });
}
