/**
 * Reusable buffers for SEND_BATCH_MESSAGE bodies. A batch body is tens of KiB, built once per request; a fresh one
 * per request is external memory that drives V8 into full collections under a steady stream of batches. A body goes
 * back to its pool only when nobody reads it any more: its send has ended (the owner's hold) and remoting released
 * every frame that carried it without a copy (see `BodyLease`: a timed-out attempt's frame may still wait in a blocked
 * socket long after its send failed).
 * @internal
 */
import type { BodyLease } from '../../remoting/body-lease.js';

/** Backing buffers are sized in steps of this, so that bodies of nearly the same size share them. */
const SIZE_STEP = 16 * 1024;

/** A pooled body: `body` is a view of exactly the requested size; holders are its send and the frames carrying it. */
export class PooledBody implements BodyLease {
  /** The send's own hold, plus one per frame that remoting queued without copying the body. */
  private holders = 1;

  constructor(
    private readonly pool: BatchBodyPool,
    /** The pool's buffer this body lives in. */
    readonly backing: Buffer,
    /** The body: `backing[0, size)`. */
    readonly body: Buffer,
  ) {}

  /** Whether the body went back to its pool (every hold released). */
  get returned(): boolean {
    return this.holders === 0;
  }

  retain(): void {
    // A body already given back cannot be held again: its buffer may be someone else's by now.
    if (this.holders === 0) throw new Error('a returned batch body was retained');
    this.holders += 1;
  }

  release(): void {
    if (this.holders === 0) return;
    this.holders -= 1;
    if (this.holders === 0) this.pool.give(this.backing);
  }
}

/**
 * A small pool of batch body buffers (one per batch sender): at most `maxBuffers` free buffers and `maxFreeBytes` in
 * them, none above `maxBodyBytes` (larger bodies are allocated and left to the GC), so that an idle producer keeps
 * little memory after a burst of large batches.
 * @internal
 */
export class BatchBodyPool {
  private free: Buffer[] = [];
  private freeBytes = 0;
  /** Bodies allocated, and bodies served from a reused buffer, since the pool was made (for tests and benches). */
  allocated = 0;
  reused = 0;

  constructor(
    private readonly maxBuffers = 32,
    private readonly maxBodyBytes = 1024 * 1024,
    private readonly maxFreeBytes = 8 * 1024 * 1024,
  ) {}

  /** Free buffers held now. */
  get size(): number {
    return this.free.length;
  }

  /** A body of exactly `bytes`, held once by the caller (its `release()` gives it back). */
  take(bytes: number): PooledBody {
    const free = this.free;
    for (let i = free.length - 1; i >= 0; i--) {
      const buffer = free[i]!;
      if (buffer.length >= bytes && buffer.length - bytes < 4 * SIZE_STEP) {
        free[i] = free[free.length - 1]!;
        free.pop();
        this.freeBytes -= buffer.length;
        this.reused += 1;
        return new PooledBody(this, buffer, buffer.subarray(0, bytes));
      }
    }
    this.allocated += 1;
    const backing = Buffer.allocUnsafe(bytes <= this.maxBodyBytes ? Math.ceil(bytes / SIZE_STEP) * SIZE_STEP || SIZE_STEP : bytes);
    return new PooledBody(this, backing, backing.subarray(0, bytes));
  }

  /** Takes a buffer back (kept if the pool has room and it is not oversized). */
  give(buffer: Buffer): void {
    if (buffer.length > this.maxBodyBytes) return;
    // The oldest free buffers make room (the newest are the likeliest to fit the next bodies).
    while (this.free.length > 0 && (this.free.length >= this.maxBuffers || this.freeBytes + buffer.length > this.maxFreeBytes)) {
      this.freeBytes -= this.free.shift()!.length;
    }
    this.free.push(buffer);
    this.freeBytes += buffer.length;
  }
}
