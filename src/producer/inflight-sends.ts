/**
 * The producer's sends in flight: what `inflightCount` counts, what shutdown waits for and fails when it times out.
 *
 * The sends that let go of themselves (`send`'s, `sendAsync`'s and `publish`'s, see {@link SelfTracked}) take a numbered slot
 * in an array, reused from a free list once they are let go; their slot number is kept on the subscriber. With
 * hundreds of async sends in flight this is one array store at the start and one at the end of a send, where a
 * `Set` added and deleted an entry per send (and rehashed its churned table), which cost the async row measurably
 * more client CPU. Other subscribers (`send$`'s, telemetry's) are kept in a `Set`.
 * @internal
 */
import type { Subscriber } from 'rxjs';
import type { SelfTracked } from './async-send-observer.js';

/** A send subscriber, as the producer holds it. @internal */
export type InflightSend = Subscriber<never>;

/** @internal */
export class InflightSends {
  private readonly others = new Set<InflightSend>();
  private readonly slots: (InflightSend | null)[] = [];
  private readonly freeSlots: number[] = [];
  private selfTrackedCount = 0;

  /** Sends in flight. */
  get size(): number {
    return this.others.size + this.selfTrackedCount;
  }

  /** Counts a send that is let go by {@link delete}. */
  add(subscriber: InflightSend): void {
    this.others.add(subscriber);
  }

  /** Ends what {@link add} started. */
  delete(subscriber: InflightSend): void {
    this.others.delete(subscriber);
  }

  /** Counts a send that lets go of itself (by {@link deleteSelfTracked}), in a slot of its own. */
  addSelfTracked(subscriber: InflightSend & SelfTracked): void {
    const slot = this.freeSlots.length > 0 ? this.freeSlots.pop()! : this.slots.length;
    this.slots[slot] = subscriber;
    subscriber.trackedSlot = slot;
    this.selfTrackedCount++;
  }

  /** Ends what {@link addSelfTracked} started (once: a second call does nothing). */
  deleteSelfTracked(subscriber: SelfTracked): void {
    const slot = subscriber.trackedSlot;
    if (slot < 0 || this.slots[slot] !== (subscriber as unknown)) return;
    this.slots[slot] = null;
    subscriber.trackedSlot = -1;
    this.freeSlots.push(slot);
    this.selfTrackedCount--;
  }

  /** The sends in flight now (a copy: failing them lets them go). */
  snapshot(): InflightSend[] {
    const sends = [...this.others];
    for (const subscriber of this.slots) if (subscriber !== null) sends.push(subscriber);
    return sends;
  }
}
