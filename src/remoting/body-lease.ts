/**
 * A request body that its owner wants back (to reuse the buffer), lent to remoting for as long as a frame carrying
 * it may still be read.
 */

/**
 * A borrowed request body ({@link InvokeOptions.bodyLease}). Remoting calls `retain()` when it queues a frame that
 * references the body without copying it, and `release()` exactly once for each `retain()`, as soon as nothing in
 * the connection or the socket reads the body any more: the socket wrote the frame (or failed to), the frame was
 * skipped because its call was cancelled before the write, or the connection dropped it at close. A body that is
 * copied into the connection's write buffer as it is queued (≤ 4 KiB) is released at once. Until every `retain()`
 * was released, the owner must not overwrite the body: a timed-out call's frame may still wait in a blocked socket.
 *
 * @example
 * ```ts
 * let holders = 1; // the owner's own hold
 * const lease: BodyLease = { retain: () => void holders++, release: () => { if (--holders === 0) reuse(body); } };
 * client.invoke$(addr, { ...request, body }, 3000, { bodyLease: lease }).pipe(finalize(() => lease.release())).subscribe();
 * ```
 */
export interface BodyLease {
  /** A frame carrying the body was queued without a copy: one more reader until the matching `release()`. */
  retain(): void;
  /** One reader is done with the body. */
  release(): void;
}
