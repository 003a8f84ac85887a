/**
 * The producer's `tls` option: `true` (verify the server the Node way, system CAs) or `tls.ConnectionOptions`
 * passed through to `tls.connect` (`ca`, `servername`, `cert`/`key`, `rejectUnauthorized`, …).
 */
import type { ConnectionOptions } from 'node:tls';
import { InvalidOptionError } from '../errors.js';
import { Redacted } from './redacted.js';

/**
 * TLS of the connections to NameServers and brokers: `false` (plain TCP), `true` (TLS, the server certificate
 * verified against the system CAs), or Node `tls.ConnectionOptions` (e.g. `{ ca }` for a private CA, `{ cert, key }`
 * for a client certificate, `{ rejectUnauthorized: false }` to trust any certificate, as the Java client's test mode).
 */
export type TlsOption = boolean | ConnectionOptions;

/** Option fields that are secret (shown as `***` in printouts). */
const SECRET_FIELDS: ReadonlySet<string> = new Set(['key', 'passphrase', 'pfx', 'pskCallback']);

/**
 * Validates the `tls` option.
 * @param value - the option as given
 * @param option - its name, for errors
 * @returns `null` for no TLS, else the `tls.connect` options (frozen copy), kept out of printouts
 * @throws InvalidOptionError when it is neither a boolean nor an object
 * @internal
 */
export function resolveTlsOption(value: unknown, option = 'tls'): Redacted<ConnectionOptions> | null {
  if (value === undefined || value === null || value === false) return null;
  if (value === true) return new Redacted<ConnectionOptions>(Object.freeze({}), 'tls: system CAs');
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new InvalidOptionError(option, 'expected true, false or tls.ConnectionOptions ({ ca, servername, cert, key, … })');
  }
  const copy = Object.freeze({ ...(value as ConnectionOptions) });
  const fields = Object.entries(copy).map(([key, field]) => {
    if (SECRET_FIELDS.has(key)) return `${key}=***`;
    // Switches and the server name help when reading a printout; certificates are only named.
    return typeof field === 'boolean' || key === 'servername' ? `${key}=${String(field)}` : key;
  });
  return new Redacted<ConnectionOptions>(copy, `tls: ${fields.length === 0 ? 'system CAs' : fields.join(', ')}`);
}
