/**
 * Credentials of ACL-enabled clusters (ACL 1.0 `AccessKey`/`SecretKey`, ACL 2.0 username/password) and the provider
 * that keeps the current ones: fixed, or from a function that is called again in the background (rotating STS keys).
 */
import { InvalidOptionError, MQClientError } from '../errors.js';
import { Redacted } from './redacted.js';

/** One set of credentials, as the Java `SessionCredentials`. */
export interface Credentials {
  /** The AccessKey (ACL 2.0: the username); sent in every request. */
  readonly accessKey: string;
  /** The SecretKey (ACL 2.0: the password); never sent, only used to sign. */
  readonly secretKey: string;
  /** An STS security token, sent as `SecurityToken` when set. @defaultValue none */
  readonly securityToken?: string | null;
}

/**
 * Fixed credentials, or a function returning the current ones (called at `start()` and then in the background at
 * most every `credentialsRefreshInterval` ms; never on the send path).
 */
export type CredentialsSource = Credentials | (() => Credentials | Promise<Credentials>);

/** Checks one set of credentials; returns the problem (naming no secret), or `null`. */
function credentialsProblem(value: unknown): string | null {
  if (typeof value !== 'object' || value === null) return 'expected { accessKey, secretKey, securityToken? }';
  const { accessKey, secretKey, securityToken } = value as Record<string, unknown>;
  if (typeof accessKey !== 'string' || accessKey === '') return 'accessKey must be a non-empty string';
  if (typeof secretKey !== 'string' || secretKey === '') return 'secretKey must be a non-empty string';
  if (securityToken !== undefined && securityToken !== null && typeof securityToken !== 'string') {
    return 'securityToken must be a string when set';
  }
  return null;
}

/** Freezes a copy: later changes to the caller's object do not change what is signed with. */
function frozen(value: Credentials): Credentials {
  const token = value.securityToken;
  return Object.freeze({
    accessKey: value.accessKey,
    secretKey: value.secretKey,
    ...(token === undefined || token === null || token === '' ? {} : { securityToken: token }),
  });
}

/**
 * Validates the `credentials` option and wraps it so that it never prints.
 * @param value - fixed credentials or a function
 * @returns the wrapped source
 * @throws InvalidOptionError `credentials` when fixed credentials are incomplete
 * @internal
 */
export function resolveCredentialsOption(value: unknown): Redacted<CredentialsSource> {
  if (typeof value === 'function') return new Redacted(value as CredentialsSource, 'credentials function');
  const problem = credentialsProblem(value);
  if (problem !== null) throw new InvalidOptionError('credentials', problem);
  const credentials = frozen(value as Credentials);
  return new Redacted<CredentialsSource>(credentials, `accessKey=${credentials.accessKey}`);
}

/** Options of a {@link CredentialsProvider}. @internal */
export interface CredentialsProviderOptions {
  /** Least time between two calls of a credentials function, ms. */
  readonly refreshIntervalMillis: number;
  /** Told about every failed background refresh (the last good credentials stay in use). */
  readonly onRefreshError: (error: MQClientError) => void;
}

/**
 * Keeps the current credentials. A function source is called by {@link start} and then every
 * `refreshIntervalMillis` on an unref'd timer; a refresh that throws, rejects or returns something invalid keeps the
 * last good credentials and is reported to `onRefreshError`.
 * @internal
 */
export class CredentialsProvider {
  readonly #source: CredentialsSource;
  readonly #options: CredentialsProviderOptions;
  #current: Credentials | null = null;
  #timer: NodeJS.Timeout | null = null;
  #refreshing = false;

  constructor(source: Redacted<CredentialsSource>, options: CredentialsProviderOptions) {
    const raw = source.reveal();
    this.#source = raw;
    this.#options = options;
    if (typeof raw !== 'function') this.#current = raw;
  }

  /** Whether the source is a function (refreshed in the background). */
  get rotating(): boolean {
    return typeof this.#source === 'function';
  }

  /**
   * Loads the first credentials (calls the function once) and starts the background refresh.
   * @throws MQClientError `RMQ_ERR_CREDENTIALS` when the function fails or returns invalid credentials
   */
  async start(): Promise<void> {
    if (typeof this.#source !== 'function') return;
    this.#current = await this.load();
    if (this.#timer === null) {
      this.#timer = setInterval(() => void this.refresh(), this.#options.refreshIntervalMillis);
      this.#timer.unref();
    }
  }

  /** Stops the background refresh. */
  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /**
   * The credentials to sign with now.
   * @throws MQClientError `RMQ_ERR_CREDENTIALS` before {@link start} loaded any
   */
  current(): Credentials {
    const current = this.#current;
    if (current === null) throw new MQClientError('No credentials loaded yet: start the producer first', -1, { code: 'RMQ_ERR_CREDENTIALS' });
    return current;
  }

  /**
   * Calls the function again now (what the timer does). A failure keeps the last good credentials.
   * @returns whether new credentials were loaded
   */
  async refresh(): Promise<boolean> {
    if (typeof this.#source !== 'function' || this.#refreshing) return false;
    this.#refreshing = true;
    try {
      this.#current = await this.load();
      return true;
    } catch (error) {
      this.#options.onRefreshError(error as MQClientError);
      return false;
    } finally {
      this.#refreshing = false;
    }
  }

  private async load(): Promise<Credentials> {
    const source = this.#source as () => Credentials | Promise<Credentials>;
    let value: unknown;
    try {
      value = await source();
    } catch (cause) {
      throw new MQClientError('The credentials function failed', -1, { code: 'RMQ_ERR_CREDENTIALS', cause });
    }
    const problem = credentialsProblem(value);
    if (problem !== null) throw new MQClientError(`The credentials function returned invalid credentials: ${problem}`, -1, { code: 'RMQ_ERR_CREDENTIALS' });
    return frozen(value as Credentials);
  }
}
