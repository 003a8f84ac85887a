/**
 * Asynchronous zlib deflate on a few long-lived contexts. A one-shot `zlib.deflate` builds a new stream for every
 * body: a Transform stream, a native handle and `deflateInit2`'s ~256 KiB of window and hash tables, allocated,
 * zeroed and freed each time; for a 16 KiB body that costs about as much CPU again as the deflate itself. Here each
 * context is one `zlib.createDeflate` stream whose every write is a whole zlib stream (`flush: Z_FINISH`), reset after
 * each body, so a body costs one thread-pool round trip and the deflate.
 *
 * Same bytes as a fresh context (`deflateSync`, `java.util.zip.Deflater(level)`): `deflateReset` clears the state and
 * the hash table but not the sliding window, and the match search reads up to 258 bytes past the end of the input,
 * where a fresh context has zeros and a reused one the bytes of an earlier, longer body (which can change the last
 * matches). So a context only takes a body at least as long as every body it had before (whatever lies past the end
 * of the new input was never written), or one that fills the whole window before the first match (64 KiB); any other
 * body gets a fresh context. Level 0 is never reused: its stored blocks are cut by the output space left, which a
 * shared output buffer would vary, so each body gets a fresh context with `deflateSync`'s output chunk.
 * @internal
 */
import { availableParallelism } from 'node:os';
import { constants, createDeflate } from 'node:zlib';
import type { Deflate } from 'node:zlib';
import { MQClientError } from '../errors.js';
import { MessageErrorCode } from './error-codes.js';

/**
 * Output buffer of a context. A compressed body is a slice of it (no copy); a body whose output does not fit in what
 * is left of the buffer continues in a new one (one more thread-pool round trip and a concatenation), so the buffer
 * is several times a typical compressed body.
 */
const OUTPUT_CHUNK_BYTES = 64 * 1024;

/** zlib's window (2 × 2^windowBits, windowBits 15 as Java's `Deflater`): a body this long overwrites all of it first. */
const WINDOW_BYTES = 2 << 15;

/** One body to deflate and the promise's settlers. */
interface DeflateJob {
  readonly body: Uint8Array;
  resolve(bytes: Buffer): void;
  reject(error: unknown): void;
}

/** One long-lived zlib stream, running at most one job at a time. */
class DeflateContext {
  private readonly stream: Deflate;
  private chunks: Buffer[] = [];
  private job: DeflateJob | null = null;
  private broken = false;
  /** How far into the window earlier bodies wrote. */
  private windowUsed = 0;
  /** Whether the context may take another body after its first (see the file's comment). */
  readonly reusable: boolean;

  constructor(
    level: number,
    private readonly pool: DeflatePool,
  ) {
    this.reusable = level !== 0;
    const chunkSize = this.reusable ? OUTPUT_CHUNK_BYTES : constants.Z_DEFAULT_CHUNK;
    this.stream = createDeflate({ level, flush: constants.Z_FINISH, chunkSize });
    this.stream.on('data', (chunk: Buffer) => void this.chunks.push(chunk));
    // A failing zlib handle destroys the stream, and its pending write may never call back: settle the job here.
    this.stream.on('error', (error: Error) => this.fail(error));
  }

  /** How far into the window earlier bodies wrote (bytes). */
  get fill(): number {
    return this.windowUsed;
  }

  /** Whether this context gives `length` bytes the output of a fresh context (see the file's comment). */
  accepts(length: number): boolean {
    return this.reusable && (length >= this.windowUsed || length >= WINDOW_BYTES);
  }

  run(job: DeflateJob): void {
    this.job = job;
    const length = job.body.byteLength;
    if (length > this.windowUsed) this.windowUsed = Math.min(length, WINDOW_BYTES);
    this.stream.write(job.body, this.onWritten);
  }

  /** Frees the context (a healthy one that is not needed any more). */
  close(): void {
    this.broken = true;
    this.stream.destroy();
  }

  // The stream pushes a write's whole output (`data`) before it calls the write back.
  private readonly onWritten = (error?: Error | null): void => {
    if (this.broken) return;
    if (error !== null && error !== undefined) return this.fail(error);
    const job = this.job;
    const chunks = this.chunks;
    if (job === null || chunks.length === 0) return this.fail(new Error('zlib produced no output for a finished stream'));
    this.job = null;
    this.chunks = [];
    this.stream.reset();
    job.resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    this.pool.release(this);
  };

  private fail(cause: Error): void {
    if (this.broken) return;
    this.broken = true;
    const job = this.job;
    this.job = null;
    this.chunks = [];
    this.stream.destroy();
    this.pool.retire(this);
    job?.reject(new MQClientError(`zlib compression failed: ${cause.message}`, -1, { code: MessageErrorCode.COMPRESS_FAILED, cause }));
  }
}

/**
 * Deflates bodies on at most `size` long-lived contexts at once (each a libuv thread-pool job while it runs); further
 * bodies wait in arrival order. One pool per level.
 * @internal
 */
