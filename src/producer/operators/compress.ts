import type { OperatorFunction, Subscriber } from 'rxjs';
import { from, map } from 'rxjs';
import { COMPRESSED_ZLIB_SYSFLAG, compressBody, compressBodyAsync } from '../../message/compression.js';
import type { CompressedContext, QueuedContext } from '../send-context.js';
import { lightSwitchInto } from './light-step.js';

/** Options of {@link compress}. @internal */
export interface CompressOptions {
  /** Bodies of at least this many bytes are compressed (Java `compressMsgBodyOverHowmuch`). */
  readonly compressMsgBodyOverHowmuch: number;
  /** zlib level. */
  readonly compressLevel: number;
  /** Bodies of at least this many bytes are deflated on the libuv thread pool instead of the event loop. */
  readonly asyncOverBytes?: number;
}

const ASYNC_OVER_BYTES = 256 * 1024;

/**
 * Sets the body that goes on the wire: the zlib deflate of the body (and the COMPRESSED | ZLIB sysFlag bits) when it
 * is at least `compressMsgBodyOverHowmuch` bytes, else the body itself. Computed once per send: a retry finds
 * `wireBody` set and sends the same bytes, so a body is never compressed twice; the caller's message is untouched.
 * @internal
 */
export function compress<C extends QueuedContext>(options: CompressOptions): OperatorFunction<C, C & CompressedContext> {
  const asyncOver = options.asyncOverBytes ?? ASYNC_OVER_BYTES;
  const done = (context: C, wireBody: Buffer, compressed: boolean): C & CompressedContext => {
    context.wireBody = wireBody;
    if (compressed) context.sysFlag |= COMPRESSED_ZLIB_SYSFLAG;
    return context as C & CompressedContext;
  };
  // The usual (synchronous) outcomes go straight downstream: no Observable per attempt.
  const emit = (downstream: Subscriber<C & CompressedContext>, context: C & CompressedContext): void => {
    downstream.next(context);
    downstream.complete();
  };
  return lightSwitchInto<C, C & CompressedContext>((context, downstream) => {
    if (context.wireBody !== null) return emit(downstream, context as C & CompressedContext);
    const body = context.body;
    if (body.length < options.compressMsgBodyOverHowmuch) return emit(downstream, done(context, body, false));
    if (body.length < asyncOver) return emit(downstream, done(context, compressBody(body, options.compressLevel), true));
    from(compressBodyAsync(body, options.compressLevel))
      .pipe(map((bytes) => done(context, bytes, true)))
      .subscribe(downstream);
  });
}
