/**
 * Socket-address helpers shared by the message-id and stored-message codecs: `ip:port` ⇄ raw bytes.
 * @internal
 */
import { isIPv4, isIPv6 } from 'node:net';
import { MQClientError } from '../errors.js';
import { MessageErrorCode } from './error-codes.js';

/** A parsed `ip:port`: 4 (IPv4) or 16 (IPv6) address bytes and the port. @internal */
export interface SocketAddressBytes {
  ip: Buffer;
  port: number;
}

function invalidAddress(address: string, why: string): MQClientError {
  return new MQClientError(`Invalid socket address "${address}": ${why}; expected "ip:port" or "[ipv6]:port".`, -1, {
    code: MessageErrorCode.INVALID_ADDRESS,
  });
}

/**
 * Splits `ip:port` (IPv4), `[v6]:port` or `v6:port` at the last colon and returns the address bytes.
 * @internal
 */
export function parseSocketAddress(address: string): SocketAddressBytes {
  const colon = address.lastIndexOf(':');
  if (colon <= 0) throw invalidAddress(address, 'no port');
  let host = address.slice(0, colon);
  const portText = address.slice(colon + 1);
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port > 65535) throw invalidAddress(address, 'bad port');
  if (host.startsWith('[') && host.endsWith(']')) host = host.slice(1, -1);
  return { ip: parseIp(host, address), port };
}

/** Address bytes of a literal IPv4 or IPv6 address. @internal */
export function parseIp(host: string, context = host): Buffer {
  if (isIPv4(host)) return Buffer.from(host.split('.').map(Number));
  if (isIPv6(host)) return parseIPv6(host);
  throw invalidAddress(context, `"${host}" is not a literal IPv4 or IPv6 address`);
}

function parseIPv6(host: string): Buffer {
  const out = Buffer.alloc(16);
  const zone = host.indexOf('%');
  if (zone >= 0) host = host.slice(0, zone);
  let groups: string[];
  const dbl = host.indexOf('::');
  const expand = (part: string): string[] => {
    if (part === '') return [];
    const items = part.split(':');
    const last = items[items.length - 1]!;
    if (last.includes('.')) {
      const v4 = last.split('.').map(Number);
      items.splice(items.length - 1, 1, ((v4[0]! << 8) | v4[1]!).toString(16), ((v4[2]! << 8) | v4[3]!).toString(16));
    }
    return items;
  };
  if (dbl >= 0) {
    const head = expand(host.slice(0, dbl));
    const tail = expand(host.slice(dbl + 2));
    groups = [...head, ...new Array<string>(8 - head.length - tail.length).fill('0'), ...tail];
  } else {
    groups = expand(host);
  }
  for (let i = 0; i < 8; i++) out.writeUInt16BE(parseInt(groups[i] ?? '0', 16), i * 2);
  return out;
}

/** Text form of 4 or 16 address bytes (IPv6 compressed as RFC 5952). @internal */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.${bytes[3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((bytes[i]! << 8) | bytes[i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}

/** `ip:port`, with IPv6 in brackets. @internal */
export function formatSocketAddress(ip: Uint8Array, port: number): string {
  return ip.length === 4 ? `${formatIp(ip)}:${port}` : `[${formatIp(ip)}]:${port}`;
}
