/**
 * Connects a producer's `logger` option to the diagnostics channels: what the producer, its client instance's
 * connections and its routes report is logged through it (filtered to this producer's instance). Payloads are
 * logged field by field; options, credentials and message bodies never reach the logger.
 * @internal
 */
import diagnosticsChannel from 'node:diagnostics_channel';
import type { Logger } from '../logger.js';
import type { RemotingCloseEvent, RemotingConnectEvent, RemotingTimeoutEvent } from '../remoting/diagnostics.js';
import type { RouteRefreshEvent } from '../route/diagnostics.js';
import type { CallbackErrorEvent, CredentialsErrorEvent, HeartbeatEvent, HookErrorEvent } from './diagnostics.js';

/** What the logger needs to filter events to one producer. @internal */
export interface LoggedProducer {
  readonly id: number;
  /** `clientIP@instanceName` of its instance, once started. */
  readonly clientId: string | null;
  /** Whether the producer's instance has a connection to `addr`. */
  hasConnection(addr: string): boolean;
  /** Whether the producer's instance has `topic` in its route cache. */
  hasRoute(topic: string): boolean;
}

/**
 * Subscribes `logger` to the channels.
 * @returns the unsubscribe function
 * @internal
 */
export function attachLogger(logger: Logger, producer: LoggedProducer): () => void {
  const listeners: [string, (message: unknown) => void][] = [
    [
      'rocketmq:remoting:connect',
      (m) => {
        const e = m as RemotingConnectEvent;
        if (!producer.hasConnection(e.addr)) return;
        if (e.error === null) logger.debug({ addr: e.addr, durationMillis: Math.round(e.durationMillis) }, 'connected');
        else logger.warn({ addr: e.addr, err: e.error }, 'connect failed');
      },
    ],
    [
      'rocketmq:remoting:close',
      (m) => {
        const e = m as RemotingCloseEvent;
        if (!producer.hasConnection(e.addr)) return;
        if (e.error === null) logger.debug({ addr: e.addr }, 'connection closed');
        else logger.warn({ addr: e.addr, err: e.error }, 'connection lost');
      },
    ],
    [
      'rocketmq:remoting:timeout',
      (m) => {
        const e = m as RemotingTimeoutEvent;
        if (!producer.hasConnection(e.addr)) return;
        logger.warn({ addr: e.addr, code: e.code, timeoutMillis: e.timeoutMillis, waitingPermit: e.waitingPermit }, 'request timed out');
      },
    ],
    [
      'rocketmq:route:refresh',
      (m) => {
        const e = m as RouteRefreshEvent;
        if (!producer.hasRoute(e.topic)) return;
        const fields = { topic: e.topic, brokers: e.brokers, queues: e.queues, fromDefaultTopic: e.fromDefaultTopic };
        if (e.error !== null) logger.warn({ ...fields, err: e.error }, 'route refresh failed; keeping the cached route');
        else if (e.changed) logger.info(fields, 'route changed');
        else logger.debug(fields, 'route unchanged');
      },
    ],
    [
      'rocketmq:producer:heartbeat',
      (m) => {
        const e = m as HeartbeatEvent;
        if (e.clientId !== producer.clientId) return;
        if (e.failures.length > 0) {
          logger.warn({ clientId: e.clientId, acknowledged: e.acknowledged, failures: e.failures.map((f) => ({ addr: f.addr, err: f.error })) }, 'heartbeat not acknowledged by every broker');
        } else {
          logger.debug({ clientId: e.clientId, brokers: e.brokers.length }, 'heartbeat');
        }
      },
    ],
    [
      'rocketmq:producer:hookError',
      (m) => {
        const e = m as HookErrorEvent;
        if (e.producerId === producer.id) logger.warn({ hook: e.hook, phase: e.phase, err: e.error }, 'send hook threw; the send went on');
      },
    ],
    [
      'rocketmq:producer:credentialsError',
      (m) => {
        const e = m as CredentialsErrorEvent;
        if (e.producerId === producer.id) logger.warn({ err: e.error }, 'credentials refresh failed; the last good credentials stay in use');
      },
    ],
    [
      'rocketmq:producer:callbackError',
      (m) => {
        const e = m as CallbackErrorEvent;
        if (e.producerId === producer.id) logger.error({ callback: e.callback, err: e.error }, 'sendAsync callback threw');
      },
    ],
  ];
  for (const [name, listener] of listeners) diagnosticsChannel.subscribe(name, listener);
  return () => {
    for (const [name, listener] of listeners) diagnosticsChannel.unsubscribe(name, listener);
  };
}
