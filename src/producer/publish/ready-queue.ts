/**
 * The queues of work waiting for a send slot in `publish()`: plain FIFO, or one FIFO per ordering key where a key
 * with a send in flight waits (so one key's messages go one at a time, in order, while keys run side by side).
 * @internal
 */

/** An array-backed FIFO that does not shift on every take. @internal */
export class Fifo<T> {
  private items: (T | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(item: T): void {
    this.items.push(item);
  }

  peek(): T | undefined {
    return this.items[this.head];
  }

  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head];
    this.items[this.head] = undefined;
    this.head += 1;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}

/** Work that may wait for a slot; `key` is its ordering key, or `null`. @internal */
export interface Keyed {
  readonly key: string | null;
}

/** Waiting work, in the order it may start. @internal */
export interface ReadyQueue<U extends Keyed> {
  /** Units waiting (runnable or not). */
  readonly waiting: number;
  push(unit: U): void;
  /** The unit that would start next, if any may start now. */
  peek(): U | undefined;
  /** Takes {@link peek}'s unit (its key is then busy until {@link release}). */
  shift(): U | undefined;
  /** The unit's send is over: its key may start its next unit. */
  release(unit: U): void;
}

/** No ordering keys: first come, first served. @internal */
export class FifoReadyQueue<U extends Keyed> implements ReadyQueue<U> {
  private readonly fifo = new Fifo<U>();
  get waiting(): number {
    return this.fifo.length;
  }
  push(unit: U): void {
    this.fifo.push(unit);
  }
  peek(): U | undefined {
    return this.fifo.peek();
  }
  shift(): U | undefined {
    return this.fifo.shift();
  }
  release(): void {}
}

interface KeyState<U> {
  readonly queue: Fifo<U>;
  busy: boolean;
}

/** One FIFO per key; a key runs one unit at a time; runnable keys take turns in arrival order. @internal */
export class KeyedReadyQueue<U extends Keyed> implements ReadyQueue<U> {
  private readonly keys = new Map<string, KeyState<U>>();
  private readonly runnable = new Fifo<string>();
  private count = 0;

  get waiting(): number {
    return this.count;
  }

  push(unit: U): void {
    const key = unit.key ?? '';
    let state = this.keys.get(key);
    if (state === undefined) {
      state = { queue: new Fifo<U>(), busy: false };
      this.keys.set(key, state);
    }
    state.queue.push(unit);
    this.count += 1;
    if (!state.busy && state.queue.length === 1) this.runnable.push(key);
  }

  peek(): U | undefined {
    const key = this.runnable.peek();
    return key === undefined ? undefined : this.keys.get(key)?.queue.peek();
  }

  shift(): U | undefined {
    const key = this.runnable.shift();
    if (key === undefined) return undefined;
    const state = this.keys.get(key)!;
    state.busy = true;
    this.count -= 1;
    return state.queue.shift();
  }

  release(unit: U): void {
    const key = unit.key ?? '';
    const state = this.keys.get(key);
    if (state === undefined) return;
    state.busy = false;
    if (state.queue.length > 0) this.runnable.push(key);
    else this.keys.delete(key);
  }
}
