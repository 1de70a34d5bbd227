// The fleet for Prometheus (ops/fleet_targets.ts): HTTP SD target groups for live nodes only, the ops endpoint's mount
// point and scheme kept; the fleet's gauges in the text format.
import t from "tap";
import { prometheusTargets, renderFleetMetrics } from "../../ops/fleet_targets.ts";
import type { FleetNode, FleetView } from "../../protocols/mod.ts";

const node = (nodeId: string, state: FleetNode["state"], opsUrl: string | null): FleetNode => ({
  nodeId,
  state,
  roles: ["db", "inference"],
  host: "h",
  opsUrl,
  version: "0.1.0",
  commit: "abc",
  startedAt: "2026-12-07T12:00:00.000Z",
  uptimeS: 1,
  lastSeenS: 0,
  intervalMs: 2000,
  ready: true,
  waitingFor: [],
  fingerprint: {},
  figures: {},
  lastError: null,
  skew: [],
});
const view: FleetView = {
  at: "2026-12-07T12:00:00.000Z",
  topic: "troupe.nodes",
  watchingSince: "2026-12-07T12:00:00.000Z",
  nodes: [
    node("a", "live", "https://198.18.0.2:7070/ops/"),
    node("b", "lost", "http://198.18.0.3:7070"),
    node("c", "live", null),
  ],
  skew: [{ kind: "config", key: "schema", scope: "group db", values: [{ value: "x", nodes: ["a"] }] }],
  groups: [{
    groupId: "db",
    role: "db",
    topics: ["images"],
    members: [],
    status: "STOP",
    reason: "no live member",
    lag: 12,
    partitions: [],
  }],
  flow: [{ from: "cameras", to: "images", ratePerS: 3.5 }, { from: "images", to: "db", ratePerS: null }],
  throughput: [],
  latency: {
    windowS: 60,
    captureToImageRow: { p50Ms: 40, p95Ms: 90, p99Ms: 120, count: 300 },
    captureToInferenceRow: null,
  },
  alerts: [{ severity: "critical", kind: "group_stop", message: "m" }],
  refused: 0,
};

t.test("live nodes with an ops URL, their mount point and scheme kept", async (t) => {
  t.same(prometheusTargets(view), [{
    targets: ["198.18.0.2:7070"],
    labels: {
      __scheme__: "https",
      __metrics_path__: "/ops/metrics",
      node: "a",
      role: "db,inference",
      version: "0.1.0",
      host: "h",
    },
  }]);
});

t.test("the fleet's gauges", async (t) => {
  const text = await renderFleetMetrics(view);
  for (
    const line of [
      'troupe_fleet_node_state{node="a",role="db,inference",state="live"} 1',
      'troupe_fleet_node_state{node="b",role="db,inference",state="lost"} 1',
      'troupe_fleet_node_state{node="b",role="db,inference",state="live"} 0',
      'troupe_fleet_role_live_nodes{role="db"} 2',
      'troupe_fleet_group_status{group="db",status="STOP"} 1',
      'troupe_fleet_group_status{group="db",status="OK"} 0',
      'troupe_fleet_group_lag{group="db"} 12',
      'troupe_fleet_group_members{group="db"} 0',
      'troupe_fleet_skew_values{key="schema",scope="group db"} 1',
      'troupe_fleet_edge_rate{from="cameras",to="images"} 3.5',
      'troupe_fleet_alerts{kind="group_stop",severity="critical"} 1',
      'troupe_fleet_latency_ms{path="capture_to_image_row",quantile="0.95"} 90',
    ]
  ) t.ok(text.includes(`${line}\n`), line);
  t.notOk(text.includes('to="db"}'), "an edge with no rate yet has no sample");
});
