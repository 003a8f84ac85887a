/**
 * The shape of one benchmark row and of a whole run, as written to `bench/results/*.json`.
 */
import type { LatencySummary } from './stats.js';

/** Who sent: the raw-frame ceiling, this library, or the peer library. */
export type ClientName = 'raw frames' | 'RemotingClient' | 'rocketmq-rx' | 'ali-ons';

/** One measured scenario × body size. */
export interface BenchRow {
  /** `ceiling`, `invoke$`, `sync`, `async`, `oneway`, `publish`, `publish batched`, `sendAsync + ACL`. */
  scenario: string;
  client: ClientName;
  bodyBytes: number;
  /** Most requests in flight at once (1 for sync). */
  inFlight: number;
  /** Messages measured (after warm-up). */
  messages: number;
  /** Messages that failed (should be 0). */
  errors: number;
  seconds: number;
  opsPerSec: number;
  /** Application bytes (uncompressed body) per second, MiB/s. */
  mbPerSec: number;
  /** Per-message latency in ms; `null` where there is no per-message completion (oneway). */
  latency: LatencySummary | null;
  /** Client process CPU (user + system) per message, µs. */
  cpuMicrosPerMsg: number;
  /** Broker process CPU per message over the same phase, µs (`null` where `/proc` is not readable). */
  brokerCpuMicrosPerMsg: number | null;
  /** Highest RSS sampled during the measured phase, MiB. */
  peakRssMiB: number;
  /** `opsPerSec` / the ceiling row's for the same body size. */
  ratioToCeiling: number | null;
  /** rocketmq-rx `opsPerSec` / the ali-ons row's of the same scenario and size (rocketmq-rx rows only). */
  ratioToPeer: number | null;
  /** Rounds measured; the row is the one with the median `opsPerSec`. */
  rounds: number;
  /** `(max − min) / median` of `opsPerSec` over the rounds (0 for one round). */
  spread: number;
  /** Every round's msgs/s and client CPU µs/msg, in the order measured. */
  allRounds: { opsPerSec: number; cpuMicrosPerMsg: number }[];
  /** Anything the reader should know about this row. */
  note?: string;
}

/** A target of issue 6, measured. */
export interface TargetResult {
  target: string;
  measured: string;
  /** `null` when the run did not include what the target needs. */
  met: boolean | null;
}

/** A whole run. */
export interface BenchReport {
  startedAt: string;
  machine: { nproc: number; cpu: string; node: string; platform: string };
  options: { quick: boolean; inFlight: number; sizes: number[]; scale: number; repeat: number };
  /** 1-minute load average at the start and at the end: other work on the machine shows up here. */
  loadAverage: { start: number; end: number };
  rows: BenchRow[];
  targets: TargetResult[];
  notes: string[];
  /** RSS (after a full GC) at checkpoints of one long publish stream, MiB (full runs with publish only). */
  rss?: { messages: number; rssMiB: number; heapUsedMiB: number }[];
}
