/**
 * Correlation table of one connection: requests waiting for their response, keyed by opaque.
 *
 * Work per response is one `Map` look-up and delete, or none at all while requests go one at a time: an entry that
 * is added while nothing else waits is kept in a field of its own, not in the `Map` (a `Map` whose one entry comes
 * and goes reallocates its hash table every few requests as it shrinks and regrows). Timeouts use a single timer per table, armed for the earliest
 * deadline and only while the table is non-empty, instead of one timer per request: when it fires, one pass expires
 * what is due and re-arms for the next earliest deadline. With uniform timeouts that pass runs about once per
 * timeout period, whatever the request rate. The timer is not cancelled when the table empties (that would cost a
 * timer per request when requests go one at a time); it fires once more, finds nothing, and stays unarmed.
 *
 * @internal
 */
import type { RemotingError } from '../errors.js';
import type { RemotingCommand } from './remoting-command.js';

/** Something waiting in an {@link InflightTable}. @internal */
export interface InflightEntry {
  /** The opaque the response will carry. */
  readonly opaque: number;
  /** `performance.now()` value at which the entry expires. */
  readonly deadline: number;
  /** The response arrived (the entry has already been removed from the table). */
  resolve(response: RemotingCommand): void;
  /** The deadline passed (the entry has already been removed). */
  expire(): void;
  /** The connection failed (the entry has already been removed). */
  fail(error: RemotingError): void;
}

/**
 * Timer granularity: deadlines closer than this to the armed one share its firing, so a stream of requests with
 * equal timeouts never re-arms the timer.
 */
const GRANULARITY_MILLIS = 10;

/** @internal */
export class InflightTable {
  private readonly entries = new Map<number, InflightEntry>();
  /** The entry added while the table was empty, kept out of `entries` (see the module comment). */
  private lone: InflightEntry | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Deadline the timer is armed for (Infinity when unarmed). */
  private armedFor = Infinity;
  private readonly onTimer = (): void => this.sweep();

  /** Number of entries waiting. */
  get size(): number {
    return this.entries.size + (this.lone === null ? 0 : 1);
  }

  /** Whether an entry with this opaque is waiting. */
  has(opaque: number): boolean {
    return (this.lone !== null && this.lone.opaque === opaque) || this.entries.has(opaque);
  }

  /** Adds an entry; returns false (and adds nothing) when its opaque is already taken. */
  add(entry: InflightEntry): boolean {
    const lone = this.lone;
    if (lone === null && this.entries.size === 0) this.lone = entry;
    else if ((lone !== null && lone.opaque === entry.opaque) || this.entries.has(entry.opaque)) return false;
    else this.entries.set(entry.opaque, entry);
    if (entry.deadline < this.armedFor - GRANULARITY_MILLIS) this.arm(entry.deadline);
    return true;
  }

  /** Removes `entry` if it is the one registered under its opaque (used on unsubscribe). */
  remove(entry: InflightEntry): void {
    if (this.lone === entry) {
      this.lone = null;
      return;
    }
    if (this.entries.get(entry.opaque) === entry) {
      this.entries.delete(entry.opaque);
    }
  }

  /**
   * Hands a response to the entry waiting for its opaque and removes it. Returns false when nobody waits for it
   * (late or unsolicited responses, which the caller ignores).
   */
  resolve(response: RemotingCommand): boolean {
    const lone = this.lone;
    if (lone !== null && lone.opaque === response.opaque) {
      this.lone = null;
      lone.resolve(response);
      return true;
    }
    const entry = this.entries.get(response.opaque);
    if (entry === undefined) return false;
    this.entries.delete(response.opaque);
    entry.resolve(response);
    return true;
  }

  /** Fails every entry at once with `error` and empties the table. */
  rejectAll(error: RemotingError): void {
    this.disarm();
    if (this.size === 0) return;
    const entries = [...this.entries.values()];
    if (this.lone !== null) entries.unshift(this.lone);
    this.lone = null;
    this.entries.clear();
    for (const entry of entries) entry.fail(error);
  }

  /** Expires what is due now and re-arms for the next deadline. */
  private sweep(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = performance.now();
    let next = Infinity;
    let expired: InflightEntry[] | null = null;
    const lone = this.lone;
    if (lone !== null) {
      if (lone.deadline <= now) expired = [lone];
      else next = lone.deadline;
    }
    for (const entry of this.entries.values()) {
      if (entry.deadline <= now) (expired ??= []).push(entry);
      else if (entry.deadline < next) next = entry.deadline;
    }
    if (expired !== null) {
      for (const entry of expired) {
        if (entry === this.lone) this.lone = null;
        else this.entries.delete(entry.opaque);
      }
      for (const entry of expired) entry.expire();
    }
    // An expire() callback may have added entries (and armed the timer); only arm if that did not happen.
    if (next !== Infinity && this.size > 0 && next < this.armedFor - GRANULARITY_MILLIS) this.arm(next);
  }

  private arm(deadline: number): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.armedFor = deadline;
    const delay = Math.max(0, Math.ceil(deadline - performance.now()));
    this.timer = setTimeout(this.onTimer, delay);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    this.armedFor = Infinity;
  }
}
