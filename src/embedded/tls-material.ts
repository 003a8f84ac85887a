/**
 * TLS of the embedded servers: the caller's key and certificate, or (`tls: true`) a fresh self-signed certificate for
 * `127.0.0.1` / `localhost`, generated at start with the optional `selfsigned` package.
 * @internal
 */
import { InvalidOptionError } from '../errors.js';

/** A server key and certificate (PEM) for {@link EmbeddedClusterOptions.tls}. */
export interface EmbeddedTlsCertificate {
  /** Private key, PEM. */
  readonly key: string;
  /** Certificate (chain), PEM. */
  readonly cert: string;
  /** The CA clients should trust, PEM. @defaultValue `cert` (self-signed) */
  readonly ca?: string;
}

/** `true` (generate a self-signed certificate at start) or a key and certificate. */
export type EmbeddedTlsOption = boolean | EmbeddedTlsCertificate;

/** The key, certificate and CA a TLS cluster serves with. */
export interface EmbeddedTlsMaterial {
  readonly key: string;
  readonly cert: string;
  /** PEM of the CA that signed `cert` (the certificate itself when self-signed): give it to clients as `tls.ca`. */
  readonly ca: string;
}

interface SelfsignedModule {
  generate(
    attrs: { name: string; value: string }[],
    options: Record<string, unknown>,
  ): Promise<{ private: string; cert: string }>;
}

/** One day: the certificate lives as long as a test or dev session, not longer. */
const VALIDITY_MILLIS = 24 * 60 * 60 * 1000;

/**
 * A fresh self-signed EC P-256 certificate for `127.0.0.1`, `::1` and `localhost`, valid for a day.
 * @throws Error naming the package when `selfsigned` is not installed
 */
export async function generateSelfSignedCertificate(): Promise<EmbeddedTlsMaterial> {
  let selfsigned: SelfsignedModule;
  try {
    const loaded = (await import('selfsigned')) as unknown as SelfsignedModule & { default?: SelfsignedModule };
    selfsigned = typeof loaded.generate === 'function' ? loaded : loaded.default!;
  } catch (cause) {
    throw new Error('EmbeddedCluster tls: true needs the optional package "selfsigned" (npm install selfsigned), or pass { key, cert }', {
      cause,
    });
  }
  const now = Date.now();
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'rocketmq-rx embedded cluster' }], {
    keyType: 'ec',
    curve: 'P-256',
    algorithm: 'sha256',
    notBeforeDate: new Date(now - 60_000),
    notAfterDate: new Date(now + VALIDITY_MILLIS),
    extensions: [
      { name: 'basicConstraints', cA: true },
      { name: 'keyUsage', digitalSignature: true, keyCertSign: true },
      { name: 'extKeyUsage', serverAuth: true, clientAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  return { key: pems.private, cert: pems.cert, ca: pems.cert };
}

/**
 * The material of a `tls` option: `null` for none, generated for `true`, checked for `{ key, cert }`.
 * @throws InvalidOptionError `tls` for anything else
 */
export async function resolveEmbeddedTls(option: EmbeddedTlsOption | undefined): Promise<EmbeddedTlsMaterial | null> {
  if (option === undefined || option === false) return null;
  if (option === true) return generateSelfSignedCertificate();
  if (typeof option !== 'object' || option === null || typeof option.key !== 'string' || typeof option.cert !== 'string') {
    throw new InvalidOptionError('tls', 'expected true or { key, cert, ca? } (PEM strings)');
  }
  return { key: option.key, cert: option.cert, ca: option.ca ?? option.cert };
}
