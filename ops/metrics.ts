/**
 * Prometheus text exposition of a node's tree, through prom-client: per actor
 * mailbox depth, high-water mark and capacity, messages in (accepted) and out
 * (processed), failures, restarts, drops; processing time and time in the mailbox
 * as histograms of the runtime's sampled messages; each supervisor's restart budget
 * left; node readiness and dependencies; dead-lettered records by reason; each
 * consumer group member's committed offset, high watermark and lag per partition; and every
 * numeric figure an actor reports in its `info` as `troupe_actor_stat`. Labels are
 * the node, the actor's path and (for stats) a key the actor chose: bounded by the
 * tree, never per message.
 */
import { Counter, Gauge, Registry } from "prom-client";
import type { ActorSnapshot, DependencyState } from "../system/mod.ts";
import { HISTOGRAM_BOUNDS, type HistogramData, walkSnapshot } from "../system/observe.ts";
import { TreeHistogram } from "./tree_histogram.ts";
import { isHistogram } from "./_histograms.ts";

/** One partition of a consumer group member, as its `info.offsets` lists it. */
type PartitionOffsets = { topic: string; partition: number; committed: string | null; high: string; lag: number };

/** What the metrics are made from. */
export interface MetricsInput {
  /** The node's id (a label of every metric). */
  nodeId: string;
  /** Whether the node is ready. */
  ready: boolean;
  /** The actor tree, from the root. */
  tree: ActorSnapshot;
  /** Each dependency's state, by name. */
  dependencies: Record<string, DependencyState>;
}

