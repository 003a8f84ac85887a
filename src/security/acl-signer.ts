/**
 * ACL 1.0 request signing, as the Java `AclClientRPCHook` (spec §14.1): `AccessKey` (and `SecurityToken`) join the
 * extFields, then `Signature` = Base64(HMAC-SHA1(secretKey, the values of every extField but `Signature`, ordered by
 * key, then the body bytes)). 5.x brokers with ACL 2.0 authenticate remoting clients with the same fields.
 */
import { createHmac, createSecretKey, type KeyObject } from 'node:crypto';
import type { RPCHook } from '../remoting/remoting-client.js';
import type { RemotingCommand } from '../remoting/remoting-command.js';
import type { Credentials } from './credentials.js';

/** extFields key of the AccessKey. */
export const ACCESS_KEY_FIELD = 'AccessKey';
/** extFields key of the signature. */
export const SIGNATURE_FIELD = 'Signature';
/** extFields key of the STS token. */
export const SECURITY_TOKEN_FIELD = 'SecurityToken';

const CLIENT_EXCLUDED: ReadonlySet<string> = new Set([SIGNATURE_FIELD]);

/**
 * The ACL signature of a request's fields and body. Keys are ordered as a Java `TreeMap` orders them (UTF-16 code
 * units, which is what `Array.prototype.sort` compares); the values are concatenated into one string and the body is
 * fed to the HMAC as it is (no concatenated copy of it).
 *
 * @param extFields - the request's extFields (already holding `AccessKey`)
 * @param body - the request body, or `null`
 * @param secret - the SecretKey, or a key object made from it
 * @param excluded - keys left out of the signed content (the client leaves out `Signature`; a 4.9 broker also
 *   `_UNIQUE_KEY_QUERY`)
 * @returns the standard Base64 signature
 * @example
 * ```ts
 * aclSignature({ AccessKey: 'rocketmq2', topic: 'T' }, Buffer.from('Hello'), '12345678');
 * ```
 */
export function aclSignature(
  extFields: Readonly<Record<string, string | null | undefined>>,
  body: Uint8Array | null,
  secret: string | KeyObject,
  excluded: ReadonlySet<string> = CLIENT_EXCLUDED,
): string {
  const keys = Object.keys(extFields).sort();
  let content = '';
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!;
    const value = extFields[key];
    if (value === undefined || value === null || excluded.has(key)) continue;
    content += value;
  }
  const hmac = createHmac('sha1', secret).update(content, 'utf8');
  if (body !== null && body.length > 0) hmac.update(body);
  return hmac.digest('base64');
}

/** Where the signing hook takes the current credentials from. @internal */
export interface CredentialsSupplier {
  current(): Credentials;
}

/**
 * The RPC hook that signs every request of a remoting client with the supplier's current credentials (Java
 * `AclClientRPCHook`). Install it with `rpcHooks` or `RemotingClient.addRPCHook`; the producer installs it itself when
 * it has `credentials`.
 *
 * @example
 * ```ts
 * const client = new RemotingClient({ rpcHooks: [new AclSigningHook({ current: () => ({ accessKey: 'ak', secretKey: 'sk' }) })] });
 * ```
 */
export class AclSigningHook implements RPCHook {
  readonly #supplier: CredentialsSupplier;
  #keyFor: string | null = null;
  #key: KeyObject | null = null;

  /** @param supplier - gives the credentials to sign with, read at every request */
  constructor(supplier: CredentialsSupplier) {
    this.#supplier = supplier;
  }

  /** Adds `AccessKey`, `SecurityToken` (when set) and `Signature` to the request's extFields. */
  doBeforeRequest(_addr: string, request: RemotingCommand): void {
    const credentials = this.#supplier.current();
    const ext = (request.extFields ??= {});
    ext[ACCESS_KEY_FIELD] = credentials.accessKey;
    const token = credentials.securityToken;
    if (token !== undefined && token !== null) ext[SECURITY_TOKEN_FIELD] = token;
    else if (ext[SECURITY_TOKEN_FIELD] !== undefined) delete ext[SECURITY_TOKEN_FIELD];
    ext[SIGNATURE_FIELD] = aclSignature(ext, request.body, this.keyOf(credentials.secretKey));
  }

  /** Nothing to do after the response. */
  doAfterResponse(): void {}

  /** One key object per secret, kept until the secret changes (rotation). */
  private keyOf(secret: string): KeyObject {
    if (this.#keyFor !== secret || this.#key === null) {
      this.#key = createSecretKey(Buffer.from(secret, 'utf8'));
      this.#keyFor = secret;
    }
    return this.#key;
  }
}
