import type { OperatorFunction, Subscriber } from 'rxjs';
import { compressBody, compressBodyAsync, compressionSysFlag, compressZstdHere } from '../../message/compression.js';
import type { CompressionType } from '../../message/compression.js';
import type { CompressedContext, QueuedContext } from '../send-context.js';
import { lightSwitchInto } from './light-step.js';

/** Options of {@link compress}. @internal */
export interface CompressOptions {
  /** Bodies of at least this many bytes are compressed (Java `compressMsgBodyOverHowmuch`). */
  readonly compressMsgBodyOverHowmuch: number;
  /** Codec level (zlib −1…9, zstd 1…22; LZ4 has none). */
  readonly compressLevel: number;
  /** Codec (Java `compressType`). */
  readonly compressType?: CompressionType;
}

/**
 * A sync send deflates a body of this size or more on a worker thread after all: deflating it takes milliseconds,
 * during which nothing else (other sends, responses, timers) could run.
 */
const SYNC_MODE_ASYNC_OVER_BYTES = 256 * 1024;

/**
 * Sets the body that goes on the wire: the compressed body (and the COMPRESSED | type sysFlag bits, 0x301 for ZLIB)
 * when it is at least `compressMsgBodyOverHowmuch` bytes, else the body itself. The caller's message is untouched.
 *
 * Where it runs: a sync send compresses on the calling thread, as the Java client does (a sync send waits for its
 * result anyway, and the hand-off would only add CPU and latency), up to {@link SYNC_MODE_ASYNC_OVER_BYTES}; async and
 * oneway sends (and so `publish`) compress on worker threads (ZLIB and ZSTD each on their own), so that a stream of large
 * bodies does not hold up the event loop. LZ4 always runs on the calling thread (its WebAssembly codec costs about
 * what a hand-off does).
 *
 * Exactly once per send: the result is kept in the context (`wireBody`), and while an asynchronous compression is
 * under way its promise is kept too, so a retry (even one started after an attempt timed out during compression)
 * reuses it. An attempt unsubscribed while its body is being compressed emits nothing, so nothing is written.
 * @internal
 */
export function compress<C extends QueuedContext>(options: CompressOptions): OperatorFunction<C, C & CompressedContext> {
  const type = options.compressType ?? 'ZLIB';
  const flag = compressionSysFlag(type);
  const level = options.compressLevel;
  // Compressions under way, by send context (a context lives as long as its send).
  const pending = new WeakMap<C, Promise<Buffer>>();
  const keep = (context: C, wireBody: Buffer, compressed: boolean): void => {
    if (context.wireBody !== null) return;
    context.wireBody = wireBody;
    if (compressed) context.sysFlag |= flag;
  };
  const emit = (downstream: Subscriber<C & CompressedContext>, context: C): void => {
    downstream.next(context as C & CompressedContext);
    downstream.complete();
  };
  // `onCallingThread` only reaches here for ZSTD (its module loads asynchronously); ZLIB and LZ4 ran synchronously.
  const start = (context: C, body: Buffer, onCallingThread: boolean): Promise<Buffer> => {
    const compression = (onCallingThread ? compressZstdHere(body, level) : compressBodyAsync(body, level, type)).then(
      (bytes) => {
        // Kept even if no attempt waits any more, so that a later attempt of this send does not compress again.
        pending.delete(context);
        keep(context, bytes, true);
        return bytes;
      },
      (error: unknown) => {
        pending.delete(context);
        throw error;
      },
    );
    pending.set(context, compression);
    return compression;
  };
  return lightSwitchInto<C, C & CompressedContext>((context, downstream) => {
    if (context.wireBody !== null) return emit(downstream, context);
    const body = context.body;
    if (body.length < options.compressMsgBodyOverHowmuch) {
      keep(context, body, false);
      return emit(downstream, context);
    }
    const onCallingThread = context.mode === 'sync' && body.length < SYNC_MODE_ASYNC_OVER_BYTES;
    if (type === 'LZ4' || (type === 'ZLIB' && onCallingThread)) {
      keep(context, compressBody(body, level, type), true);
      return emit(downstream, context);
    }
    (pending.get(context) ?? start(context, body, onCallingThread)).then(
      () => {
        // An attempt unsubscribed meanwhile (deadline, cancellation) emits nothing: nothing is written for it.
        if (!downstream.closed) emit(downstream, context);
      },
      (error: unknown) => {
        if (!downstream.closed) downstream.error(error);
      },
    );
  });
}
