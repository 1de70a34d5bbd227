/**
 * The fleet for Prometheus: `GET /fleet/targets` in Prometheus's HTTP service
 * discovery format (every live node's metrics endpoint, labelled node, role and
 * version; its mount point kept in `__metrics_path__`), and `GET /fleet/metrics`, the
 * fleet's own gauges (node states, group status and lag, skew, live nodes per role,
 * topic write rates, end-to-end latency) that the sample alert rules (ops/prometheus/troupe_alerts.yml)
 * read. Pure: from a {@link FleetView}.
 */
import { Gauge, Registry } from "prom-client";
import type { FleetView } from "../protocols/fleet_view.ts";

/** One target group of Prometheus's HTTP SD format. */
export interface SdTargetGroup {
  /** `host:port` of each target. */
  targets: string[];
  /**
   * Labels of the group's targets: `node`, `role`, `version`, `host`, and `__scheme__` and `__metrics_path__` from the
   * ops URL.
   */
  labels: Record<string, string>;
}

/** Every live node with an ops URL, one target group each. */
export function prometheusTargets(view: FleetView): SdTargetGroup[] {
  return view.nodes.flatMap((n) => {
    if (n.state !== "live" || n.opsUrl === null) return [];
    const url = new URL(n.opsUrl);
    const mount = url.pathname.replace(/\/+$/, "");
    return [{
      targets: [url.host],
      labels: {
        __scheme__: url.protocol.replace(/:$/, ""),
        __metrics_path__: `${mount}/metrics`,
        node: n.nodeId,
        role: n.roles.join(","),
        version: n.version,
        host: n.host,
      },
    }];
  });
}

/** The fleet's gauges in Prometheus's text format. */
export function renderFleetMetrics(view: FleetView): Promise<string> {
  const registry = new Registry();
  const gauge = (name: string, help: string, labelNames: string[]) =>
    new Gauge({ name, help, labelNames, registers: [registry] });
  const nodeState = gauge("troupe_fleet_node_state", "1 for each node's state (live, lost, left).", [
    "node",
    "role",
    "state",
  ]);
  for (const n of view.nodes) {
    for (const state of ["live", "lost", "left"]) {
      nodeState.set({ node: n.nodeId, role: n.roles.join(","), state }, n.state === state ? 1 : 0);
    }
  }
  const roleLive = gauge("troupe_fleet_role_live_nodes", "Live nodes of each role the fleet has seen.", ["role"]);
  for (const role of new Set(view.nodes.flatMap((n) => n.roles))) {
    roleLive.set({ role }, view.nodes.filter((n) => n.state === "live" && n.roles.includes(role)).length);
  }
  const status = gauge("troupe_fleet_group_status", "1 for each consumer group's status (OK, WARN, STALL, STOP).", [
    "group",
    "status",
  ]);
  const lag = gauge("troupe_fleet_group_lag", "Records the group has still to read, summed over partitions.", [
    "group",
  ]);
  const members = gauge("troupe_fleet_group_members", "Live nodes in the group.", ["group"]);
  for (const g of view.groups) {
    for (const s of ["OK", "WARN", "STALL", "STOP"]) {
      status.set({ group: g.groupId, status: s }, g.status === s ? 1 : 0);
    }
    if (g.lag !== null) lag.set({ group: g.groupId }, g.lag);
    members.set({ group: g.groupId }, g.members.length);
  }
  const skew = gauge("troupe_fleet_skew_values", "Distinct values live nodes have for a setting they must share.", [
    "key",
    "scope",
  ]);
  for (const s of view.skew) skew.set({ key: s.key, scope: s.scope }, s.values.length);
  const rate = gauge("troupe_fleet_edge_rate", "Records per second on each edge of the pipeline's flow.", [
    "from",
    "to",
  ]);
  for (const e of view.flow) if (e.ratePerS !== null) rate.set({ from: e.from, to: e.to }, e.ratePerS);
  const latency = gauge(
    "troupe_fleet_latency_ms",
    "End-to-end latency over the last minute, capture to row, by quantile (0.5, 0.95, 0.99).",
    ["path", "quantile"],
  );
  for (
    const [path, l] of [
      ["capture_to_image_row", view.latency.captureToImageRow],
      ["capture_to_inference_row", view.latency.captureToInferenceRow],
    ] as const
  ) {
    if (!l) continue;
    latency.set({ path, quantile: "0.5" }, l.p50Ms);
    latency.set({ path, quantile: "0.95" }, l.p95Ms);
    latency.set({ path, quantile: "0.99" }, l.p99Ms);
  }
  const alerts = gauge("troupe_fleet_alerts", "Alerts on the fleet page now, by kind and severity.", [
    "kind",
    "severity",
  ]);
  for (const a of view.alerts) alerts.inc({ kind: a.kind, severity: a.severity });
  return registry.metrics();
}
