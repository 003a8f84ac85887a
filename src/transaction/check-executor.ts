/**
 * The check-back pool of a transactional producer (Java `checkExecutor`: `checkThreadPoolMinSize` threads over an
 * `ArrayBlockingQueue(checkRequestHoldMax)`): at most `concurrency` checks run at once, at most `holdMax` wait, and
 * a check that finds the queue full is refused (the broker checks again later).
 * @internal
 */
export class CheckExecutor {
  private running = 0;
  private readonly waiting: (() => Promise<void>)[] = [];
  private closed = false;

  constructor(
    private readonly concurrency: number,
    private readonly holdMax: number,
  ) {}

  /** Checks running plus waiting. */
  get size(): number {
    return this.running + this.waiting.length;
  }

  /**
   * Runs `task` now or once a slot frees up.
   * @returns false when the queue is full or the executor is closed (the task will not run)
   */
  submit(task: () => Promise<void>): boolean {
    if (this.closed) return false;
    if (this.running < this.concurrency) {
      this.run(task);
      return true;
    }
    if (this.waiting.length >= this.holdMax) return false;
    this.waiting.push(task);
    return true;
  }

  /** Drops the waiting checks and refuses new ones (running ones finish). */
  close(): void {
    this.closed = true;
    this.waiting.length = 0;
  }

  private run(task: () => Promise<void>): void {
    this.running++;
    void task()
      .catch(() => undefined)
      .then(() => {
        this.running--;
        const next = this.closed ? undefined : this.waiting.shift();
        if (next !== undefined) this.run(next);
      });
  }
}
