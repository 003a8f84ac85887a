/**
 * The send operators, one per file (internal barrel; `send-pipeline.ts` composes them).
 * @internal
 */
export { validate, notRunningError } from './validate.js';
export type { ProducerState, ValidateDeps } from './validate.js';
export { prepareMessage } from './prepare-message.js';
export type { PrepareMessageOptions } from './prepare-message.js';
export { resolveRoute } from './resolve-route.js';
export type { ResolveRouteDeps } from './resolve-route.js';
export { selectQueue } from './select-queue.js';
export type { SelectQueueDeps } from './select-queue.js';
export { compress } from './compress.js';
export type { CompressOptions } from './compress.js';
export { runHooks } from './run-hooks.js';
export type { RunHooksDeps } from './run-hooks.js';
export { encodeRequest } from './encode-request.js';
export type { EncodeRequestOptions } from './encode-request.js';
export { writeWire } from './write-wire.js';
export type { WriteWireDeps } from './write-wire.js';
export { correlate } from './correlate.js';
export { toSendResult } from './to-send-result.js';
export type { ToSendResultDeps } from './to-send-result.js';
export { retrySend, isRetriableSendError } from './retry-send.js';
export type { RetrySendOptions, RetryState } from './retry-send.js';
