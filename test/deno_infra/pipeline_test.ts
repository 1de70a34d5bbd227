// Runs under `deno test` with KAFKA_BROKERS and DATABASE_URL set (infra/with_infra.sh):
// the simulator and db roles on Deno, against the real broker and PostgreSQL.
import assert from "node:assert/strict";
import { startNode } from "../../node/node.ts";
import { silentLogger } from "../../system/mod.ts";
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
      env: { ...env, ROLE: "db,simulator", OPS_PORT: "0", SIM_DEVICES: "3", SIM_RATE: "0", SIM_COUNT: String(N) },
    });
    const node = await startNode(config, { log: silentLogger });
    const sql = testSql(env);
    try {
      await until(`${N} rows`, async () => (await imageCount(sql)) >= N, 60_000, 50);
      await until("consumer idle", () => node.roles.db!.figures().consumer.inFlight === 0, 30_000, 50);
      assert.equal(await imageCount(sql), N);
      assert.equal(node.roles.simulator!.figures().producer.sent, N);
    } finally {
      await sql.end();
      await node.stop();
    }
  },
});
