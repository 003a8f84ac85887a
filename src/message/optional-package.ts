/**
 * Loads the optional codec packages (LZ4, ZSTD) on first use, so that a producer that never uses them does not need
 * them installed; a missing one is a typed error that names the package to install.
 * @internal
 */
import { createRequire } from 'node:module';
import { MQClientError } from '../errors.js';
import { MessageErrorCode } from './error-codes.js';

/** The optional package behind each codec (peer dependencies of rocketmq-rx, all optional). @internal */
export const OptionalPackage = {
  /** LZ4 block compressor (lz4_flex compiled to WebAssembly). */
  LZ4: 'lz4-wasm-nodejs',
  /** ZSTD compressor (the reference zstd library compiled to WebAssembly). */
  ZSTD_COMPRESS: '@foxglove/wasm-zstd',
  /** ZSTD decompressor (pure JavaScript; decodes frames without a declared content size, as zstd-jni writes them). */
  ZSTD_DECOMPRESS: 'fzstd',
} as const;

/**
 * A codec's optional package is not installed (or failed to load): `code` `RMQ_ERR_UNSUPPORTED_COMPRESSION`, and
 * `packageName` says what to `npm install`.
 */
export class MissingCompressionPackageError extends MQClientError {
  /** The npm package to install, e.g. `'lz4-wasm-nodejs'`. */
  readonly packageName: string;
  /**
   * @param packageName - the package
   * @param message - what went wrong
   * @param cause - the loader's error
   */
  constructor(packageName: string, message: string, cause: unknown) {
    super(message, -1, { code: MessageErrorCode.UNSUPPORTED_COMPRESSION, cause });
    this.packageName = packageName;
  }
}

/** A `require` as Node's. @internal */
export type RequireFunction = (id: string) => unknown;

const requireFromHere = createRequire(import.meta.url);
const loaded = new Map<string, unknown>();

/**
 * The module `name`, loaded once.
 * @param name - the package
 * @param purpose - what it is needed for, for the error message (e.g. `'LZ4 compression'`)
 * @param load - how to load it (tests pass their own)
 * @returns the package's exports
 * @throws MissingCompressionPackageError (`RMQ_ERR_UNSUPPORTED_COMPRESSION`) when it is not installed
 * @internal
 */
export function loadOptionalPackage<T>(name: string, purpose: string, load: RequireFunction = requireFromHere): T {
  return loadOrResolve<T>(name, purpose, load, load === requireFromHere);
}

/**
 * The path of the optional package `name`'s entry, for a worker thread to load it.
 * @param name - the package
 * @param purpose - what it is needed for, for the error message
 * @returns the resolved path
 * @throws MissingCompressionPackageError (`RMQ_ERR_UNSUPPORTED_COMPRESSION`) when it is not installed
 * @internal
 */
export function resolveOptionalPackage(name: string, purpose: string): string {
  return loadOrResolve<string>(name, purpose, (id) => requireFromHere.resolve(id), false);
}

function loadOrResolve<T>(name: string, purpose: string, load: RequireFunction, cache: boolean): T {
  if (cache && loaded.has(name)) return loaded.get(name) as T;
  let module: unknown;
  try {
    module = load(name);
  } catch (cause) {
    const missing = (cause as { code?: unknown } | null)?.code === 'MODULE_NOT_FOUND';
    throw new MissingCompressionPackageError(
      name,
      missing
        ? `${purpose} needs the optional package "${name}", which is not installed: npm install ${name}`
        : `${purpose} needs the optional package "${name}", which failed to load`,
      cause,
    );
  }
  if (cache) loaded.set(name, module);
  return module as T;
}
