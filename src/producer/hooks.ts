/**
 * Producer hooks, shaped after the Java client's `CheckForbiddenHook` and `SendMessageHook`: plain objects, run once
 * per send attempt, isolated from the send (a throwing `SendMessageHook` is reported on the
 * `rocketmq:producer:hookError` diagnostics channel and the send goes on).
 */
import type { Message, MessageQueue, SendResult } from '../message/message.js';

/** How a send talks to the broker: the Java `CommunicationMode`, in lower case. */
export type SendMode = 'sync' | 'async' | 'oneway';

/** The Java `MessageType` of a send as hooks see it. */
export const MessageType = {
  /** An ordinary message. */
  NORMAL: 'Normal_Msg',
  /** The half message of a transaction (`TRAN_MSG=true`). */
  TRANS_MSG_HALF: 'Trans_Msg_Half',
  /** A delayed message (`DELAY` or `__STARTDELIVERTIME` set). */
  DELAY: 'Delay_Msg',
} as const;

/** One of the {@link MessageType} values. */
export type MessageTypeValue = (typeof MessageType)[keyof typeof MessageType];

/**
 * The message as it goes on the wire: the caller's message (never mutated) seen through the producer's eyes.
 * `topic` carries the namespace prefix when the producer has a namespace; `properties` is the full property map
 * that is sent (user properties plus TAGS, KEYS, WAIT, DELAY, UNIQ_KEY, …).
 */
export interface OutgoingMessage {
  /** The topic as sent (namespaced). */
  readonly topic: string;
  /** Every property as sent. */
  readonly properties: Readonly<Record<string, string>>;
  /** The body as sent (after compression if it was compressed). */
  readonly body: Buffer;
  /** The user flag (`h` in the request header). */
  readonly flag: number;
  /** The caller's original message. */
  readonly original: Readonly<Message>;
}

/** What a {@link CheckForbiddenHook} sees (Java `CheckForbiddenContext`). */
export interface CheckForbiddenContext {
  /** Name servers of the producer, `;`-joined as Java shows them. */
  readonly nameSrvAddr: string;
  /** Producer group (namespaced). */
  readonly group: string;
  /** The message about to be sent. */
  readonly message: OutgoingMessage;
  /** The queue chosen for this attempt. */
  readonly mq: MessageQueue;
  /** Address the request goes to (VIP address when the VIP channel is on). */
  readonly brokerAddr: string;
  /** Send mode. */
  readonly communicationMode: SendMode;
  /** The producer's `unitMode`. */
  readonly unitMode: boolean;
}

/**
 * May refuse a send: throwing from `checkForbidden` fails the send with `MQClientError` code
 * `RMQ_ERR_SEND_FORBIDDEN` (the thrown value as its `cause`), and the send is not retried.
 * @example
 * ```ts
 * const noTests: CheckForbiddenHook = {
 *   name: 'no-test-topics',
 *   checkForbidden: (ctx) => { if (ctx.message.topic.startsWith('Test')) throw new Error('test topic'); },
 * };
 * ```
 */
export interface CheckForbiddenHook {
  /** Shown in diagnostics. */
  readonly name: string;
  /** Throw to refuse the send. */
  checkForbidden(context: CheckForbiddenContext): void;
}

/** What a {@link SendMessageHook} sees (Java `SendMessageContext`); one object per attempt. */
export interface SendMessageContext {
  /** Producer group (namespaced). */
  readonly producerGroup: string;
  /** Send mode. */
  readonly communicationMode: SendMode;
  /** The producer's client IP. */
  readonly bornHost: string;
  /** Address the request goes to. */
  readonly brokerAddr: string;
  /** The message as sent. */
  readonly message: OutgoingMessage;
  /** The queue chosen for this attempt. */
  readonly mq: MessageQueue;
  /** Normal, transaction half or delay message. */
  readonly msgType: MessageTypeValue;
  /** The producer's namespace, or `null`. */
  readonly namespace: string | null;
  /** Free slot for tracing hooks (Java `mqTraceContext`), carried from `sendMessageBefore` to `sendMessageAfter`. */
  mqTraceContext: unknown;
  /** Free slot for hooks' own properties (Java `props`). */
  props: Record<string, string> | null;
  /** Set before `sendMessageAfter` on success (stays `null` for oneway sends). */
  sendResult: SendResult | null;
  /** Set before `sendMessageAfter` when the attempt failed. */
  exception: Error | null;
}

/**
 * Observes every send attempt. `sendMessageBefore` runs just before the request is written, `sendMessageAfter`
 * once the attempt settled (with `sendResult` or `exception` set). Throws are isolated.
 * @example
 * ```ts
 * const timing: SendMessageHook = {
 *   name: 'timing',
 *   sendMessageBefore: (ctx) => { ctx.mqTraceContext = performance.now(); },
 *   sendMessageAfter: (ctx) => console.log(ctx.mq.brokerName, performance.now() - (ctx.mqTraceContext as number)),
 * };
 * ```
 */
export interface SendMessageHook {
  /** Shown in diagnostics. */
  readonly name: string;
  /** Called before the request is written. */
  sendMessageBefore?(context: SendMessageContext): void;
  /** Called after the attempt succeeded or failed. */
  sendMessageAfter?(context: SendMessageContext): void;
}
