/**
 * Requests waiting for their reply, by correlation id (Java `RequestFutureHolder` / `RequestResponseFuture`), per
 * client instance: the instance's client id is the `REPLY_TO_CLIENT` the broker routes replies by.
 * @internal
 */
import { randomUUID } from 'node:crypto';
import type { ReplyMessage } from './reply-message.js';

/** A new correlation id (Java `CorrelationIdUtil.createCorrelationId`: a random UUID). */
export function createCorrelationId(): string {
  return randomUUID();
}

/** @internal */
export class RequestFutureTable {
  private readonly waiting = new Map<string, (reply: ReplyMessage) => void>();

  /** Requests waiting. */
  get size(): number {
    return this.waiting.size;
  }

  /** Waits for the reply to `correlationId`; `onReply` runs at most once. */
  register(correlationId: string, onReply: (reply: ReplyMessage) => void): void {
    this.waiting.set(correlationId, onReply);
  }

  /** Stops waiting (timeout, unsubscribe, failed send); a later reply is then dropped. */
  remove(correlationId: string): void {
    this.waiting.delete(correlationId);
  }

  /**
   * Hands a reply to its request.
   * @returns false when no request waits for it (unknown, timed out or already answered)
   */
  complete(reply: ReplyMessage): boolean {
    const onReply = this.waiting.get(reply.correlationId);
    if (onReply === undefined) return false;
    this.waiting.delete(reply.correlationId);
    onReply(reply);
    return true;
  }
}
