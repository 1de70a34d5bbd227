/**
 * One image's way across three nodes: the trace id the simulator starts at capture
 * travels in the records' `traceparent` headers, is stored with the image row and
 * the inference row, and shows in the message traces of the actors it passed on
 * every node (switched on through each node's ops endpoint).
 */
import t from "tap";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { inferenceCount, pipelineEnv, testSql } from "../helpers/pipeline.ts";
import { until } from "../helpers/wait.ts";
import type { TraceReport } from "../../system/observe.ts";
import type { ActorsResponse, FleetTrace } from "../../protocols/mod.ts";

const TOKEN = "trace-test-token-0123456789";

t.test("a trace id goes from capture through Kafka to both rows, and shows in each node's traces", async (t) => {
  // Every image sampled: each node reports every hop to the log topic, and any node assembles an image's trace.
  const env = {
    ...pipelineEnv("trace"),
    OPS_TOKEN: TOKEN,
    OPS_CONTROL: "on",
    TRACE_SAMPLE: "1",
    LOG_SHIP_RATE: "1000",
  };
  const N = 60;
  const sql = testSql(env);
  t.teardown(() => sql.end());
  const db = await startNodeProcess(t, { ...env, ROLE: "db" }, { token: TOKEN });
  const inf = await startNodeProcess(t, { ...env, ROLE: "inference", API_PORT: "0" }, { token: TOKEN });
  const ops = (base: string, method: string, path: string) =>
    fetch(`${base}${path}`, { method, headers: { authorization: `Bearer ${TOKEN}` } }).then(async (r) => {
      t.equal(r.status, 200, `${method} ${path}`);
      return (await r.json()) as TraceReport;
    });
  const traced = [
    [db.base, "/troupe/db/upserter"],
    [inf.base, "/troupe/inference/model_pool/pool"],
  ] as const;
  // Each keeps all it sees here (the default keeps the last 200).
  for (const [base, path] of traced) await ops(base, "POST", `/trace/start?path=${path}&keep=2000`);
  const sim = await startNodeProcess(t, {
    ...env,
    ROLE: "simulator",
    SIM_DEVICES: "2",
    SIM_RATE: "5",
    SIM_COUNT: String(N),
  }, { token: TOKEN });
  const producer = "/troupe/simulator/producer";
  await ops(sim.base, "POST", `/trace/start?path=${producer}`);
  await until(`${N} inference rows`, async () => (await inferenceCount(sql)) >= N, 180_000, 200);

  const rows = await sql<{ image_id: string; image_trace: string | null; inference_trace: string | null }[]>`
    SELECT i.image_id, m.trace_id AS image_trace, i.trace_id AS inference_trace
    FROM inferences i JOIN images m USING (image_id)`;
  t.equal(rows.length, N);
  t.equal(
    rows.filter((r) => r.image_trace !== null && r.image_trace === r.inference_trace).length,
    N,
    "both rows carry the image's trace id",
  );
  t.equal(new Set(rows.map((r) => r.image_trace)).size, N, "one trace per image");

  const ids = (r: TraceReport) => new Set(r.entries.flatMap((e) => e.traceIds));
  const atSim = ids(await ops(sim.base, "GET", `/trace?path=${producer}`));
  t.ok(atSim.size > 0, `${atSim.size} images traced at the simulator's producer`);
  const followed = rows.find((r) => atSim.has(r.image_trace!))!;
  t.ok(followed, "an image traced at capture is stored");
  for (const [base, path] of traced) {
    const report = await ops(base, "GET", `/trace?path=${path}`);
    t.ok(ids(report).has(followed.image_trace!), `${followed.image_trace} seen at ${path}`, {
      seen: report.seen,
      active: report.active,
      types: report.entries.map((e) => `${e.type}:${e.traceIds.length}`).join(" "),
    });
  }

  // The same image on the fleet's trace view, asked of the db node: eight hops reported by the three nodes, in order.
  const fleetTrace = await until(
    "the image's eight hops reported",
    async () => {
      const r = await fetch(`${db.base}/fleet/traces/${followed.image_trace}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      const tr = (await r.json()) as FleetTrace;
      return tr.missing.length === 0 ? tr : null;
    },
    30_000,
    200,
  );
  t.ok(fleetTrace.sampled);
  t.same(fleetTrace.hops.map((h) => [h.hop, h.roles]), [
    ["captured", ["simulator"]],
    ["encoded", ["simulator"]],
    ["produced", ["simulator"]],
    ["stored", ["db"]],
    ["consumed", ["inference"]],
    ["inferred", ["inference"]],
    ["result_produced", ["inference"]],
    ["result_stored", ["db"]],
  ], "every hop, by the node of its role");
  const byHop = Object.fromEntries(fleetTrace.hops.map((h) => [h.hop, h]));
  t.ok(byHop["captured"]!.sinceCaptureMs === 0 && byHop["result_stored"]!.sinceCaptureMs! > 0, "times since capture");
  t.ok(byHop["inferred"]!.sinceCaptureMs! >= byHop["consumed"]!.sinceCaptureMs!, "inferred after consumed");
  const unknown = (await (await fetch(`${db.base}/fleet/traces/${"0".repeat(31)}1`, {
    headers: { authorization: `Bearer ${TOKEN}` },
  })).json()) as FleetTrace;
  t.equal(unknown.missing.length, 8, "an image nobody reported: every hop marked missing");
  const bad = await fetch(`${db.base}/fleet/traces/nope`, { headers: { authorization: `Bearer ${TOKEN}` } });
  t.equal(bad.status, 400);

  // The pipeline panel beside the tree: lag per partition, write latency and rows per write, the pool's batches.
  const panel = async (base: string) =>
    ((await (await fetch(`${base}/actors`, { headers: { authorization: `Bearer ${TOKEN}` } }))
      .json()) as ActorsResponse)
      .pipeline;
  const dbPanel = await panel(db.base);
  t.equal(dbPanel.consumers.length, 1);
  t.equal(Object.values(dbPanel.consumers[0]!.lag).reduce((a, b) => a + b, 0), 0, "caught up: no lag");
  t.ok(Object.keys(dbPanel.consumers[0]!.lag).length >= 1, "lag per partition");
  t.ok(dbPanel.writers[0]!.writeLatency!.samples >= 1);
  t.equal(
    Object.values(dbPanel.writers[0]!.batchSizes).reduce((a, b) => a + b, 0),
    dbPanel.writers[0]!.writeLatency!.samples,
    "one size per write",
  );
  const infPanel = await panel(inf.base);
  t.equal(
    Object.entries(infPanel.pools[0]!.batchSizes).reduce((a, [k, v]) => a + Number(k) * v, 0),
    N,
    "every image in a batch",
  );
  t.equal(infPanel.pools[0]!.queueTime!.samples, N);
  t.ok(infPanel.pools[0]!.computeTime!.p50 > 0);
  for (const n of [sim, inf, db]) n.proc.kill("SIGTERM");
  t.equal(await db.exited, 0);
});
