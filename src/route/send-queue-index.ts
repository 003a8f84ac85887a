/**
 * The round-robin counter of a topic's queue selection (Java `ThreadLocalIndex`; Node has one thread, so one counter
 * per topic).
 */

const POSITIVE_MASK = 0x7fffffff;

/** A random int32, as Java's `Random.nextInt()`. */
function randomInt32(random: () => number): number {
  return (Math.floor(random() * 0x1_0000_0000) - 0x8000_0000) | 0;
}

/**
 * Round-robin counter that starts at a random value, so that many producers do not all hit queue 0 first.
 *
 * @example
 * ```ts
 * const index = new SendQueueIndex();
 * const pos = index.incrementAndGet() % queues.length;
 * ```
 */
export class SendQueueIndex {
  /** The raw int32 counter; tests may set it to make selection deterministic. */
  value: number;
  private readonly random: () => number;

  /**
   * @param random - Source of randomness in `[0, 1)`.
   * @defaultValue `Math.random`
   */
  constructor(random: () => number = Math.random) {
    this.random = random;
    this.value = randomInt32(random);
  }

  /**
   * Advances the counter (wrapping at int32 like Java's `++`).
   *
   * @returns The new value with the sign bit cleared (never negative).
   */
  incrementAndGet(): number {
    this.value = (this.value + 1) | 0;
    return this.value & POSITIVE_MASK;
  }

  /** Jumps to a new random non-negative start, as Java does before a retry with fault avoidance on. */
  reset(): void {
    this.value = Math.floor(this.random() * POSITIVE_MASK);
  }
}
