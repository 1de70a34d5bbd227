/** The JSON bodies of the ops endpoint (`ops/server.ts`), for dashboards and scripts. */
import type { ActorSnapshot, DependencyState, SystemStatus } from "../system/mod.ts";

/** `GET /healthz` (503 once the root supervisor gave up). */
export interface HealthResponse {
  status: "ok" | "failed";
  node: string;
}

/** `GET /readyz` (200 when ready, else 503). */
export interface ReadyResponse {
  ready: boolean;
  status: SystemStatus;
  dependencies: Record<string, DependencyState>;
}

/** `GET /actors` and each `tree` event of `GET /events`. */
export interface ActorsResponse {
  node: string;
  ready: boolean;
  status: SystemStatus;
  /** Whether operator controls and tracing are enabled. */
  control: boolean;
  /** The window the figures were asked over, in seconds. */
  windowSec: number;
  tree: ObservedSnapshot;
  /** Pipeline figures gathered from the actors that report them. */
  pipeline: PipelinePanel;
}

/** `GET /actors/top`. */
export interface TopResponse {
  by: TopBy;
  windowSec: number;
  top: TopEntry[];
}

/** Latency over a window, in seconds. */
export interface LatencySummary {
  p50: number;
  p95: number;
  p99: number;
  mean: number;
  /** Sampled messages the figures come from. */
  samples: number;
  /** `window`: sampled within the window; `all`: none were, so since the actor started. */
  scope: "window" | "all";
}

/** What the observer adds to each node of the tree. */
export interface ActorFigures {
  /** Seconds the window really spans (0 before the second sample). */
  windowSec: number;
  /** Messages accepted into the mailbox per second. */
  inPerSec: number | null;
  /** Messages handled per second. */
  outPerSec: number | null;
  /** Failures within the window. */
  failuresInWindow: number;
  processing: LatencySummary | null;
  mailboxWait: LatencySummary | null;
  /** Deepest sampled mailbox depth within the window. */
  depthMax: number | null;
  /** Mailbox depth at each sample, oldest first. */
  depthHistory: number[];
  /** Estimated share of the window spent handling messages (rate × mean processing time). */
  busy: number | null;
}

/** A node of the tree with its figures. */
export type ObservedSnapshot = Omit<ActorSnapshot, "children"> & {
  figures: ActorFigures;
  children: ObservedSnapshot[];
};

/** What the top-N lists rank by. */
export type TopBy = "depth" | "busy" | "failures" | "rate";

/** One row of a top-N list. */
export interface TopEntry {
  path: string;
  value: number;
  figures: ActorFigures;
}

/** Kafka consumer figures of one group member on this node. */
export interface ConsumerFigures {
  actor: string;
  groupId: string;
  /** Records behind the partition's high watermark, per `topic:partition` (from the last fetch). */
  lag: Record<string, number>;
  /**
   * The group's committed offset, the high watermark and their difference for each of the member's partitions, as
   * `kafka-consumer-groups.sh --describe` reports them (read from the brokers every few seconds).
   */
  offsets: { topic: string; partition: number; committed: string | null; high: string; lag: number }[];
  /** Paused partitions (`topic:partition`) and since when (ISO time, null when none). */
  paused: string[];
  pausedSince: string | null;
  /** Records sent to the dead-letter topic, by reason. */
  deadLettered: Record<string, number>;
}

/** Database writer figures. */
export interface WriterFigures {
  actor: string;
  /** Write (one batch) latency, in seconds. */
  writeLatency: LatencySummary | null;
  /** Rows per written batch: `size -> batches`. */
  batchSizes: Record<string, number>;
  pendingRows: number | null;
}

/** Model pool figures. */
export interface PoolFigures {
  actor: string;
  model: string | null;
  batchSizes: Record<string, number>;
  meanBatch: number | null;
  queueTime: LatencySummary | null;
  computeTime: LatencySummary | null;
}

/** What the page shows beside the tree. */
export interface PipelinePanel {
  consumers: ConsumerFigures[];
  writers: WriterFigures[];
  pools: PoolFigures[];
}
