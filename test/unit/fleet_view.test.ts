// GET /fleet assembled (actors/fleet/view.ts, skew.ts, offsets_history.ts) from roster entries and offset samples on
// virtual time: skew only among live nodes and only where nodes must agree, each group's members and status, the
// flow's rates from offsets, the throughput chart, and the alerts (lost node, STOP, role missing, skew).
import t from "tap";
import {
  fleetView,
  type OffsetsSample,
  type PipelineNames,
  pipelineOf,
  type RosterEntry,
  topicRate,
  watchedOf,
} from "../../actors/fleet/mod.ts";
import type { NodeHeartbeat } from "../../protocols/mod.ts";
import { recordLatencyMs } from "../../protocols/capture_latency.ts";
import { Histogram } from "../../system/observe.ts";

const T0 = Date.parse("2026-12-07T12:00:00.000Z");
const pipeline: PipelineNames = {
  topicImages: "images",
  topicInferences: "inferences",
  dbGroup: "db",
  inferenceGroup: "inference",
};
const fingerprint = {
  topicImages: "images",
  topicInferences: "inferences",
  topicDeadletter: "dead",
  partitions: 6,
  dbGroup: "db",
  schema: "public",
  inferenceGroup: "inference",
  model: "resnet50",
  engine: "onnx",
  precision: "fp32",
};
const entry = (
  nodeId: string,
  roles: string[],
  state: RosterEntry["state"] = "live",
  more: Partial<NodeHeartbeat> & { fp?: Record<string, string | number> } = {},
): RosterEntry => ({
  nodeId,
  state,
  seenAtMs: T0 - 1_000,
  heartbeat: {
    v: 1,
    nodeId,
    roles,
    host: `${nodeId}-host`,
    opsUrl: `http://198.18.0.9:7070`,
    version: "0.1.0",
    commit: "abc1234",
    startedAt: new Date(T0 - 60_000).toISOString(),
    sentAt: new Date(T0 - 1_000).toISOString(),
    intervalMs: 2_000,
    ready: true,
    waitingFor: [],
    fingerprint: { ...fingerprint, ...more.fp },
    figures: {},
    lastError: null,
    ...more,
  },
});
/** A sample at T0 + s seconds: images/inferences log ends, the db and inference groups' committed offsets. */
const sample = (s: number, ends: [number, number], db: [number, number] | null, inf: number | null): OffsetsSample => {
  const groups: OffsetsSample["groups"] = {};
  if (db) {
    groups["db"] = [
      { topic: "images", partition: 0, committed: db[0], high: ends[0], lag: ends[0] - db[0] },
      { topic: "inferences", partition: 0, committed: db[1], high: ends[1], lag: ends[1] - db[1] },
    ];
  }
  if (inf !== null) {
    groups["inference"] = [{ topic: "images", partition: 0, committed: inf, high: ends[0], lag: ends[0] - inf }];
  }
  return { atMs: T0 + s * 1000, topicEnds: { images: ends[0], inferences: ends[1] }, groups };
};
const view = (entries: RosterEntry[], samples: OffsetsSample[] = [], nowMs = T0) =>
  fleetView({ topic: "nodes", entries, samples, pipeline, nowMs, watchingSinceMs: T0 - 30_000, refused: 0 });

t.test("no skew in a fleet that agrees; a camera writing to another images topic is skew, and marked", async (t) => {
  const agree = [entry("sim-1", ["simulator"]), entry("db-1", ["db"]), entry("inf-1", ["inference"])];
  t.same(view(agree).skew, []);
  t.same(view(agree).alerts, []);
  const v = view([...agree, entry("sim-2", ["simulator"], "live", { fp: { topicImages: "images-v2" } })]);
  t.same(v.skew, [{
    kind: "config",
    key: "topicImages",
    scope: "pipeline",
    values: [{ value: "images", nodes: ["sim-1", "db-1", "inf-1"] }, { value: "images-v2", nodes: ["sim-2"] }],
  }]);
  t.same(v.nodes.find((n) => n.nodeId === "sim-2")!.skew, ["topicImages"], "the odd one out is marked");
  t.same(v.nodes.find((n) => n.nodeId === "sim-1")!.skew, [], "the majority is not");
  t.same(v.alerts.map((a) => a.kind), ["skew"]);
  t.match(v.alerts[0]!.message, /topicImages differs \(pipeline\): images on sim-1, db-1, inf-1; images-v2 on sim-2/);
});

