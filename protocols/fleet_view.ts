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
  nodeId: string;
  state: FleetNodeState;
  roles: string[];
  host: string;
  opsUrl: string | null;
  version: string;
  commit: string;
  startedAt: string;
  /** Seconds since it started (live nodes), else null. */
  uptimeS: number | null;
  /** Seconds since its last heartbeat (or its tombstone). */
  lastSeenS: number;
  intervalMs: number;
  ready: boolean;
  waitingFor: string[];
  fingerprint: Record<string, string | number>;
  /** Counters, rates (`...PerS`), `poolQueue`, `restarts5m`. */
  figures: Record<string, number>;
  lastError: string | null;
  /** Fingerprint keys (or `version`) on which this node differs from the rest. */
  skew: string[];
}

/** Live nodes disagreeing on one setting. */
export interface FleetSkew {
  kind: "version" | "config";
  key: string;
  /** `fleet`, `pipeline`, or `group <id>`. */
  scope: string;
  values: { value: string; nodes: string[] }[];
}

/** A consumer group's status in Burrow's terms. */
export type FleetGroupStatus = "OK" | "WARN" | "STALL" | "STOP";

/** One consumer group of the pipeline. */
export interface FleetGroup {
  groupId: string;
  /** `db` or `inference`: the role whose nodes are its members. */
  role: string;
  topics: string[];
  /** Live nodes of the role in this group. */
  members: string[];
  status: FleetGroupStatus;
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
  from: string;
  to: string;
  ratePerS: number | null;
}

/** Quantiles of a latency, in milliseconds, over the rows written in the window. */
export interface FleetLatency {
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  /** Rows measured. */
  count: number;
}

/** One point of the throughput chart: records/s over the interval ending at `at`. */
export interface FleetThroughputPoint {
  at: string;
  imagesWritten: number | null;
  imagesStored: number | null;
  inferencesWritten: number | null;
  inferencesStored: number | null;
}

/** Something an operator should look at. */
export interface FleetAlert {
  severity: "critical" | "warning";
  kind: "node_lost" | "group_stop" | "group_stall" | "role_missing" | "skew";
  message: string;
}

/** One hop of an image's trace, as the fleet heard it (or not). */
export interface FleetTraceHop {
  hop: string;
  /** False: no node reported this hop (not there yet, lost, or the report was dropped). */
  reported: boolean;
  node: string | null;
  roles: string[];
  at: string | null;
  /** Milliseconds since the capture, and since the hop this one follows (`consumed` and `stored` both follow `produced`). */
  sinceCaptureMs: number | null;
  sincePreviousMs: number | null;
  /** Reports of this hop beyond the first (a replay after a restart). */
  repeats: number;
}

/** `GET /fleet/traces/:id`: one image across the fleet. */
export interface FleetTrace {
  traceId: string;
  /** Whether the trace is in the sample the nodes report: some node reported it, or it is in this node's `TRACE_SAMPLE`. */
  sampled: boolean;
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
  nodes: FleetNode[];
  skew: FleetSkew[];
  groups: FleetGroup[];
  flow: FleetEdge[];
  throughput: FleetThroughputPoint[];
  /** End to end over the last minute, from the live db nodes' heartbeats (null: no row written). */
  latency: { windowS: number; captureToImageRow: FleetLatency | null; captureToInferenceRow: FleetLatency | null };
  alerts: FleetAlert[];
  /** Records of the nodes topic that were not heartbeats. */
  refused: number;
}
