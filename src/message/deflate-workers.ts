/**
 * Asynchronous zlib deflate on worker threads, in batches. Each body is deflated by `deflateSync` in a worker — a
 * fresh zlib context per body, so the bytes are those of `deflateSync(body, { level })` (`java.util.zip.Deflater`)
 * by construction — and the bodies waiting when a worker is free go to it together, in one message each way.
 *
 * Why not libuv's thread pool (long-lived `zlib.createDeflate` streams, before): there every body is one thread-pool
 * job — a thread woken, a zlib context last touched on another core, a completion handed back through the stream's
 * callback chain on the event loop — and the results trickle out one at a time, so each becomes a socket write of its
 * own (and a read of its own in the broker). In the 16 KiB `sendAsync` bench row that cost ~70 µs more event-loop
 * CPU per message than this, ~50 µs more deflate time (cache-cold contexts) and twice the broker's CPU. A worker
 * deflates a batch in one loop with warm caches and hands the results back at once, which the connection then
 * writes together.
 *
 * The caller's bytes are copied into a buffer shared with the worker (one per worker, reused batch after batch),
 * never transferred or written; the outputs come back through a second shared buffer and are copied out into one
 * buffer per batch (a compressed body is a view of it), so no result is overwritten by a later batch. Workers start
 * on first use, are `unref`ed while they have no work (they never keep the process alive) and are replaced when one
 * dies (its bodies fail with `RMQ_ERR_COMPRESS_FAILED`).
 * @internal
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MQClientError } from '../errors.js';
import { MessageErrorCode } from './error-codes.js';

/**
 * The worker: deflates each body of a batch (in `input`, back to back; `lengths` says where each ends, `levels` at
 * which level) into `output`, back to back, and answers each one's length, or -1 and an error text for a body that
 * failed. `input` and `output` are shared buffers it keeps until it is sent larger ones.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { deflateSync } = require('node:zlib');
let input = null;
let output = null;
parentPort.on('message', (batch) => {
  if (batch.input !== undefined) input = batch.input;
  if (batch.output !== undefined) output = new Uint8Array(batch.output);
  const { id, lengths, levels } = batch;
  const sizes = new Array(lengths.length);
  const errors = [];
  let offset = 0;
  let at = 0;
  for (let i = 0; i < lengths.length; i++) {
    try {
      const out = deflateSync(new Uint8Array(input, offset, lengths[i]), { level: levels[i] });
      if (at + out.length > output.length) throw new Error('output larger than deflateBound');
      output.set(out, at);
      at += out.length;
      sizes[i] = out.length;
    } catch (error) {
      sizes[i] = -1;
      errors.push(String((error && error.message) || error));
    }
    offset += lengths[i];
  }
  parentPort.postMessage({ id, sizes, errors });
});
`;

/** Most bodies in one batch: enough to take a burst in a few hand-offs, few enough that results are not held long. */
const MAX_BATCH_BODIES = 32;
/** Most input bytes in one batch (a larger body goes alone). */
const MAX_BATCH_BYTES = 1024 * 1024;
/** Shared buffers larger than this (grown for one very large body) are let go once that batch is done. */
const MAX_KEPT_BUFFER_BYTES = 2 * MAX_BATCH_BYTES;

/**
 * A worker's young generation (MiB). Its live heap is tiny, but each `deflateSync` leaves an output buffer behind: a
 * small young generation collects them every few hundred bodies instead of letting tens of MiB pile up per worker.
 */
const WORKER_YOUNG_GENERATION_MB = 1;

/** One body to deflate and the promise's settlers. */
interface DeflateJob {
  readonly body: Uint8Array;
  readonly level: number;
  resolve(bytes: Buffer): void;
  reject(error: unknown): void;
}

/** What a worker answers for a batch: each output's length in the shared output buffer (-1: failed). */
interface BatchResult {
  readonly id: number;
  readonly sizes: readonly number[];
  readonly errors: readonly string[];
}

/** One worker, the batch it is deflating and the buffers it shares with this thread. */
interface DeflateWorker {
  readonly worker: Worker;
  batch: DeflateJob[] | null;
  batchId: number;
  /** The batch's bodies, back to back (written here, read there). */
  input: Uint8Array;
  /** The batch's outputs, back to back (written there, copied out here). */
  output: Uint8Array;
}

/** The most bytes zlib's output for `length` input bytes can take, at any level (zlib's conservative `deflateBound`, with the zlib wrapper). */
const deflateBound = (length: number): number => length + ((length + 7) >> 3) + ((length + 63) >> 6) + 5 + 6;

