/**
 * ZSTD compression on worker threads. Bodies that async sends compress go to a small pool of workers (started on
 * first use, `unref`ed so they never keep the process alive), each with its own instance of the codec. The caller's body is copied to the worker, never
 * transferred, so the caller's message is untouched.
 * @internal
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { MQClientError } from '../errors.js';
import { MessageErrorCode } from './error-codes.js';

/** The worker: loads the codec from the path it is given and answers `{ id, out }` or `{ id, error }`. */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const codec = require(workerData.codecPath);
parentPort.on('message', ({ id, body, level }) => {
  codec.isLoaded.then(() => {
    const out = codec.compress(body, level);
    parentPort.postMessage({ id, out });
  }).catch((error) => parentPort.postMessage({ id, error: String(error && error.message || error) }));
});
`;

interface Pending {
  resolve(bytes: Buffer): void;
  reject(error: unknown): void;
}

interface PoolWorker {
  readonly worker: Worker;
  readonly pending: Map<number, Pending>;
}

/** A pool of ZSTD workers for the codec module at `codecPath`. @internal */
export class ZstdWorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 0;
  private nextWorker = 0;

  /**
   * @param codecPath - resolved path of the ZSTD package's entry
   * @param size - workers to run
   */
  constructor(
    private readonly codecPath: string,
    private readonly size: number = Math.max(1, Math.min(2, availableParallelism() - 1)),
  ) {}

  /**
   * Compresses `body` at `level` on a worker.
   * @param body - the bytes (copied to the worker)
   * @param level - zstd level
   * @returns the zstd frame
   */
  compress(body: Uint8Array, level: number): Promise<Buffer> {
    const slot = this.pick();
    const id = this.nextId++;
    return new Promise<Buffer>((resolve, reject) => {
      slot.pending.set(id, { resolve, reject });
      // Referenced while it has work, so that a pending compression keeps its send alive as any I/O would.
      if (slot.pending.size === 1) slot.worker.ref();
      slot.worker.postMessage({ id, body, level });
    });
  }

  private pick(): PoolWorker {
    if (this.workers.length < this.size) {
      const slot = this.spawn();
      this.workers.push(slot);
      return slot;
    }
    const slot = this.workers[this.nextWorker++ % this.workers.length]!;
    return slot;
  }

  private spawn(): PoolWorker {
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { codecPath: this.codecPath } });
    worker.unref();
    const slot: PoolWorker = { worker, pending: new Map() };
    worker.on('message', (message: { id: number; out?: Uint8Array; error?: string }) => {
      const waiting = slot.pending.get(message.id);
      if (waiting === undefined) return;
      slot.pending.delete(message.id);
      if (slot.pending.size === 0) worker.unref();
      if (message.out !== undefined) waiting.resolve(Buffer.from(message.out.buffer, message.out.byteOffset, message.out.byteLength));
      else waiting.reject(failed(message.error ?? 'unknown error'));
    });
    const fail = (cause: unknown): void => {
      // A dead worker fails what it had; the next compression starts a new one.
      const index = this.workers.indexOf(slot);
      if (index !== -1) this.workers.splice(index, 1);
      for (const waiting of slot.pending.values()) waiting.reject(failed(String(cause)));
      slot.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(`worker exited with code ${code}`));
    return slot;
  }
}

function failed(why: string): MQClientError {
  return new MQClientError(`ZSTD compression failed: ${why}`, -1, { code: MessageErrorCode.COMPRESS_FAILED });
}
