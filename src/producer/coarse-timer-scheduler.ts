/**
 * An RxJS scheduler for send deadlines: every scheduled action shares one Node timer, instead of the
 * `setInterval` (plus `AsyncAction`) that `asyncScheduler` creates per action. A send's deadline `timeout()` is
 * almost always cancelled by the response long before it is due, so arming and clearing a timer per send was
 * pure overhead.
 *
 * Actions are kept in buckets by due time, rounded up to {@link GRANULARITY_MILLIS}; the timer is armed for the
 * earliest bucket with an action pending and, when it fires, runs every due action and re-arms for the next such
 * bucket. An action therefore
 * never runs early and runs at most about one granularity late; actions of one bucket run in scheduling order. Cancelling an action clears its slot in O(1); a
 * bucket whose actions were all cancelled is dropped when its time comes. While no action is pending the timer
 * does not keep the process alive (as a cleared `setInterval` would not).
 *
 * @internal
 */
import { Subscription } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';

/** Due times are rounded up to a multiple of this, so that a stream of equal deadlines shares one firing. */
export const GRANULARITY_MILLIS = 10;

type Work<T> = (this: SchedulerAction<T>, state?: T) => void;

/**
 * What the scheduler's buckets hold: an RxJS action, or an object that is its own timer entry (a send attempt's
 * deadline, without an action object per attempt; see {@link CoarseTimerScheduler.enqueue}). @internal
 */
export interface CoarseTimerEntry {
  /** The bucket holding this entry while it is pending (`null` otherwise), and its slot there. */
  bucket: CoarseTimerBucket | null;
  slot: number;
  /** Runs when the entry is due. */
  onTimer(): void;
}

/** The entries due at one time (a multiple of {@link GRANULARITY_MILLIS}), and how many of them are still pending. @internal */
export class CoarseTimerBucket {
  /** In scheduling order; a cancelled entry's slot is `null`. */
  readonly entries: (CoarseTimerEntry | null)[] = [];
  /** Entries neither run nor cancelled. */
  live = 0;
  constructor(readonly due: number) {}
}

/** One scheduled piece of work; also its own cancelling Subscription (as RxJS actions are). @internal */
class CoarseAction<T> extends Subscription implements SchedulerAction<T>, CoarseTimerEntry {
  /** The bucket holding this action while it is pending, and its slot there. */
  bucket: CoarseTimerBucket | null = null;
  slot = -1;

  constructor(
    private readonly owner: CoarseTimerScheduler,
    private readonly work: Work<T>,
    private state: T | undefined,
  ) {
    super();
  }

  /** Schedules this action again (RxJS recursive scheduling); a closed action stays closed. */
  schedule(state?: T, delay = 0): Subscription {
    if (this.closed) return this;
    this.state = state;
    this.owner.enqueue(this, delay);
    return this;
  }

  onTimer(): void {
    this.execute();
  }

  /** @internal Runs the work; a throw closes the action and propagates, as with `asyncScheduler`. */
  execute(): void {
    try {
      this.work.call(this, this.state);
    } catch (error) {
      this.unsubscribe();
      throw error;
    }
  }

  override unsubscribe(): void {
    if (this.closed) return;
    this.owner.dequeue(this);
    super.unsubscribe();
  }
}

