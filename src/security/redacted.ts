/**
 * A holder that keeps a secret out of everything that prints: `util.inspect` / `console.log`, `JSON.stringify`,
 * string conversion and object spreads all show only a description.
 */
import { inspect } from 'node:util';

/**
 * A value kept out of printouts. The value lives in a private field; only {@link Redacted.reveal} returns it.
 *
 * @example
 * ```ts
 * const secret = new Redacted('s3cr3t', 'password');
 * console.log({ secret }); // { secret: [Redacted: password] }
 * secret.reveal(); // 's3cr3t'
 * ```
 */
export class Redacted<T> {
  readonly #value: T;
  readonly #description: string;

  /**
   * @param value - the secret
   * @param description - what printouts show instead (must itself hold nothing secret)
   */
  constructor(value: T, description: string) {
    this.#value = value;
    this.#description = description;
  }

  /** @returns the secret value. */
  reveal(): T {
    return this.#value;
  }

  /** @returns the description (what `JSON.stringify` writes). */
  toJSON(): string {
    return `[Redacted: ${this.#description}]`;
  }

  /** @returns the description. */
  toString(): string {
    return this.toJSON();
  }

  /** What `util.inspect` / `console.log` show. @internal */
  [inspect.custom](): string {
    return this.toJSON();
  }
}
