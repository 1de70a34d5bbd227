/**
 * `GET /fleet` assembled: the roster's nodes, their skew, the pipeline's groups
 * (members from the roster, lag and status from the offsets history), the flow's
 * rates, the throughput chart and the alerts. Pure: given the roster's entries, the
 * samples and the time.
 */
import type {
  FleetAlert,
  FleetEdge,
  FleetGroup,
  FleetLatency,
  FleetNode,
  FleetThroughputPoint,
  FleetView,
} from "../../protocols/fleet_view.ts";
import { judgeGroup, type JudgeOptions } from "./group_status.ts";
import { latencyQuantileMs, mergeHistograms } from "../../protocols/capture_latency.ts";
import {
  committedSum,
  groupRate,
  groupSamplesOf,
  type OffsetsSample,
  topicRate,
  type WatchedGroup,
} from "./offsets_history.ts";
import type { RosterEntry } from "./roster.ts";
import { findSkew, skewOf } from "./skew.ts";

/** The pipeline as the viewing node is configured (what it watches even when no node reports it). */
export interface PipelineNames {
  topicImages: string;
  topicInferences: string;
  dbGroup: string;
  inferenceGroup: string;
}

/** What a view is made of (`pipeline`: the viewer's own settings, see {@link pipelineOf}). */
export interface FleetViewInput {
  topic: string;
  entries: readonly RosterEntry[];
  samples: readonly OffsetsSample[];
  pipeline: PipelineNames;
  nowMs: number;
  watchingSinceMs: number;
  refused: number;
  judge?: JudgeOptions;
}

const GROUP_ROLES = [
  { role: "db", groupKey: "dbGroup", topicKeys: ["topicImages", "topicInferences"] },
  { role: "inference", groupKey: "inferenceGroup", topicKeys: ["topicImages"] },
] as const;

function groupKeyOf(role: string): "dbGroup" | "inferenceGroup" {
  return role === "db" ? "dbGroup" : "inferenceGroup";
}

function hasRole(e: RosterEntry, role: string): boolean {
  return e.heartbeat.roles.includes(role) || e.heartbeat.roles.includes("all");
}

/**
 * The pipeline the fleet runs: the topics and groups most live pipeline nodes report (the newest reports when none is
 * live), else the viewer's own settings. A viewer that runs no pipeline role (a broker node, say) so shows the
 * fleet's flow, not its own defaults.
 */
export function pipelineOf(entries: readonly RosterEntry[], own: PipelineNames): PipelineNames {
  const pipelineNodes = entries.filter((e) =>
    e.heartbeat.roles.some((r) => ["simulator", "db", "inference", "all"].includes(r))
  );
  const live = pipelineNodes.filter((e) => e.state === "live");
  const pool = live.length > 0 ? live : [...pipelineNodes].sort((a, b) => b.seenAtMs - a.seenAtMs).slice(0, 1);
  const votes = new Map<string, { names: PipelineNames; n: number }>();
  for (const e of pool) {
    const f = e.heartbeat.fingerprint;
    const names = {
      topicImages: String(f["topicImages"] ?? own.topicImages),
      topicInferences: String(f["topicInferences"] ?? own.topicInferences),
      dbGroup: String(f["dbGroup"] ?? own.dbGroup),
      inferenceGroup: String(f["inferenceGroup"] ?? own.inferenceGroup),
    };
    const key = JSON.stringify(names);
    votes.set(key, { names, n: (votes.get(key)?.n ?? 0) + 1 });
  }
  let best: { names: PipelineNames; n: number } | null = null;
  for (const v of votes.values()) if (best === null || v.n > best.n) best = v;
  return best?.names ?? own;
}