t.test("skew only where nodes must agree, and only among live nodes", async (t) => {
  const v = view([
    entry("db-1", ["db"]),
    entry("db-2", ["db"], "live", { fp: { schema: "other" } }),
    entry("db-3", ["db"], "live", { fp: { dbGroup: "db-b", schema: "b" } }),
    entry("sim-1", ["simulator"], "live", { fp: { schema: "whatever", model: "other" } }),
    entry("inf-1", ["inference"], "lost", { version: "0.0.9", fp: { model: "mobilenet" } }),
    entry("inf-2", ["inference"], "live", { version: "0.2.0", commit: "def5678" }),
  ]);
  t.same(
    v.skew.map((s) => [s.kind, s.key, s.scope, s.values.map((x) => x.nodes.length)]),
    [["version", "version", "fleet", [4, 1]], ["config", "schema", "group db", [1, 1]]],
    "db-3's group is another; the simulator's schema and model are not its business; the lost node is not compared",
  );
  t.same(v.nodes.find((n) => n.nodeId === "inf-2")!.skew, ["version"]);
  const models = view([
    entry("inf-1", ["inference"], "live", { fp: { modelHash: "aaaa" } }),
    entry("inf-2", ["inference"], "live", { fp: { modelHash: "bbbb" } }),
  ]);
  t.same(models.skew.map((s) => [s.key, s.scope]), [["modelHash", "group inference"]], "two files served in one group");
});

t.test("groups: members from the roster, status from the offsets; the flow's rates; the chart", async (t) => {
  const entries = [entry("sim-1", ["simulator"]), entry("db-1", ["db"]), entry("inf-1", ["inference"])];
  const samples = [
    sample(0, [1000, 500], [1000, 500], 1000),
    sample(5, [1100, 550], [1090, 540], 1080),
    sample(10, [1200, 600], [1200, 600], 1190),
  ];
  const v = view(entries, samples, T0 + 10_000);
  t.same(v.groups.map((g) => [g.groupId, g.role, g.topics, g.members, g.status, g.lag]), [
    ["db", "db", ["images", "inferences"], ["db-1"], "OK", 0],
    ["inference", "inference", ["images"], ["inf-1"], "OK", 10],
  ]);
  t.same(v.flow.map((e) => [e.from, e.to, e.ratePerS]), [
    ["cameras", "images", 20],
    ["images", "db", 20],
    ["images", "inference", 19],
    ["inference", "inferences", 10],
    ["inferences", "db", 10],
  ]);
  t.same(v.throughput.map((p) => [p.imagesWritten, p.imagesStored, p.inferencesWritten, p.inferencesStored]), [
    [20, 18, 10, 8],
    [20, 22, 10, 12],
  ]);
  t.equal(v.throughput[1]!.at, new Date(T0 + 10_000).toISOString());
  t.equal(topicRate(samples, "images", 5_000), 20, "a shorter span: the last interval only");
  t.equal(topicRate(samples.slice(0, 1), "images"), null, "one sample: no rate");
});

t.test("the db node lost: node alert, db group STOP, db role missing while images flow", async (t) => {
  const entries = [entry("sim-1", ["simulator"]), entry("db-1", ["db"], "lost"), entry("inf-1", ["inference"])];
  entries[1]!.seenAtMs = T0 - 8_000;
  const samples = [sample(0, [1000, 500], [1000, 500], 1000), sample(5, [1100, 550], [1000, 500], 1100)];
  const v = view(entries, samples, T0 + 5_000);
  const db = v.groups.find((g) => g.groupId === "db")!;
  t.same([db.status, db.members, db.lag], ["STOP", [], 150]);
  t.same(v.alerts.map((a) => [a.severity, a.kind]), [
    ["warning", "node_lost"],
    ["critical", "group_stop"],
    ["critical", "role_missing"],
  ]);
  t.match(v.alerts[0]!.message, /node db-1 \(db\) on db-1-host lost: no heartbeat for 13 s/);
  t.match(v.alerts[2]!.message, /no live db node while the images topic grows \(20 records\/s\)/);
  t.equal(v.nodes.find((n) => n.nodeId === "db-1")!.uptimeS, null, "a lost node has no uptime");
  t.equal(v.nodes.find((n) => n.nodeId === "sim-1")!.uptimeS, 65);
});

t.test("watched: the viewer's own groups, and every group a node reported", async (t) => {
  const w = watchedOf(
    [entry("db-9", ["db"], "left", { fp: { dbGroup: "db-old", topicInferences: "inf-old" } })],
    pipeline,
  );
  t.same(w.topics, ["images", "inferences"]);
  t.same(w.groups.map((g) => [g.groupId, g.role, g.topics]), [
    ["db", "db", ["images", "inferences"]],
    ["inference", "inference", ["images"]],
    ["db-old", "db", ["images", "inf-old"]],
  ]);
});

