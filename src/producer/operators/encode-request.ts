import type { OperatorFunction } from 'rxjs';
import { MQClientError } from '../../errors.js';
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
   * `g` is the attempt's start (`attemptStartedAt`, read from the wall clock just before, as the retry loop starts
   * the attempt) rather than a clock read of its own.
   * @defaultValue false
   */
  readonly bornAtAttemptStart?: boolean;
  /**
   * Build SEND_BATCH_MESSAGE (320) requests (spec §10.1): the same V2 header with `m` = `"true"`, `f` and `h` = 0
   * (batches are never compressed and carry no message flag); the body is the §10.2 records.
   * @defaultValue false
   */
  readonly batch?: boolean;
  /**
   * The MQVersion ordinal a broker answered with so far, or `null` (see `RemotingClient.peerVersion`): a message
   * with a 5.x timer (`deliverTimeMs` / `delayMs`) bound for a broker known to be older than 5.0 fails with
   * `RMQ_ERR_TIMER_NOT_SUPPORTED` rather than being delivered at once.
   * @defaultValue versions unknown (never refused)
   */
  readonly peerVersion?: (addr: string) => number | null;
}

/** MQVersion ordinal of 5.0.0, the first broker with timer messages. */
const V5_0_0 = 413;

/**
 * `g` of the last request and its text: a millisecond clock value is past V8's small integers, so `String()` of it
 * takes the runtime's double-to-text path (~0.3 µs here) and V8's number-string cache rarely keeps it; the sends
 * of one millisecond share the text instead.
 */
let lastBornAt = Number.NaN;
let lastBornText = '';

function bornText(bornAt: number): string {
  if (bornAt !== lastBornAt) {
    lastBornText = String(bornAt);
    lastBornAt = bornAt;
  }
  return lastBornText;
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
  const peerVersion = options.peerVersion;
  const bornAtAttemptStart = options.bornAtAttemptStart === true;
  return lightStep<C, C & EncodedContext>((context, downstream) => {
    const message = context.message;
    if (peerVersion !== undefined && (message.deliverTimeMs !== undefined || message.delayMs !== undefined)) {
      const version = peerVersion(context.brokerAddr);
      if (version !== null && version < V5_0_0) {
        downstream.error(
          new MQClientError(
            `broker ${context.queue.brokerName} (${context.brokerAddr}) answers with version ${version} (older than 5.0), ` +
              'which ignores deliverTimeMs/delayMs and would deliver the message at once; use delayTimeLevel instead',
            -1,
            { code: 'RMQ_ERR_TIMER_NOT_SUPPORTED', address: context.brokerAddr },
          ),
        );
        return;
      }
    }
    const code = batch ? RequestCode.SEND_BATCH_MESSAGE : context.requestCode;
    const extFields: Record<string, string> = {
      a: group,
      b: context.topic,
      c: createTopicKey,
      d: queueNums,
      e: String(context.queue.queueId),
      f: batch ? '0' : String(context.sysFlag),
      g: bornText(bornAtAttemptStart ? context.attemptStartedAt : now()),
      h: batch ? '0' : String(message.flag ?? 0),
      i: context.properties,
      j: '0',
      k: unitMode,
      m: batch ? 'true' : 'false',
      n: context.queue.brokerName,
    };
    context.request = createRequest(code, extFields, {
      body: context.wireBody,
      oneway: context.mode === 'oneway',
      // `i` already JSON-encoded around the unique id (the header writer uses it while `i` is that text).
      jsonFieldPieces: batch ? null : context.propertiesPieces,
    });
    downstream.next(context as C & EncodedContext);
  });
}