/**
 * Most workers: one per core, at most 4. More bodies at once than cores only adds threads competing for the same
 * cores.
 * @internal
 */
export const DEFAULT_DEFLATE_WORKERS = Math.max(1, Math.min(4, availableParallelism()));

/**
 * Deflates bodies on up to `size` worker threads, in batches (see the file's comment); bodies wait in arrival order.
 * @internal
 */
export class DeflateWorkerPool {
  private readonly workers: DeflateWorker[] = [];
  private queue: (DeflateJob | undefined)[] = [];
  private queueHead = 0;
  private dispatchScheduled = false;
  private nextBatchId = 0;
  private startedSoFar = 0;

  /**
   * @param size - most workers (each deflating one batch at a time)
   * @param workerSource - the workers' script (tests give one that fails)
   */
  constructor(
    private readonly size: number = DEFAULT_DEFLATE_WORKERS,
    private readonly workerSource: string = WORKER_SOURCE,
  ) {}

  /**
   * Deflates `body` (zlib format, the bytes of `deflateSync(body, { level })`); `body` is only read.
   * @param body - the bytes
   * @param level - zlib level −1…9
   * @returns the zlib stream
   */
  deflate(body: Uint8Array, level: number): Promise<Buffer> {
    return new Promise<Buffer>((resolve, reject) => {
      if (!Number.isInteger(level) || level < -1 || level > 9) {
        return reject(failed(`level must be an integer from -1 to 9, got ${String(level)}`));
      }
      this.queue.push({ body, level, resolve, reject });
      // Bodies requested in the same turn of the event loop go out together.
      if (!this.dispatchScheduled) {
        this.dispatchScheduled = true;
        queueMicrotask(this.dispatch);
      }
    });
  }

  /** Workers started so far (each a thread): how often one had to be started or replaced. */
  get started(): number {
    return this.startedSoFar;
  }

  /** Batches handed to workers so far. */
  get batches(): number {
    return this.nextBatchId;
  }

  /** Hands the waiting bodies to the free workers (starting workers up to `size`), shared out evenly. */
  private readonly dispatch = (): void => {
    this.dispatchScheduled = false;
    for (;;) {
      const waiting = this.queue.length - this.queueHead;
      if (waiting === 0) return;
      let free = 0;
      let target: DeflateWorker | undefined;
      for (const slot of this.workers) {
        if (slot.batch !== null) continue;
        free++;
        target ??= slot;
      }
      const startable = this.size - this.workers.length;
      if (free + startable === 0) return;
      const share = Math.ceil(waiting / (free + startable));
      if (target === undefined) {
        try {
          target = this.start();
        } catch (error) {
          // No worker can be started: everything waiting fails rather than waits for ever.
          return this.failWaiting(error);
        }
      }
      const batch = this.takeBatch(share);
      try {
        this.run(target, batch);
      } catch (error) {
        // E.g. no memory for a body's shared buffer: that batch fails, the worker stays free for the next.
        target.batch = null;
        for (const job of batch) job.reject(failed(error instanceof Error ? error.message : String(error), error));
      }
    }
  };

  /** Up to `share` waiting bodies (at least one), within the batch limits. */
  private takeBatch(share: number): DeflateJob[] {
    const limit = Math.min(MAX_BATCH_BODIES, Math.max(1, share));
    const batch: DeflateJob[] = [];
    let bytes = 0;
    while (batch.length < limit && this.queueHead < this.queue.length) {
      const job = this.queue[this.queueHead]!;
      if (batch.length > 0 && bytes + job.body.byteLength > MAX_BATCH_BYTES) break;
      this.queue[this.queueHead++] = undefined;
      batch.push(job);
      bytes += job.body.byteLength;
    }
    if (this.queueHead === this.queue.length) {
      this.queue.length = 0;
      this.queueHead = 0;
    } else if (this.queueHead >= 1024 && this.queueHead * 2 >= this.queue.length) {
      // A queue that never quite empties (a steady backlog) would otherwise only grow.
      this.queue = this.queue.slice(this.queueHead);
      this.queueHead = 0;
    }
    return batch;
  }

