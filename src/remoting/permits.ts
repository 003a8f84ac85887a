/**
 * Counting semaphore bounding the async / oneway requests in flight (Java `semaphoreAsync` / `semaphoreOneway`).
 *
 * Waiters queue FIFO. A waiter that gives up (timeout, unsubscribe) is not searched for and removed: it answers
 * false to `grant()` when its turn comes, and the permit goes to the next one.
 *
 * @internal
 */

/** Someone waiting for a permit. @internal */
export interface PermitWaiter {
  /** Offers a permit; returns false if the waiter no longer wants it (the permit then goes to the next waiter). */
  grant(): boolean;
}

/** @internal */
export class Permits {
  private availableValue: number;
  private waiters: (PermitWaiter | null)[] = [];
  private head = 0;
  /** Requests that had to queue for a permit since creation (metrics). */
  waits = 0;

  constructor(readonly total: number) {
    this.availableValue = total;
  }

  /** Permits free right now. */
  get available(): number {
    return this.availableValue;
  }

  /** Waiters queued right now (some may have given up already). */
  get waiting(): number {
    return this.waiters.length - this.head;
  }

  /** Takes a permit if one is free. */
  tryAcquire(): boolean {
    if (this.availableValue > 0 && this.head === this.waiters.length) {
      this.availableValue--;
      return true;
    }
    return false;
  }

  /** Queues a waiter; `grant()` is called when a permit frees up. */
  wait(waiter: PermitWaiter): void {
    this.waits++;
    this.waiters.push(waiter);
  }

  /** Returns a permit: hands it to the first waiter that still wants one, or makes it available. */
  release(): void {
    while (this.head < this.waiters.length) {
      const waiter = this.waiters[this.head];
      this.waiters[this.head] = null;
      this.head++;
      if (this.head === this.waiters.length) {
        this.waiters = [];
        this.head = 0;
      }
      if (waiter?.grant() === true) return;
    }
    this.availableValue++;
  }
}
