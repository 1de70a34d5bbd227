/** The JSON bodies of the ops endpoint (`ops/server.ts`), for dashboards and scripts. */
import type { ActorSnapshot, DependencyState, SystemStatus } from "../system/mod.ts";

/** `GET /healthz` (503 once the root supervisor gave up). */
export interface HealthResponse {
  /** `failed` once the root supervisor gave up. */
  status: "ok" | "failed";
  /** The node's id. */
  node: string;
}

/** `GET /readyz` (200 when ready, else 503). */
export interface ReadyResponse {
  /** Whether every dependency is up and the system is running. */
  ready: boolean;
  /** The actor system's status. */
  status: SystemStatus;
  /** Each dependency's state, by name. */
  dependencies: Record<string, DependencyState>;
}

/** `GET /actors` and each `tree` event of `GET /events`. */
export interface ActorsResponse {
  /** The node's id. */
  node: string;
  /** Whether the node is ready (as `GET /readyz`). */
  ready: boolean;
  /** The actor system's status. */
  status: SystemStatus;
  /** Whether operator controls and tracing are enabled. */
  control: boolean;
  /** The window the figures were asked over, in seconds. */
  windowSec: number;
  /** The actor tree from the root, with each actor's figures. */
  tree: ObservedSnapshot;
  /** Pipeline figures gathered from the actors that report them. */
  pipeline: PipelinePanel;
}

/** `GET /actors/top`. */
export interface TopResponse {
  /** What the list ranks by. */
  by: TopBy;
  /** The window the figures were asked over, in seconds. */
  windowSec: number;
  /** The actors ranked, highest first. */
  top: TopEntry[];
}

/** Latency over a window, in seconds. */
export interface LatencySummary {
  /** Median. */
  p50: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
  /** Mean. */
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
  /** Time handling a message (sampled), or null before any sample. */
  processing: LatencySummary | null;
  /** Time a message waited in the mailbox (sampled), or null before any sample. */
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
  /** The actor's path. */
  path: string;
  /** The figure ranked by. */
  value: number;
  /** All of the actor's figures. */
  figures: ActorFigures;
}

/** Kafka consumer figures of one group member on this node. */
export interface ConsumerFigures {
  /** The consumer actor's path. */
  actor: string;
  /** The consumer group it is a member of. */
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
  /** Since when the oldest paused partition has been paused (ISO time; null when none is). */
  pausedSince: string | null;
  /** Records sent to the dead-letter topic, by reason. */
  deadLettered: Record<string, number>;
}

/** Database writer figures. */
export interface WriterFigures {
  /** The writer actor's path. */
  actor: string;
  /** Write (one batch) latency, in seconds. */
  writeLatency: LatencySummary | null;
  /** Rows per written batch: `size -> batches`. */
  batchSizes: Record<string, number>;
  /** Rows handed to it and not yet written (null when it does not say). */
  pendingRows: number | null;
}

/** Model pool figures. */
export interface PoolFigures {
  /** The pool actor's path. */
  actor: string;
  /** The model it serves (null before it loaded). */
  model: string | null;
  /** Requests per batch the workers ran: `size -> batches`. */
  batchSizes: Record<string, number>;
  /** Mean requests per batch (null before the first). */
  meanBatch: number | null;
  /** Time a request waited for a worker, in seconds. */
  queueTime: LatencySummary | null;
  /** Time a batch took on a worker, in seconds. */
  computeTime: LatencySummary | null;
}

/** What the page shows beside the tree. */
export interface PipelinePanel {
  /** The Kafka consumers' figures. */
  consumers: ConsumerFigures[];
  /** The database writers' figures. */
  writers: WriterFigures[];
  /** The model pools' figures. */
  pools: PoolFigures[];
}