/** @internal */
export class CoarseTimerScheduler implements SchedulerLike {
  private readonly buckets = new Map<number, CoarseTimerBucket>();
  /**
   * The buckets of {@link buckets}, by due time: a firing looks at the due ones only, and the timer is armed for the
   * first bucket with a pending entry, not for buckets whose entries were all cancelled. Sends going one at a time
   * under a 3 s timeout keep ~300 buckets, all but the last emptied by their responses long ago: the timer then
   * fires about once per timeout instead of every 10 ms. Buckets are nearly always made in due order, so keeping
   * the order is an append.
   */
  private readonly ordered: CoarseTimerBucket[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** Due time the timer is armed for (Infinity when unarmed). */
  private armedFor = Infinity;
  /** Actions scheduled and neither run nor cancelled. */
  private pending = 0;
  private readonly onTimer = (): void => this.fire();

  /** Milliseconds since the epoch, as `asyncScheduler.now()`. */
  now(): number {
    return Date.now();
  }

  /** Actions waiting to run (for tests and metrics). */
  get pendingCount(): number {
    return this.pending;
  }

  schedule<T>(work: Work<T>, delay = 0, state?: T): Subscription {
    const action = new CoarseAction<T>(this, work, state);
    this.enqueue(action, delay);
    return action;
  }

  /**
   * @internal Puts `action` in the bucket of `now + delay` (rounded up), first taking it out of any other. An entry
   * that is not an action of this scheduler (e.g. a send attempt that is its own deadline) is enqueued the same way:
   * its `onTimer` runs when it is due, unless {@link CoarseTimerScheduler.dequeue} took it out first. `now` is this
   * scheduler's clock read by the caller just before (one clock read less per entry).
   */
  enqueue(action: CoarseTimerEntry, delay: number, now: number = Date.now()): void {
    this.dequeue(action);
    const due = Math.ceil((now + Math.max(0, delay)) / GRANULARITY_MILLIS) * GRANULARITY_MILLIS;
    let bucket = this.buckets.get(due);
    if (bucket === undefined) {
      bucket = new CoarseTimerBucket(due);
      this.buckets.set(due, bucket);
      this.addOrdered(bucket);
    }
    action.bucket = bucket;
    action.slot = bucket.entries.length;
    bucket.entries.push(action);
    bucket.live++;
    if (this.pending++ === 0 && this.timer !== null) this.timer.ref();
    if (due < this.armedFor) this.arm(due);
  }

  /** @internal Takes a pending `action` out of its bucket (O(1): its slot is cleared). */
  dequeue(action: CoarseTimerEntry): void {
    const bucket = action.bucket;
    if (bucket === null) return;
    bucket.entries[action.slot] = null;
    bucket.live--;
    action.bucket = null;
    if (--this.pending === 0 && this.timer !== null) this.timer.unref();
  }

  /** Puts a new bucket into {@link ordered}, in due order. */
  private addOrdered(bucket: CoarseTimerBucket): void {
    const ordered = this.ordered;
    const due = bucket.due;
    let at = ordered.length;
    if (at === 0 || ordered[at - 1]!.due < due) {
      ordered.push(bucket);
      return;
    }
    // An earlier deadline than the latest bucket's (a shorter timeout): its place, by binary search.
    let low = 0;
    while (low < at) {
      const mid = (low + at) >>> 1;
      if (ordered[mid]!.due < due) low = mid + 1;
      else at = mid;
    }
    ordered.splice(low, 0, bucket);
  }

  private arm(due: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.armedFor = due;
    this.timer = setTimeout(this.onTimer, Math.max(0, due - Date.now()));
    if (this.pending === 0) this.timer.unref();
  }

  private unrefTimer(): void {
    this.timer?.unref();
  }

  private fire(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = Date.now();
    const ordered = this.ordered;
    let count = 0;
    while (count < ordered.length && ordered[count]!.due <= now) count++;
    let failure: { error: unknown } | null = null;
    if (count > 0) {
      // In due order: after a stalled event loop several buckets are due at once, and a later-scheduled but
      // earlier-due bucket must still run first. Every due bucket leaves the map before any action runs: what the
      // actions schedule goes into new buckets.
      const due = ordered.splice(0, count);
      for (const bucket of due) this.buckets.delete(bucket.due);
      for (const bucket of due) {
        if (bucket.live === 0) continue;
        for (const action of bucket.entries) {
          if (action === null || action.bucket !== bucket) continue;
          action.bucket = null;
          bucket.live--;
          this.pending--;
          try {
            action.onTimer();
          } catch (error) {
            failure ??= { error };
          }
        }
      }
    }
    // Armed for the first bucket with an entry still pending (the emptied ones before it go when the timer next
    // fires), unless an action run above already armed it for an earlier one.
    for (const bucket of ordered) {
      if (bucket.live > 0) {
        if (bucket.due < this.armedFor) this.arm(bucket.due);
        break;
      }
    }
    if (this.pending === 0) this.unrefTimer();
    // As a timer callback would: report the first throw after every due action has run.
    if (failure !== null) throw failure.error;
  }
}

/** The scheduler shared by every producer's send deadlines. @internal */
export const coarseTimerScheduler = new CoarseTimerScheduler();