/** Renders the Prometheus text format. */
export function renderMetrics(input: MetricsInput): Promise<string> {
  const registry = new Registry();
  const labelNames = ["node", "actor"] as const;
  const gauge = (name: string, help: string) => new Gauge({ name, help, labelNames, registers: [registry] });
  const counter = (name: string, help: string, extra: string[] = []) =>
    new Counter({ name, help, labelNames: [...labelNames, ...extra], registers: [registry] });
  const ready = new Gauge({
    name: "troupe_node_ready",
    help: "1 when the node is ready.",
    labelNames: ["node"],
    registers: [registry],
  });
  const deps = new Gauge({
    name: "troupe_dependency_up",
    help: "1 when the dependency is connected.",
    labelNames: ["node", "dependency"],
    registers: [registry],
  });
  const up = gauge("troupe_actor_up", "1 when the actor is running.");
  const depth = gauge("troupe_mailbox_depth", "Messages queued in the actor's mailbox.");
  const highWater = gauge("troupe_mailbox_high_water", "The deepest the actor's mailbox has been.");
  const capacity = gauge("troupe_mailbox_capacity", "Capacity of the actor's mailbox.");
  const waiting = gauge("troupe_mailbox_waiting_senders", "Senders blocked on a full mailbox.");
  const accepted = counter("troupe_mailbox_accepted_total", "Messages accepted into the mailbox (messages in).");
  const processed = counter("troupe_actor_processed_total", "Messages handled without error (messages out).");
  const failures = counter("troupe_actor_failures_total", "Failures of the actor or supervisor.");
  const restarts = counter("troupe_actor_restarts_total", "Restarts of the actor or supervisor.");
  const dropped = counter("troupe_mailbox_dropped_total", "Messages dropped (lossy overflow or cleared on restart).");
  const rejected = counter("troupe_mailbox_rejected_total", "Messages refused by a full reject-policy mailbox.");
  const budget = gauge("troupe_supervisor_budget_left", "Restarts a supervisor may still make in its window.");
  const deadLettered = counter("troupe_deadletter_total", "Records sent to the dead-letter topic, by reason.", [
    "reason",
  ]);
  const groupLabels = ["node", "group", "topic", "partition"] as const;
  const groupGauge = (name: string, help: string) =>
    new Gauge({ name, help, labelNames: groupLabels, registers: [registry] });
  const lag = groupGauge(
    "troupe_kafka_consumer_lag",
    "Records of a partition its group has not committed: high watermark - committed offset (kafka-consumer-groups' LAG), per partition of this member.",
  );
  const committedOffset = groupGauge(
    "troupe_kafka_committed_offset",
    "The group's committed offset of a partition of this member (kafka-consumer-groups' CURRENT-OFFSET).",
  );
  const highWatermark = groupGauge(
    "troupe_kafka_high_watermark",
    "A partition's high watermark (kafka-consumer-groups' LOG-END-OFFSET), per partition of this member.",
  );
  const stat = new Gauge({
    name: "troupe_actor_stat",
    help: "A figure an actor reports about itself (see GET /actors, info).",
    labelNames: ["node", "actor", "stat", "key"],
    registers: [registry],
  });
  const processing = new TreeHistogram(
    "troupe_actor_processing_seconds",
    "Handling time of sampled messages (about one turn in 64).",
  );
  const wait = new TreeHistogram(
    "troupe_mailbox_wait_seconds",
    "Time sampled messages spent in the mailbox (about one in 128).",
  );
  const infoSeconds = new TreeHistogram(
    "troupe_actor_info_seconds",
    "Durations an actor reports in its info (write, queue and compute times), by stat.",
  );
  processing.registerIn(registry);
  wait.registerIn(registry);
  infoSeconds.registerIn(registry);

  ready.set({ node: input.nodeId }, input.ready ? 1 : 0);
  for (const [name, d] of Object.entries(input.dependencies)) {
    deps.set({ node: input.nodeId, dependency: name }, d.ok ? 1 : 0);
  }
  walkSnapshot(input.tree, (n) => {
    const l = { node: input.nodeId, actor: n.path };
    failures.inc(l, n.failures);
    restarts.inc(l, n.restarts);
    up.set(l, n.status === "running" ? 1 : 0);
    if (n.supervision) budget.set(l, n.supervision.budgetLeft);
    for (const [k, v] of Object.entries(n.info ?? {})) {
      if (typeof v === "number" && Number.isFinite(v)) stat.set({ ...l, stat: k }, v);
      else if (isHistogram(v)) infoSeconds.add({ ...l, stat: k }, v);
      // Maps of counts (a batch-size histogram, failures by reason) become one sample per key.
      else if (v && typeof v === "object" && !Array.isArray(v)) {
        for (const [key, c] of Object.entries(v)) {
          if (typeof c === "number" && Number.isFinite(c)) stat.set({ ...l, stat: k, key }, c);
        }
      }
    }
    const group = n.info?.["groupId"];
    const offsets = n.info?.["offsets"];
    if (typeof group === "string" && Array.isArray(offsets)) {
      for (const o of offsets as PartitionOffsets[]) {
        const g = { node: input.nodeId, group, topic: o.topic, partition: String(o.partition) };
        lag.set(g, o.lag);
        highWatermark.set(g, Number(o.high));
        if (o.committed !== null) committedOffset.set(g, Number(o.committed));
      }
    }
    const dl = n.info?.["deadLettered"];
    if (dl && typeof dl === "object") {
      for (const [reason, v] of Object.entries(dl)) if (typeof v === "number") deadLettered.inc({ ...l, reason }, v);
    }
    if (n.kind !== "actor" || !n.mailbox) return;
    depth.set(l, n.mailbox.depth);
    highWater.set(l, n.mailbox.highWater);
    capacity.set(l, n.mailbox.capacity);
    waiting.set(l, n.mailbox.waitingSenders);
    accepted.inc(l, n.mailbox.accepted);
    processed.inc(l, n.processed);
    dropped.inc(l, n.mailbox.dropped);
    rejected.inc(l, n.mailbox.rejected);
    processing.add(l, n.processing ?? EMPTY);
    wait.add(l, n.mailbox.wait ?? EMPTY);
  });
  return registry.metrics();
}

const EMPTY: HistogramData = { counts: new Array(HISTOGRAM_BOUNDS.length + 1).fill(0), sum: 0, count: 0 };