export class DeflatePool {
  private readonly idle: DeflateContext[] = [];
  private readonly waiting: (DeflateJob | undefined)[] = [];
  private waitingHead = 0;
  private contexts = 0;
  private createdSoFar = 0;

  /**
   * @param level - zlib level −1…9
   * @param size - most deflates running at once
   */
  constructor(
    private readonly level: number,
    private readonly size: number,
  ) {}

  /**
   * Deflates `body` (zlib format, the bytes of `deflateSync(body, { level })`); `body` is only read.
   * @param body - the bytes
   * @returns the zlib stream
   */
  deflate(body: Uint8Array): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      const job: DeflateJob = { body, resolve, reject };
      const context = this.contextFor(body.byteLength);
      if (context === undefined) this.waiting.push(job);
      else context.run(job);
    });
  }

  /** A context finished its job: it rests, and the next waiting body goes to the context that fits it best. */
  release(context: DeflateContext): void {
    if (context.reusable) {
      this.idle.push(context);
    } else {
      context.close();
      this.contexts--;
    }
    const next = this.nextWaiting();
    if (next === undefined) return;
    let chosen: DeflateContext | undefined;
    try {
      chosen = this.contextFor(next.body.byteLength);
    } catch (error) {
      return next.reject(error);
    }
    // Always found (a context was just freed); kept at the head of the queue otherwise.
    if (chosen === undefined) this.waiting.splice(this.waitingHead, 0, next);
    else chosen.run(next);
  }

  /** A context failed and is dropped: a new one takes the next waiting job. */
  retire(context: DeflateContext): void {
    this.contexts--;
    const at = this.idle.indexOf(context);
    if (at >= 0) this.idle.splice(at, 1);
    const next = this.nextWaiting();
    if (next !== undefined) this.runFresh(next);
  }

  /**
   * The idle context that accepts `length` bytes and has seen the longest bodies (best fit: the others stay free for
   * shorter bodies), else a new one while fewer than `size` exist, else a fresh one in place of the idle context that
   * has seen the longest body (the least likely to fit the next ones), else none (all busy).
   */
  private contextFor(length: number): DeflateContext | undefined {
    let fit = -1;
    let highest = -1;
    for (let i = 0; i < this.idle.length; i++) {
      const context = this.idle[i]!;
      if (context.accepts(length) && (fit < 0 || context.fill > this.idle[fit]!.fill)) fit = i;
      if (highest < 0 || context.fill > this.idle[highest]!.fill) highest = i;
    }
    if (fit >= 0) return this.idle.splice(fit, 1)[0];
    if (this.contexts < this.size) return this.create();
    if (highest < 0) return undefined;
    this.idle.splice(highest, 1)[0]!.close();
    this.contexts--;
    return this.create();
  }

  private runFresh(job: DeflateJob): void {
    let context: DeflateContext;
    try {
      context = this.create();
    } catch (error) {
      return job.reject(error);
    }
    context.run(job);
  }

  /** Contexts created so far (each one a `deflateInit2`): how often bodies could not reuse one. */
  get created(): number {
    return this.createdSoFar;
  }

  private create(): DeflateContext {
    const context = new DeflateContext(this.level, this);
    this.contexts++;
    this.createdSoFar++;
    return context;
  }

  private nextWaiting(): DeflateJob | undefined {
    if (this.waitingHead === this.waiting.length) return undefined;
    const job = this.waiting[this.waitingHead]!;
    this.waiting[this.waitingHead++] = undefined;
    if (this.waitingHead === this.waiting.length) {
      this.waiting.length = 0;
      this.waitingHead = 0;
    } else if (this.waitingHead >= 1024 && this.waitingHead * 2 >= this.waiting.length) {
      // A queue that never quite empties (a steady backlog) would otherwise only grow.
      this.waiting.splice(0, this.waitingHead);
      this.waitingHead = 0;
    }
    return job;
  }
}

/**
 * Most deflates at once: one per core, at most 4 (libuv's default thread-pool size, so file and DNS work still find a
 * thread). More bodies at once than cores only adds contexts in memory and threads competing for the same cores.
 */
export const DEFAULT_DEFLATE_CONCURRENCY = Math.max(1, Math.min(4, availableParallelism()));

const pools = new Map<number, DeflatePool>();

/**
 * Deflates `body` at `level` off the event loop, on the process's pool for that level.
 * @param body - the bytes (only read)
 * @param level - zlib level −1…9
 * @returns the zlib stream, byte-identical to `deflateSync(body, { level })`
 * @internal
 */
export function deflateOffLoop(body: Uint8Array, level: number): Promise<Buffer> {
  let pool = pools.get(level);
  if (pool === undefined) {
    pool = new DeflatePool(level, DEFAULT_DEFLATE_CONCURRENCY);
    pools.set(level, pool);
  }
  return pool.deflate(body);
}
