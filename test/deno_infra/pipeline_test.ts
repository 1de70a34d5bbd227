// Runs under `deno test` with KAFKA_BROKERS and DATABASE_URL set (infra/with_infra.sh):
// the simulator and db roles on Deno, against the real broker and PostgreSQL.
import assert from "node:assert/strict";
import { startNode } from "../../node/node.ts";
import type { FleetTrace, FleetView } from "../../protocols/mod.ts";
import { loadConfig } from "../../node/config.ts";
import { imageCount, pipelineEnv, testSql } from "../helpers/pipeline.ts";
import { until } from "../helpers/wait.ts";

Deno.test({
  name: "simulator -> Kafka -> db -> PostgreSQL on Deno",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const env = pipelineEnv("deno");
    const N = 300;
    const config = loadConfig({
      env: {
        ...env,
        ROLE: "db,simulator",
        NODE_ID: "deno-node",
        OPS_PORT: "0",
        SIM_DEVICES: "3",
        SIM_RATE: "0",
        SIM_COUNT: String(N),
        HEARTBEAT_MS: "300",
        // The node's own logger (warnings on standard error), so its lines are shipped to the fleet's log topic.
        LOG_LEVEL: "warn",
        TRACE_SAMPLE: "1",
        LOG_SHIP_RATE: "5000",
      },
    });
    const node = await startNode(config);
    const sql = testSql(env);
    try {
      await until(`${N} rows`, async () => (await imageCount(sql)) >= N, 60_000, 50);
      await until("consumer idle", () => node.roles.db!.figures().consumer.inFlight === 0, 30_000, 50);
      assert.equal(await imageCount(sql), N);
      assert.equal(node.roles.simulator!.figures().producer.sent, N);

      // The fleet on Deno: the node live in its own GET /fleet, its group OK, its warning in the merged logs.
      const get = async (path: string) => (await fetch(`${node.opsUrl}${path}`)).json();
      const view = await until(
        "the node live in its fleet, its group OK",
        async () => {
          const v = await get("/fleet") as FleetView;
          const me = v.nodes.find((n) => n.nodeId === "deno-node");
          const group = v.groups.find((g) => g.groupId === env["DB_GROUP_ID"]);
          return me?.state === "live" && group?.status === "OK" ? v : null;
        },
        30_000,
        100,
      );
      assert.deepEqual(view.nodes.find((n) => n.nodeId === "deno-node")!.roles, ["db", "simulator"]);
      const logs = await until(
        "its warning in the merged logs",
        async () => {
          const l = await get("/fleet/logs?node=deno-node&level=warn") as { lines: { line: { msg: string } }[] };
          return l.lines.some((x) => x.line.msg.startsWith("SYNTHETIC DATA")) ? l : null;
        },
        30_000,
        100,
      );
      assert.ok(logs.lines.length >= 1);
      const recent = await until(
        "an image's hops",
        async () => {
          const r = await get("/fleet/traces?n=5") as { traces: string[] };
          return r.traces.length > 0 ? r.traces : null;
        },
        30_000,
        100,
      );
      const trace = await get(`/fleet/traces/${recent[0]}`) as FleetTrace;
      assert.ok(trace.hops.some((h) => h.reported && h.hop === "captured"));
      const page = await fetch(`${node.opsUrl}/fleet/`);
      assert.equal(page.status, 200);
      assert.match(await page.text(), /troupe fleet/);
    } finally {
      await sql.end();
      await node.stop();
    }
  },
});