  private run(slot: DeflateWorker, batch: DeflateJob[]): void {
    let total = 0;
    let bound = 0;
    for (const job of batch) {
      total += job.body.byteLength;
      bound += deflateBound(job.body.byteLength);
    }
    const message: { id: number; lengths: number[]; levels: number[]; input?: SharedArrayBuffer; output?: SharedArrayBuffer } = {
      id: this.nextBatchId++,
      lengths: new Array<number>(batch.length),
      levels: new Array<number>(batch.length),
    };
    // The shared buffers grow (to what the batch needs, at least doubling) and never shrink.
    if (slot.input.byteLength < total) {
      slot.input = sharedBytes(Math.max(total, slot.input.byteLength * 2));
      message.input = slot.input.buffer as SharedArrayBuffer;
    }
    if (slot.output.byteLength < bound) {
      slot.output = sharedBytes(Math.max(bound, slot.output.byteLength * 2));
      message.output = slot.output.buffer as SharedArrayBuffer;
    }
    let offset = 0;
    for (let i = 0; i < batch.length; i++) {
      const job = batch[i]!;
      slot.input.set(job.body, offset);
      offset += job.body.byteLength;
      message.lengths[i] = job.body.byteLength;
      message.levels[i] = job.level;
    }
    slot.batch = batch;
    slot.batchId = message.id;
    // Referenced while it has work, so that a pending compression keeps its send alive as any I/O would.
    slot.worker.ref();
    slot.worker.postMessage(message);
  }

  private start(): DeflateWorker {
    const worker = new Worker(this.workerSource, {
      eval: true,
      // Plain CommonJS on node's own modules: none of the process's flags or loaders (a TypeScript loader, a
      // profiler) is needed, and starting without them is faster.
      execArgv: [],
      resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
    });
    worker.unref();
    this.startedSoFar++;
    // Empty until the first batch: it sends the buffers it needs.
    const slot: DeflateWorker = { worker, batch: null, batchId: -1, input: sharedBytes(0), output: sharedBytes(0) };
    this.workers.push(slot);
    worker.on('message', (result: BatchResult) => this.finished(slot, result));
    const fail = (cause: unknown): void => this.lost(slot, cause);
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`the deflate worker exited with code ${code}`)));
    return slot;
  }

  private finished(slot: DeflateWorker, result: BatchResult): void {
    const batch = slot.batch;
    if (batch === null || result.id !== slot.batchId) return;
    slot.batch = null;
    slot.worker.unref();
    const shared = slot.output;
    // The worker keeps a let-go buffer until the next batch brings it smaller ones.
    if (slot.input.byteLength > MAX_KEPT_BUFFER_BYTES) slot.input = sharedBytes(0);
    if (slot.output.byteLength > MAX_KEPT_BUFFER_BYTES) slot.output = sharedBytes(0);
    let total = 0;
    for (const size of result.sizes) if (size > 0) total += size;
    // Copied out of the shared buffer (the next batch overwrites it): one buffer for the batch, a view per body.
    const outputs = Buffer.allocUnsafeSlow(total);
    outputs.set(shared.subarray(0, total));
    let at = 0;
    let nextError = 0;
    for (let i = 0; i < batch.length; i++) {
      const size = result.sizes[i]!;
      if (size < 0) {
        batch[i]!.reject(failed(result.errors[nextError++] ?? 'unknown error'));
        continue;
      }
      batch[i]!.resolve(outputs.subarray(at, at + size));
      at += size;
    }
    // What queued up meanwhile goes out now, in one batch.
    this.dispatch();
  }

  /** A worker died: its batch fails, and what waits goes to the others (or a new one). */
  private lost(slot: DeflateWorker, cause: unknown): void {
    const index = this.workers.indexOf(slot);
    if (index < 0) return;
    this.workers.splice(index, 1);
    const batch = slot.batch;
    slot.batch = null;
    void slot.worker.terminate();
    const why = cause instanceof Error ? cause.message : String(cause);
    for (const job of batch ?? []) job.reject(failed(why, cause));
    this.dispatch();
  }

  private failWaiting(cause: unknown): void {
    const why = cause instanceof Error ? cause.message : String(cause);
    while (this.queueHead < this.queue.length) {
      const job = this.queue[this.queueHead++]!;
      job.reject(failed(why, cause));
    }
    this.queue.length = 0;
    this.queueHead = 0;
  }
}

function sharedBytes(length: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(length));
}

function failed(why: string, cause?: unknown): MQClientError {
  return new MQClientError(`zlib compression failed: ${why}`, -1, { code: MessageErrorCode.COMPRESS_FAILED, cause });
}

let pool: DeflateWorkerPool | undefined;

/**
 * Deflates `body` at `level` off the event loop, on the process's deflate workers.
 * @param body - the bytes (only read)
 * @param level - zlib level −1…9
 * @returns the zlib stream, byte-identical to `deflateSync(body, { level })`
 * @internal
 */
export function deflateOffLoop(body: Uint8Array, level: number): Promise<Buffer> {
  pool ??= new DeflateWorkerPool();
  return pool.deflate(body, level);
}
