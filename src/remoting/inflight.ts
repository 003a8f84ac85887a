/**
 * Correlation table of one connection: requests waiting for their response, keyed by opaque.
 *
 * Entries live in a direct-mapped array indexed by the opaque's low bits, and only an entry whose slot is taken goes
 * to an overflow `Map`: opaques come from one counter, so those in flight on a connection are nearly always a
 * window of consecutive numbers, and a response costs one array read and write (a `Map` set, get and delete cost
 * about six times that, and rehashing its churned table is garbage per request). The array doubles, up to 64 Ki
 * slots, while the entries outnumber half of it, and goes back to its first size once the table is found empty by the
 * timer's last firing or by `rejectAll` (a burst does not leave a connection holding up to 1 MiB of arrays). Iteration (sweep, rejectAll) goes in insertion order, as a `Map`'s.
 * Timeouts use a single timer per table, armed for the earliest
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

const INITIAL_SLOTS = 256;
const MAX_SLOTS = 64 * 1024;

/** @internal */
export class InflightTable {
  /** `slots[opaque & mask]`: the entry of that opaque, when it got its slot. */
  private slots: (InflightEntry | null)[] = new Array<InflightEntry | null>(INITIAL_SLOTS).fill(null);
  /** When each slot's entry was added (a counter): iteration in insertion order. */
  private slotOrder = new Float64Array(INITIAL_SLOTS);
  private mask = INITIAL_SLOTS - 1;
  /** Entries whose slot was taken by another one, by opaque. */
  private readonly overflow = new Map<number, InflightEntry>();
  private readonly overflowOrder = new Map<number, number>();
  private count = 0;
  private added = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Deadline the timer is armed for (Infinity when unarmed). */
  private armedFor = Infinity;
  private readonly onTimer = (): void => this.sweep();

  /** Number of entries waiting. */
  get size(): number {
    return this.count;
  }

  /** Slots of the direct-mapped array (for tests). @internal */
  get capacity(): number {
    return this.slots.length;
  }

  /** Whether an entry with this opaque is waiting. */
  has(opaque: number): boolean {
    return this.get(opaque) !== undefined;
  }

  /** Adds an entry; returns false (and adds nothing) when its opaque is already taken. */
  add(entry: InflightEntry): boolean {
    const opaque = entry.opaque;
    if (this.get(opaque) !== undefined) return false;
    if (this.count >= this.slots.length >> 1 && this.slots.length < MAX_SLOTS) this.grow();
    this.place(entry, this.added++);
    this.count++;
    if (entry.deadline < this.armedFor - GRANULARITY_MILLIS) this.arm(entry.deadline);
    return true;
  }

  /** Removes `entry` if it is the one registered under its opaque (used on unsubscribe). */
  remove(entry: InflightEntry): void {
    if (this.get(entry.opaque) === entry) this.delete(entry.opaque);
  }

  /**
   * Hands a response to the entry waiting for its opaque and removes it. Returns false when nobody waits for it
   * (late or unsolicited responses, which the caller ignores).
   */
  resolve(response: RemotingCommand): boolean {
    const opaque = response.opaque;
    const entry = this.get(opaque);
    if (entry === undefined) return false;
    this.delete(opaque);
    entry.resolve(response);
    return true;
  }

  /** Fails every entry at once with `error` and empties the table. */
  rejectAll(error: RemotingError): void {
    this.disarm();
    if (this.count === 0) return;
    const entries = this.entriesInOrder(() => true);
    this.clear();
    this.shrinkWhenEmpty();
    for (const entry of entries) entry.fail(error);
  }

  private get(opaque: number): InflightEntry | undefined {
    const entry = this.slots[opaque & this.mask]!;
    if (entry !== null && entry.opaque === opaque) return entry;
    return this.overflow.size === 0 ? undefined : this.overflow.get(opaque);
  }

  /** Puts an entry (known to be absent) into its slot, or into the overflow when the slot is taken. */
  private place(entry: InflightEntry, order: number): void {
    const slot = entry.opaque & this.mask;
    if (this.slots[slot] === null) {
      this.slots[slot] = entry;
      this.slotOrder[slot] = order;
    } else {
      this.overflow.set(entry.opaque, entry);
      this.overflowOrder.set(entry.opaque, order);
    }
  }

  /** Removes the entry of `opaque` (known to be present). */
  private delete(opaque: number): void {
    const slot = opaque & this.mask;
    const entry = this.slots[slot]!;
    if (entry !== null && entry.opaque === opaque) this.slots[slot] = null;
    else {
      this.overflow.delete(opaque);
      this.overflowOrder.delete(opaque);
    }
    this.count--;
  }

  private clear(): void {
    this.slots.fill(null);
    this.overflow.clear();
    this.overflowOrder.clear();
    this.count = 0;
  }

  /** The entries that `keep` accepts, in the order they were added. */
  private entriesInOrder(keep: (entry: InflightEntry) => boolean): InflightEntry[] {
    const found: { entry: InflightEntry; order: number }[] = [];
    const slots = this.slots;
    for (let slot = 0; slot < slots.length; slot++) {
      const entry = slots[slot]!;
      if (entry !== null && keep(entry)) found.push({ entry, order: this.slotOrder[slot]! });
    }
    for (const [opaque, entry] of this.overflow) {
      if (keep(entry)) found.push({ entry, order: this.overflowOrder.get(opaque)! });
    }
    return found.sort((a, b) => a.order - b.order).map(({ entry }) => entry);
  }

  /** Doubles the array; entries keep their insertion order, and overflow entries get a slot where one is free now. */
  private grow(): void {
    const entries = this.entriesInOrder(() => true);
    const orders = new Map<InflightEntry, number>();
    const slots = this.slots;
    for (let slot = 0; slot < slots.length; slot++) if (slots[slot] !== null) orders.set(slots[slot]!, this.slotOrder[slot]!);
    for (const [opaque, entry] of this.overflow) orders.set(entry, this.overflowOrder.get(opaque)!);
    const size = slots.length * 2;
    this.slots = new Array<InflightEntry | null>(size).fill(null);
    this.slotOrder = new Float64Array(size);
    this.mask = size - 1;
    this.overflow.clear();
    this.overflowOrder.clear();
    for (const entry of entries) this.place(entry, orders.get(entry)!);
  }

  /** Expires what is due now and re-arms for the next deadline. */
  private sweep(): void {
    this.timer = null;
    this.armedFor = Infinity;
    const now = performance.now();
    let next = Infinity;
    const expired =
      this.count === 0
        ? []
        : this.entriesInOrder((entry) => {
            if (entry.deadline <= now) return true;
            if (entry.deadline < next) next = entry.deadline;
            return false;
          });
    if (expired.length > 0) {
      for (const entry of expired) this.delete(entry.opaque);
      for (const entry of expired) entry.expire();
    }
    // An expire() callback may have added entries (and armed the timer); only arm if that did not happen.
    if (next !== Infinity && this.count > 0 && next < this.armedFor - GRANULARITY_MILLIS) this.arm(next);
    this.shrinkWhenEmpty();
  }

  /**
   * Back to the first size when nothing waits (then nothing is in the overflow either). Only on the timer's firing and
   * on `rejectAll`, not on every response that empties the table: one request at a time empties it every time.
   */
  private shrinkWhenEmpty(): void {
    if (this.count !== 0 || this.slots.length === INITIAL_SLOTS) return;
    this.slots = new Array<InflightEntry | null>(INITIAL_SLOTS).fill(null);
    this.slotOrder = new Float64Array(INITIAL_SLOTS);
    this.mask = INITIAL_SLOTS - 1;
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
