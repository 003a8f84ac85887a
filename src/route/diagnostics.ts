/**
 * Diagnostics channel of the route cache (`node:diagnostics_channel`); payloads are built only when subscribed.
 */
import diagnosticsChannel from 'node:diagnostics_channel';

/** Payload of `rocketmq:route:refresh`: a topic's route was fetched from the name servers (or the fetch failed). */
export interface RouteRefreshEvent {
  /** The topic as sent (namespace applied). */
  readonly topic: string;
  /** Broker names with send queues, sorted. */
  readonly brokers: readonly string[];
  /** Send (writable master) queues. */
  readonly queues: number;
  /** Whether the brokers or queues differ from the route cached before (always true for a first look-up). */
  readonly changed: boolean;
  /** Served from the template topic's route (`createTopicKey`): the topic does not exist yet. */
  readonly fromDefaultTopic: boolean;
  /** A periodic refresh's error (the cached route stays in use), else `null`. */
  readonly error: unknown;
}

/** `rocketmq:route:refresh` ({@link RouteRefreshEvent}). */
export const routeRefreshChannel = diagnosticsChannel.channel('rocketmq:route:refresh');