/** The groups and topics to read offsets of: the viewer's own (unless null), and every group a node of the roster reported. */
export function watchedOf(
  entries: readonly RosterEntry[],
  pipeline: PipelineNames | null,
): { topics: string[]; groups: (WatchedGroup & { role: string })[] } {
  const groups = new Map<string, { role: string; topics: Set<string> }>();
  const add = (groupId: string, role: string, topics: string[]) => {
    const g = groups.get(groupId) ?? { role, topics: new Set<string>() };
    for (const t of topics) g.topics.add(t);
    groups.set(groupId, g);
  };
  if (pipeline) {
    add(pipeline.dbGroup, "db", [pipeline.topicImages, pipeline.topicInferences]);
    add(pipeline.inferenceGroup, "inference", [pipeline.topicImages]);
  }
  for (const e of entries) {
    for (const g of GROUP_ROLES) {
      const id = e.heartbeat.fingerprint[g.groupKey];
      if (!hasRole(e, g.role) || typeof id !== "string") continue;
      add(
        id,
        g.role,
        g.topicKeys.flatMap((k) => {
          const t = e.heartbeat.fingerprint[k];
          return typeof t === "string" ? [t] : [];
        }),
      );
    }
  }
  return {
    topics: pipeline ? [pipeline.topicImages, pipeline.topicInferences] : [],
    groups: [...groups].map(([groupId, g]) => ({ groupId, role: g.role, topics: [...g.topics] })),
  };
}

/** The view at `nowMs`. */
export function fleetView(input: FleetViewInput): FleetView {
  const { entries, samples, nowMs } = input;
  const pipeline = pipelineOf(entries, input.pipeline);
  const skew = findSkew(entries);
  // Live nodes first, then lost, then left: what runs now before what ran.
  const order = { live: 0, lost: 1, left: 2 } as const;
  const nodes: FleetNode[] = entries.map((e) => node(e, nowMs, skewOf(e.nodeId, skew)))
    .sort((a, b) => order[a.state] - order[b.state] || a.nodeId.localeCompare(b.nodeId));
  // A group is shown once a node reported it or it committed: the viewer's own names alone are no evidence of one.
  const reported = new Set(watchedOf(entries, null).groups.map((g) => g.groupId));
  const committed = (groupId: string) => samples.at(-1)?.groups[groupId]?.some((p) => p.committed !== null) ?? false;
  const shown = watchedOf(entries, pipeline).groups.filter((g) => reported.has(g.groupId) || committed(g.groupId));
  const groups: FleetGroup[] = shown.map((g) => {
    const members = entries.filter((e) =>
      e.state === "live" && hasRole(e, g.role) &&
      e.heartbeat.fingerprint[groupKeyOf(g.role)] === g.groupId
    ).map((e) => e.nodeId);
    return { ...g, members, ...judgeGroup(groupSamplesOf(samples, g.groupId), members.length, nowMs, input.judge) };
  });
  const { topicImages: images, topicInferences: inferences, dbGroup: db, inferenceGroup: inf } = pipeline;
  const flow: FleetEdge[] = [
    { from: "cameras", to: images, ratePerS: topicRate(samples, images) },
    { from: images, to: db, ratePerS: groupRate(samples, db, images) },
    { from: images, to: inf, ratePerS: groupRate(samples, inf, images) },
    { from: inf, to: inferences, ratePerS: topicRate(samples, inferences) },
    { from: inferences, to: db, ratePerS: groupRate(samples, db, inferences) },
  ];
  return {
    at: new Date(nowMs).toISOString(),
    topic: input.topic,
    watchingSince: new Date(input.watchingSinceMs).toISOString(),
    nodes,
    skew,
    groups,
    flow,
    throughput: throughput(samples, pipeline),
    latency: {
      windowS: 60,
      captureToImageRow: latencyOf(entries, "captureToImageRow"),
      captureToInferenceRow: latencyOf(entries, "captureToInferenceRow"),
    },
    alerts: alerts(entries, nodes, groups, skew, topicRate(samples, images)),
    refused: input.refused,
  };
}

