/**
 * The send hook behind `enableMsgTrace` (Java `SendMessageTraceHookImpl`): it notes the attempt's start in
 * `sendMessageBefore` and, after an attempt the broker answered with trace on, appends a Pub record to the
 * dispatcher. Failed attempts leave no record (as in Java); neither do sends to the trace topic itself.
 * @internal
 */
import type { PubTraceRecord } from './trace-data-encoder.js';
import { TraceMessageType } from './trace-data-encoder.js';

/** What the hook reads of a send attempt (the producer's `SendMessageContext` satisfies it). @internal */
export interface TraceHookContext {
  readonly producerGroup: string;
  readonly brokerAddr: string;
  readonly message: { readonly topic: string; readonly properties: Readonly<Record<string, string>>; readonly body: Buffer };
  readonly msgType: string;
  mqTraceContext: unknown;
  readonly sendResult: {
    readonly sendStatus: string;
    readonly msgId: string;
    readonly offsetMsgId: string;
    readonly regionId: string;
    readonly traceOn: boolean;
  } | null;
}

/** Where records go. @internal */
export interface TraceAppender {
  readonly traceTopic: string;
  append(record: PubTraceRecord): boolean;
}

interface Started {
  readonly timestamp: number;
}

const TRACE_STARTED = Symbol('rocketmq-rx.trace');

/** @internal */
export class SendTraceHook {
  readonly name = 'SendMessageTraceHook';

  /**
   * @param dispatcher - where records go
   * @param withoutNamespace - strips the producer's namespace from a topic or group (records name them without it)
   */
  constructor(
    private readonly dispatcher: TraceAppender,
    private readonly withoutNamespace: (resource: string) => string,
  ) {}

  sendMessageBefore(context: TraceHookContext): void {
    if (context.message.topic.startsWith(this.dispatcher.traceTopic)) return;
    // Kept beside (not in) mqTraceContext so that user hooks sharing the slot cannot break the record.
    (context as unknown as Record<symbol, Started>)[TRACE_STARTED] = { timestamp: Date.now() };
  }

  sendMessageAfter(context: TraceHookContext): void {
    const started = (context as unknown as Record<symbol, Started | undefined>)[TRACE_STARTED];
    if (started === undefined || context.message.topic.startsWith(this.dispatcher.traceTopic)) return;
    const result = context.sendResult;
    if (result === null || result.regionId === '' || !result.traceOn) return;
    const props = context.message.properties;
    this.dispatcher.append({
      timestamp: started.timestamp,
      regionId: result.regionId,
      groupName: this.withoutNamespace(context.producerGroup),
      topic: this.withoutNamespace(context.message.topic),
      msgId: result.msgId,
      tags: props['TAGS'] ?? null,
      keys: props['KEYS'] ?? null,
      storeHost: context.brokerAddr,
      bodyLength: context.message.body.length,
      costTime: Math.trunc(Date.now() - started.timestamp),
      msgType: msgTypeOrdinal(context.msgType),
      offsetMsgId: result.offsetMsgId,
      success: result.sendStatus === 'SEND_OK',
    });
  }
}

function msgTypeOrdinal(type: string): number {
  return (TraceMessageType as Record<string, number>)[type] ?? TraceMessageType.Normal_Msg;
}
