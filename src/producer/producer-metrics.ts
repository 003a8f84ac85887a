/** The snapshot `producer.metrics()` returns. */
import type { PermitStats } from '../remoting/remoting-client.js';
import type { RouteAge } from '../route/route-cache.js';
import type { TraceDispatcherStats } from '../trace/async-trace-dispatcher.js';
import type { BrokerLatency } from './broker-latency.js';

/** One broker's fault-tolerance record (see {@link ProducerMetrics}). */
export interface BrokerFaultState {
  /** Broker name. */
  readonly brokerName: string;
  /** Latency of the last attempt to it, ms. */
  readonly currentLatencyMillis: number;
  /** Whether it is avoided right now (a latency/failure penalty is running). */
  readonly available: boolean;
  /** Until when it is avoided, ms since the epoch (in the past when available). */
  readonly notAvailableUntil: number;
  /** `false` after a failure that suggests it cannot be reached. */
  readonly reachable: boolean;
}

/** A snapshot of {@link Producer.metrics}. */
export interface ProducerMetrics {
  /** Sends subscribed and not settled. */
  readonly inflightSends: number;
  /** The client instance's async and oneway permit pools (`null` before start). */
  readonly permits: { readonly async: PermitStats; readonly oneway: PermitStats } | null;
  /** Per-broker attempt latency since start (p50/p99 to within 10 %), attempts and failures. */
  readonly brokers: readonly BrokerLatency[];
  /** The latency-fault-tolerance records (only brokers that were sent to). */
  readonly faults: readonly BrokerFaultState[];
  /** Age of every cached route. */
  readonly routes: readonly RouteAge[];
  /** Message-trace counters, when `enableMsgTrace` is on. */
  readonly trace: TraceDispatcherStats | null;
}
