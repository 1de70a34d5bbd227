/**
 * Prometheus text exposition (version 0.0.4) of a node: per-actor mailbox depth
 * and capacity, processed messages, failures, restarts, drops; node readiness and
 * dependency states; dead-lettered records by reason; and every numeric figure an
 * actor reports in its `info` (records sent, rows inserted...) as `troupe_actor_stat`.
 */
import type { ActorSnapshot, DependencyState } from "../system/mod.ts";
import { walkSnapshot } from "../system/mod.ts";

/** What the metrics are made from. */
export interface MetricsInput {
  nodeId: string;
  ready: boolean;
  tree: ActorSnapshot;
  dependencies: Record<string, DependencyState>;
}

interface Family {
  name: string;
  type: "gauge" | "counter";
  help: string;
  samples: [labels: Record<string, string>, value: number][];
}

/** Renders the Prometheus text format. */
export function renderMetrics(input: MetricsInput): string {
  const fam = (name: string, type: Family["type"], help: string): Family => ({ name, type, help, samples: [] });
  const depth = fam("troupe_mailbox_depth", "gauge", "Messages queued in the actor's mailbox.");
  const capacity = fam("troupe_mailbox_capacity", "gauge", "Capacity of the actor's mailbox.");
  const waiting = fam("troupe_mailbox_waiting_senders", "gauge", "Senders blocked on a full mailbox.");
  const processed = fam("troupe_actor_processed_total", "counter", "Messages handled without error.");
  const failures = fam("troupe_actor_failures_total", "counter", "Failures of the actor or supervisor.");
  const restarts = fam("troupe_actor_restarts_total", "counter", "Restarts of the actor or supervisor.");
  const dropped = fam(
    "troupe_mailbox_dropped_total",
    "counter",
    "Messages dropped (lossy overflow or cleared on restart).",
  );
  const rejected = fam("troupe_mailbox_rejected_total", "counter", "Messages refused by a full reject-policy mailbox.");
  const up = fam("troupe_actor_up", "gauge", "1 when the actor is running.");
  const stat = fam("troupe_actor_stat", "gauge", "A figure an actor reports about itself (see GET /actors, info).");
  const deadLettered = fam("troupe_deadletter_total", "counter", "Records sent to the dead-letter topic, by reason.");
  walkSnapshot(input.tree, (n) => {
    const l = { node: input.nodeId, actor: n.path };
    failures.samples.push([l, n.failures]);
    restarts.samples.push([l, n.restarts]);
    up.samples.push([l, n.status === "running" ? 1 : 0]);
    for (const [k, v] of Object.entries(n.info ?? {})) {
      if (typeof v === "number" && Number.isFinite(v)) stat.samples.push([{ ...l, stat: k }, v]);
      // Maps of counts (a batch-size histogram, failures by reason) become one sample per key.
      else if (v && typeof v === "object" && !Array.isArray(v)) {
        for (const [key, c] of Object.entries(v)) {
          if (typeof c === "number" && Number.isFinite(c)) stat.samples.push([{ ...l, stat: k, key }, c]);
        }
      }
    }
    const dl = n.info?.["deadLettered"];
    if (dl && typeof dl === "object") {
      for (const [reason, v] of Object.entries(dl)) {
        if (typeof v === "number") deadLettered.samples.push([{ ...l, reason }, v]);
      }
    }
    if (n.kind !== "actor" || !n.mailbox) return;
    depth.samples.push([l, n.mailbox.depth]);
    capacity.samples.push([l, n.mailbox.capacity]);
    waiting.samples.push([l, n.mailbox.waitingSenders]);
    processed.samples.push([l, n.processed]);
    dropped.samples.push([l, n.mailbox.dropped]);
    rejected.samples.push([l, n.mailbox.rejected]);
  });
  const ready = fam("troupe_node_ready", "gauge", "1 when the node is ready.");
  ready.samples.push([{ node: input.nodeId }, input.ready ? 1 : 0]);
  const deps = fam("troupe_dependency_up", "gauge", "1 when the dependency is connected.");
  for (const [name, d] of Object.entries(input.dependencies)) {
    deps.samples.push([{ node: input.nodeId, dependency: name }, d.ok ? 1 : 0]);
  }
  return [
    ready,
    deps,
    up,
    depth,
    capacity,
    waiting,
    processed,
    failures,
    restarts,
    dropped,
    rejected,
    deadLettered,
    stat,
  ].map(renderFamily).join("");
}

function renderFamily(f: Family): string {
  let out = `# HELP ${f.name} ${f.help}\n# TYPE ${f.name} ${f.type}\n`;
  for (const [labels, value] of f.samples) out += `${f.name}{${renderLabels(labels)}} ${value}\n`;
  return out;
}

function renderLabels(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"')}"`)
    .join(",");
}