function node(e: RosterEntry, nowMs: number, skew: string[]): FleetNode {
  const h = e.heartbeat;
  return {
    nodeId: e.nodeId,
    state: e.state,
    roles: h.roles,
    host: h.host,
    opsUrl: h.opsUrl,
    version: h.version,
    commit: h.commit,
    startedAt: h.startedAt,
    uptimeS: e.state === "live" ? Math.max(0, Math.round((nowMs - Date.parse(h.startedAt)) / 1000)) : null,
    lastSeenS: Math.max(0, Math.round((nowMs - e.seenAtMs) / 100) / 10),
    intervalMs: h.intervalMs,
    ready: h.ready,
    waitingFor: h.waitingFor,
    fingerprint: h.fingerprint,
    figures: h.figures,
    lastError: h.lastError,
    skew,
  };
}

/** A latency's quantiles over the live nodes' last minute (their histograms added). */
function latencyOf(entries: readonly RosterEntry[], name: string): FleetLatency | null {
  const parts = entries.flatMap((e) => {
    const h = e.state === "live" ? e.heartbeat.histograms?.[name] : undefined;
    return h ? [h] : [];
  });
  const merged = mergeHistograms(parts);
  if (merged.count <= 0) return null;
  return {
    p50Ms: latencyQuantileMs(merged, 0.5)!,
    p95Ms: latencyQuantileMs(merged, 0.95)!,
    p99Ms: latencyQuantileMs(merged, 0.99)!,
    count: merged.count,
  };
}

function throughput(samples: readonly OffsetsSample[], p: PipelineNames): FleetThroughputPoint[] {
  const out: FleetThroughputPoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!;
    const b = samples[i]!;
    const s = (b.atMs - a.atMs) / 1000;
    const rate = (v: (x: OffsetsSample) => number | undefined) => {
      const va = v(a);
      const vb = v(b);
      return va === undefined || vb === undefined || s <= 0 ? null : Math.round(Math.max(0, vb - va) / s * 10) / 10;
    };
    out.push({
      at: new Date(b.atMs).toISOString(),
      imagesWritten: rate((x) => x.topicEnds[p.topicImages]),
      imagesStored: rate((x) => committedSum(x, p.dbGroup, p.topicImages)),
      inferencesWritten: rate((x) => x.topicEnds[p.topicInferences]),
      inferencesStored: rate((x) => committedSum(x, p.dbGroup, p.topicInferences)),
    });
  }
  return out;
}

function alerts(
  entries: readonly RosterEntry[],
  nodes: FleetNode[],
  groups: FleetGroup[],
  skew: FleetView["skew"],
  imagesRate: number | null,
): FleetAlert[] {
  const out: FleetAlert[] = [];
  for (const n of nodes) {
    if (n.state !== "lost") continue;
    out.push({
      severity: "warning",
      kind: "node_lost",
      message: `node ${n.nodeId} (${n.roles.join(", ")}) on ${n.host} lost: no heartbeat for ${
        Math.round(n.lastSeenS)
      } s`,
    });
  }
  for (const g of groups) {
    // A group whose every member left gracefully with nothing left to read was stopped on purpose: no alert.
    const members = entries.filter((e) =>
      hasRole(e, g.role) && e.heartbeat.fingerprint[groupKeyOf(g.role)] === g.groupId
    );
    const retired = g.status === "STOP" && (g.lag ?? 0) === 0 && members.length > 0 &&
      members.every((e) => e.state === "left");
    if ((g.status === "STOP" && !retired) || g.status === "STALL") {
      out.push({
        severity: "critical",
        kind: g.status === "STOP" ? "group_stop" : "group_stall",
        message: `group ${g.groupId} ${g.status}: ${g.reason}`,
      });
    }
  }
  for (const role of ["db", "inference"]) {
    const known = entries.some((e) => hasRole(e, role));
    const live = entries.some((e) => e.state === "live" && hasRole(e, role));
    if (known && !live && (imagesRate ?? 0) > 0) {
      out.push({
        severity: "critical",
        kind: "role_missing",
        message: `no live ${role} node while the images topic grows (${imagesRate} records/s)`,
      });
    }
  }
  for (const s of skew) {
    const values = s.values.map((v) => `${v.value} on ${v.nodes.join(", ")}`).join("; ");
    out.push({ severity: "warning", kind: "skew", message: `${s.key} differs (${s.scope}): ${values}` });
  }
  return out;
}
