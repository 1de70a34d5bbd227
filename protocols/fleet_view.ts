/**
 * The answer of `GET /fleet` (served by every node's ops endpoint, read by the fleet
 * page, `npm run fleet -- status` and anyone's scripts): every node the nodes topic
 * knows, the skew among them, the pipeline's flow and consumer groups as the brokers
 * report them, the throughput of the last quarter of an hour, and the alerts.
 */

/** A node's state: `live` while its heartbeats come, `lost` after three of its intervals without one, `left` after a graceful stop. */
export type FleetNodeState = "live" | "lost" | "left";

/** One node. */
export interface FleetNode {
  /** The node's id (`NODE_ID`; unique in the fleet). */
  nodeId: string;
  /** Whether its heartbeats still come. */
  state: FleetNodeState;
  /** The roles it runs (`simulator`, `broker`, `db`, `inference`). */
  roles: string[];
  /** The host name it runs on. */
  host: string;
  /** Where its ops endpoint answers; null when it has none. */
  opsUrl: string | null;
  /** troupe's version on the node. */
  version: string;
  /** The commit troupe was built from ("unknown" outside git). */
  commit: string;
  /** When the node started (ISO time). */
  startedAt: string;
  /** Seconds since it started (live nodes), else null. */
  uptimeS: number | null;
  /** Seconds since its last heartbeat (or its tombstone). */
  lastSeenS: number;
  /** How often it sends a heartbeat, in milliseconds. */
  intervalMs: number;
  /** Whether the node is ready (its `GET /readyz`). */
  ready: boolean;
  /** What it waits for before it is ready, in its own words. */
  waitingFor: string[];
  /** Settings that members of one group must share (topics, schema, group ids, model and its hash). */
  fingerprint: Record<string, string | number>;
  /** Counters, rates (`...PerS`), `poolQueue`, `restarts5m`. */
  figures: Record<string, number>;
  /** The last error it logged, else null. */
  lastError: string | null;
  /** Fingerprint keys (or `version`) on which this node differs from the rest. */
  skew: string[];
}

/** Live nodes disagreeing on one setting. */
export interface FleetSkew {
  /** `version`: troupe versions differ; `config`: a fingerprint key differs. */
  kind: "version" | "config";
  /** The fingerprint key (or `version`) that differs. */
  key: string;
  /** `fleet`, `pipeline`, or `group <id>`. */
  scope: string;
  /** Each value seen and the nodes that have it. */
  values: { value: string; nodes: string[] }[];
}

/** A consumer group's status in Burrow's terms. */
export type FleetGroupStatus = "OK" | "WARN" | "STALL" | "STOP";

/** One consumer group of the pipeline. */
export interface FleetGroup {
  /** The consumer group's id. */
  groupId: string;
  /** `db` or `inference`: the role whose nodes are its members. */
  role: string;
  /** The topics the group consumes. */
  topics: string[];
  /** Live nodes of the role in this group. */
  members: string[];
  /** The group's status (Burrow's rules over its partitions' offsets). */
  status: FleetGroupStatus;
  /** Why it has that status, for people. */
  reason: string;
  /** Records behind, summed over partitions (null before offsets were read). */
  lag: number | null;
  /** Per partition: committed offset, log end, lag, status. */
  partitions: {
    topic: string;
    partition: number;
    committed: number | null;
    high: number;
    lag: number;
    status: Exclude<FleetGroupStatus, "STOP">;
  }[];
}

/** One edge of the pipeline's flow with its rate (records/s; null before two samples). */
export interface FleetEdge {
  /** Where the records come from: `cameras`, a topic, or a consumer group. */
  from: string;
  /** Where they go: a topic, or the consumer group that reads them. */
  to: string;
  /** Records per second along the edge (null before two samples). */
  ratePerS: number | null;
}

/** Quantiles of a latency, in milliseconds, over the rows written in the window. */
export interface FleetLatency {
  /** Median, in milliseconds. */
  p50Ms: number;
  /** 95th percentile, in milliseconds. */
  p95Ms: number;
  /** 99th percentile, in milliseconds. */
  p99Ms: number;
  /** Rows measured. */
  count: number;
}

/** One point of the throughput chart: records/s over the interval ending at `at`. */
export interface FleetThroughputPoint {
  /** The end of the interval (ISO time). */
  at: string;
  /** Records written to the images topic per second (its log end's rate; null: no sample). */
  imagesWritten: number | null;
  /** Image records the db group committed per second, i.e. stored in PostgreSQL (null: no sample). */
  imagesStored: number | null;
  /** Records written to the inferences topic per second (null: no sample). */
  inferencesWritten: number | null;
  /** Inference records the db group committed per second (null: no sample). */
  inferencesStored: number | null;
}

/** Something an operator should look at. */
export interface FleetAlert {
  /** `critical`: part of the pipeline stopped, stalls or has no node; `warning`: a node was lost, or skew. */
  severity: "critical" | "warning";
  /** What the alert is about: a lost node, a stopped or stalled group, a role no live node runs, or skew. */
  kind: "node_lost" | "group_stop" | "group_stall" | "role_missing" | "skew";
  /** The alert in words, naming the node, group or setting. */
  message: string;
}

/** One hop of an image's trace, as the fleet heard it (or not). */
export interface FleetTraceHop {
  /** The hop's name (one of `HOPS`: `captured`, `encoded`, `produced`, `stored`, `consumed`, `inferred`, ...). */
  hop: string;
  /** False: no node reported this hop (not there yet, lost, or the report was dropped). */
  reported: boolean;
  /** The node that reported the hop (null when none did). */
  node: string | null;
  /** That node's roles. */
  roles: string[];
  /** When the hop happened (ISO time; null when not reported). */
  at: string | null;
  /** Milliseconds since the capture, and since the hop this one follows (`consumed` and `stored` both follow `produced`). */
  sinceCaptureMs: number | null;
  /** Milliseconds since the hop this one follows (null when either was not reported). */
  sincePreviousMs: number | null;
  /** Reports of this hop beyond the first (a replay after a restart). */
  repeats: number;
}

/** `GET /fleet/traces/:id`: one image across the fleet. */
export interface FleetTrace {
  /** The trace id (32 hex digits, W3C trace context). */
  traceId: string;
  /** Whether the trace is in the sample the nodes report: some node reported it, or it is in this node's `TRACE_SAMPLE`. */
  sampled: boolean;
  /** The pipeline's hops in order, reported or not. */
  hops: FleetTraceHop[];
  /** Hops no node reported. */
  missing: string[];
}

/** `GET /fleet`. */
export interface FleetView {
  /** When the view was made. */
  at: string;
  /** The nodes topic it was read from. */
  topic: string;
  /** Since when this node has been reading offsets (the chart starts there). */
  watchingSince: string;
  /** Every node the nodes topic knows, live, lost or left. */
  nodes: FleetNode[];
  /** Settings on which live nodes disagree. */
  skew: FleetSkew[];
  /** The pipeline's consumer groups. */
  groups: FleetGroup[];
  /** The pipeline's flow, edge by edge. */
  flow: FleetEdge[];
  /** Throughput over the last quarter of an hour, oldest first. */
  throughput: FleetThroughputPoint[];
  /** End to end over the last minute, from the live db nodes' heartbeats (null: no row written). */
  latency: { windowS: number; captureToImageRow: FleetLatency | null; captureToInferenceRow: FleetLatency | null };
  /** What an operator should look at. */
  alerts: FleetAlert[];
  /** Records of the nodes topic that were not heartbeats. */
  refused: number;
}