t.test("a group is shown once a node reported it or it committed, not for the viewer's names alone", async (t) => {
  const sims = [entry("sim-1", ["simulator"])];
  const noCommits = [sample(0, [10, 0], null, null)];
  noCommits[0]!.groups["db"] = [{ topic: "images", partition: 0, committed: null, high: 10, lag: 10 }];
  t.same(view(sims, noCommits).groups, [], "no db node, no commit: no group, no STOP alert");
  t.same(view(sims, noCommits).alerts, []);
  const withCommits = [sample(0, [10, 0], [4, 0], null)];
  t.same(view(sims, withCommits).groups.map((g) => [g.groupId, g.status]), [["db", "STOP"]], "commits but no node");
});

t.test("latency: the live db nodes' last-minute histograms added, quantiles in ms; none without rows", async (t) => {
  const h = new Histogram();
  for (let i = 0; i < 90; i++) recordLatencyMs(h, 40);
  const h2 = new Histogram();
  for (let i = 0; i < 10; i++) recordLatencyMs(h2, 3_000);
  const db = (id: string, state: RosterEntry["state"], data: ReturnType<Histogram["data"]>) =>
    entry(id, ["db"], state, { histograms: { captureToImageRow: data } });
  const v = view([db("db-1", "live", h.data()), db("db-2", "live", h2.data()), db("db-3", "lost", h2.data())]);
  const l = v.latency.captureToImageRow!;
  t.equal(l.count, 100, "the lost node's figures left out");
  t.ok(l.p50Ms > 32 && l.p50Ms <= 64, `p50 ${l.p50Ms} ms in the bucket of 40 ms (32-64 ms)`);
  t.ok(l.p95Ms > 2048 && l.p95Ms <= 4096, `p95 ${l.p95Ms} ms in the bucket of 3 s (2-4 s)`);
  t.equal(v.latency.captureToInferenceRow, null);
  t.equal(view([entry("sim-1", ["simulator"])]).latency.captureToImageRow, null);
});

t.test("the flow is the fleet's pipeline, not the viewer's own defaults", async (t) => {
  const theirs = {
    topicImages: "run.images",
    topicInferences: "run.inferences",
    dbGroup: "run-db",
    inferenceGroup: "run-inf",
  };
  const nodes = [
    entry("broker-1", ["broker"], "live", { fp: {} }),
    entry("db-1", ["db"], "live", { fp: theirs }),
    entry("sim-1", ["simulator"], "live", { fp: theirs }),
    entry("sim-odd", ["simulator"], "live", { fp: { ...theirs, topicImages: "odd.images" } }),
  ];
  t.same(pipelineOf(nodes, pipeline), theirs, "what most live pipeline nodes report");
  t.same(view(nodes).flow[0], { from: "cameras", to: "run.images", ratePerS: null });
  const gone = [entry("db-9", ["db"], "left", { fp: theirs })];
  t.same(pipelineOf(gone, pipeline), theirs, "none live: the newest report");
  t.same(pipelineOf([entry("broker-1", ["broker"])], pipeline), pipeline, "no pipeline node: the viewer's own");
});

t.test("a group whose members all left with nothing to read is retired: no alert; nodes live first", async (t) => {
  const old = { dbGroup: "old-db" };
  const samples = [sample(0, [10, 0], [10, 0], null)];
  samples[0]!.groups["old-db"] = [{ topic: "images", partition: 0, committed: 10, high: 10, lag: 0 }];
  const v = view([
    entry("db-old", ["db"], "left", { fp: old }),
    entry("db-1", ["db"]),
    entry("a-sim", ["simulator"], "lost"),
  ], samples);
  t.equal(v.groups.find((g) => g.groupId === "old-db")?.status, "STOP", "shown as stopped");
  t.notOk(v.alerts.some((a) => a.message.includes("old-db")), "but no alert");
  t.same(v.nodes.map((n) => n.nodeId), ["db-1", "a-sim", "db-old"], "live, lost, left");
  samples[0]!.groups["old-db"] = [{ topic: "images", partition: 0, committed: 8, high: 10, lag: 2 }];
  const behind = view([entry("db-old", ["db"], "left", { fp: old }), entry("db-1", ["db"])], samples);
  t.ok(
    behind.alerts.some((a) => a.kind === "group_stop" && a.message.includes("old-db")),
    "records left to read: an alert",
  );
});
