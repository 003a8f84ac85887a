/**
 * Refuses any TCP connection that is not to loopback, for the whole harness process: the peer library has code paths
 * that look up remote address servers, and a benchmark must never leave the machine.
 */
import { Socket } from 'node:net';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** Patches `net.Socket.prototype.connect` once; a non-loopback host throws synchronously. */
export function installLoopbackGuard(): void {
  const proto = Socket.prototype as unknown as { connect: (...args: unknown[]) => unknown; __loopbackGuard?: true };
  if (proto.__loopbackGuard) return;
  const original = proto.connect;
  proto.connect = function guardedConnect(this: Socket, ...args: unknown[]): unknown {
    // net.connect() passes its normalized arguments as one array `[options, callback]`.
    const first = Array.isArray(args[0]) ? (args[0] as unknown[])[0] : args[0];
    let target: string | null;
    if (typeof first === 'object' && first !== null) {
      const options = first as { host?: string; path?: string };
      target = options.path !== undefined ? null : (options.host ?? 'localhost');
    } else {
      target = typeof args[1] === 'string' ? args[1] : 'localhost';
    }
    if (target !== null && !LOOPBACK.has(target)) throw new Error(`benchmark refused a connection to ${target}: loopback only`);
    return original.apply(this, args);
  };
  proto.__loopbackGuard = true;
}
