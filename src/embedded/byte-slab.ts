/**
 * Buffers for what the broker writes many of (stored records, response frames), cut from large slabs: one
 * allocation per slab instead of one per buffer, and no trip through Node's 8 KiB pool (which a 1 KiB record
 * exhausts every few messages). A slab stays alive while any buffer cut from it does.
 * @internal
 */
export class ByteSlab {
  private slab: Buffer = Buffer.alloc(0);
  private pos = 0;
  /** Slabs given back by {@link recycle}, taken again before a new one is allocated. */
  private readonly free: Buffer[] = [];

  /**
   * @param slabBytes - size of each slab; a larger request gets a slab of its own size
   * @param maxFree - most recycled slabs kept for reuse
   */
  constructor(
    private readonly slabBytes: number,
    private readonly maxFree = 4,
  ) {}

  /**
   * Gives back a slab nobody reads any more (no buffer cut from it is alive, no position into it is kept): the next
   * slab is then this one, not a fresh allocation. A long-running owner that drops its oldest pieces in order
   * (the message store) would otherwise hand V8 a fresh external allocation per slab, which survives into the old
   * generation and is freed only by full collections. Slabs of another size, and the current slab, are not kept.
   */
  recycle(slab: Buffer): void {
    if (slab === this.slab || slab.length !== this.slabBytes || this.free.length >= this.maxFree) return;
    this.free.push(slab);
  }

  /** A buffer of `size` bytes, its content unset (as `Buffer.allocUnsafe`). */
  take(size: number): Buffer {
    const slab = this.reserve(size);
    return slab.subarray(this.reservedAt, this.reservedAt + size);
  }

  /** Where the bytes of the last {@link reserve} start in the slab it returned. */
  reservedAt = 0;

  /**
   * Reserves `size` bytes without making a buffer of them: returns the slab they are in, from {@link reservedAt}
   * (for a caller that keeps the slab and the position instead of a buffer per piece).
   */
  reserve(size: number): Buffer {
    let pos = this.pos;
    if (this.slab.length - pos < size) {
      this.slab = (size <= this.slabBytes ? this.free.pop() : undefined) ?? Buffer.allocUnsafeSlow(Math.max(this.slabBytes, size));
      pos = 0;
    }
    this.reservedAt = pos;
    // 8-byte aligned starts, as Node's pool hands them out.
    this.pos = (pos + size + 7) & ~7;
    return this.slab;
  }
}
