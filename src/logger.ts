/**
 * The logger the producer writes to: any pino-compatible object (pino, a pino child, bunyan-like wrappers, or four
 * functions). Quiet by default: without a `logger` option nothing is logged.
 */

/** One log method: a structured object first, then the message (the pino calling convention). */
export type LogFn = (obj: Record<string, unknown>, msg: string) => void;

/**
 * What the `logger` option takes (pino's `debug/info/warn/error(obj, msg)` shape).
 * @example
 * ```ts
 * import pino from 'pino';
 * const producer = new Producer({ namesrvAddr: '127.0.0.1:9876', logger: pino({ level: 'info' }) });
 * ```
 */
export interface Logger {
  /** Connection opened/closed, route unchanged after a refresh, trace batches sent. */
  debug: LogFn;
  /** Producer started/stopped, a route changed. */
  info: LogFn;
  /** Connect failures, request timeouts, failed heartbeats, a throwing hook, dropped trace records. */
  warn: LogFn;
  /** A throwing `sendAsync` callback. */
  error: LogFn;
}
