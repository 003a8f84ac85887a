/**
 * What the request calls of a {@link RemotingClient} need from it: one connection with its correlation table, and
 * the client services the calls use.
 *
 * @internal
 */
import type { RemotingError } from '../errors.js';
import type { Connection } from './connection.js';
import { InflightTable } from './inflight.js';
import type { RemotingCommand, SerializeTypeValue } from './remoting-command.js';

/** One connection of the client plus its correlation table. */
export class ClientChannel {
  readonly table = new InflightTable();
  /** Set when the connection has closed: what requests still arriving for this channel fail with. */
  closedWith: RemotingError | null = null;
  /** The `version` of the last response on this connection (`-1` before any): the client's map is written on a change only. */
  peerVersion = -1;
  constructor(
    readonly address: string,
    readonly connection: Connection,
  ) {}
}

/** The services of the client that calls use. @internal */
export interface CallHost {
  /** The header serialization every request is sent with, or `null` to send each as it was created. */
  readonly requestSerializeType: SerializeTypeValue | null;
  /** The channel for `addr`, opened if needed; `null` once the client is closed. */
  channelFor(addr: string): ClientChannel | null;
  /** The error requests fail with once the client is closed. */
  closedError(addr: string): RemotingError;
  /** Runs the before-hooks; returns the first thrown error, or `null`. */
  runBeforeHooks(addr: string, request: RemotingCommand): Error | null;
  /** Runs the after-hooks; returns the first thrown error, or `null`. */
  runAfterHooks(addr: string, request: RemotingCommand, response: RemotingCommand): Error | null;
}

/** An empty buffer, the head of a call not encoded yet. @internal */
export const EMPTY_HEAD = Buffer.alloc(0);
