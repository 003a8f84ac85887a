/**
 * What receives the outcome of one request of `RemotingClient.invokeWith`.
 */
import type { RemotingCommand } from './remoting-command.js';

/**
 * Receives the outcome of one request: `next(response)` then `complete()`, or `error(error)`, exactly once. An RxJS
 * `Subscriber` is one.
 */
export interface ResponseObserver {
  /** The response. */
  next(response: RemotingCommand): void;
  /** The request failed (a `RemotingError`, a hook's error, or a `RangeError` for a bad timeout). */
  error(error: unknown): void;
  /** Called right after `next`. */
  complete(): void;
}
