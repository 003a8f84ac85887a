/**
 * Diagnostics channels of the producer (`node:diagnostics_channel`). Payloads are built only when someone listens.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

/** Payload of `rocketmq:producer:hookError`: a send hook threw; the send went on. */
export interface HookErrorEvent {
  /** The hook's `name`. */
  readonly hook: string;
  /** Which method threw. */
  readonly phase: 'sendMessageBefore' | 'sendMessageAfter';
  /** What it threw. */
  readonly error: unknown;
}

/** Payload of `rocketmq:producer:send`: one send attempt settled. */
export interface SendEvent {
  /** Topic as sent. */
  readonly topic: string;
  /** Broker of the attempt. */
  readonly brokerName: string | null;
  /** Attempt number, from 1. */
  readonly attempt: number;
  /** Milliseconds the attempt took. */
  readonly durationMillis: number;
  /** The error, when the attempt failed. */
  readonly error: unknown;
}

/** `rocketmq:producer:hookError` ({@link HookErrorEvent}). */
export const hookErrorChannel = diagnosticsChannel.channel('rocketmq:producer:hookError');
/** `rocketmq:producer:send` ({@link SendEvent}). */
export const sendChannel = diagnosticsChannel.channel('rocketmq:producer:send');

/** Publishes a hook failure if anyone subscribed. @internal */
export function publishHookError(hook: string, phase: HookErrorEvent['phase'], error: unknown): void {
  if (hookErrorChannel.hasSubscribers) hookErrorChannel.publish({ hook, phase, error } satisfies HookErrorEvent);
}
