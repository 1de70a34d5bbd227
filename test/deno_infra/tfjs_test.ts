// Runs under `deno test` with KAFKA_BROKERS and DATABASE_URL set (infra/with_infra.sh),
// after `npm run setup:tfjs`: the whole pipeline on Deno with the TensorFlow engine
// (tfjs-node's native addon under Deno's Node-API), and its predict API.
import assert from "node:assert/strict";
import { startNode } from "../../node/node.ts";
import { silentLogger } from "../../system/mod.ts";
import { loadConfig } from "../../node/config.ts";
import { imageCount, pipelineEnv, testSql } from "../helpers/pipeline.ts";
import { cifarPngs } from "../helpers/tfjs.ts";
import { until } from "../helpers/wait.ts";

Deno.test({
  name: "simulator -> Kafka -> db + inference on tfjs-node -> PostgreSQL, on Deno",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const env = pipelineEnv("denotf");
    const N = 24;
    const config = loadConfig({
      env: {
        ...env,
        ROLE: "db,inference,simulator",
        MODEL_ENGINE: "tfjs",
        API_PORT: "0",
        OPS_PORT: "0",
        SIM_DEVICES: "2",
        SIM_RATE: "0",
        SIM_COUNT: String(N),
      },
    });
    const node = await startNode(config, { log: silentLogger });
    const sql = testSql(env);
    try {
      const inferences = async () => {
        try {
          return Number((await sql`SELECT count(DISTINCT image_id)::int AS n FROM inferences`)[0]!["n"]);
        } catch {
          return 0;
        }
      };
      await until(`${N} inference rows`, async () => (await inferences()) >= N, 180_000, 100);
      assert.equal(await imageCount(sql), N);
      const figures = node.roles.inference!.figures();
      assert.equal(figures.model.engine, "tfjs");
      const res = await fetch(`${figures.apiUrl}/v1/predict`, {
        method: "POST",
        headers: { "content-type": "image/png" },
        body: new Blob([new Uint8Array(cifarPngs(1)[0]!)]),
      });
      const body = await res.json() as { top: { index: number }[]; untrained: boolean };
      assert.equal(res.status, 200);
      assert.equal(body.top.length, 5);
      assert.equal(body.untrained, true);
      const v2 = await fetch(`${figures.apiUrl}/v2/models/${figures.model.name}/infer`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          inputs: [{
            name: "image",
            shape: [1],
            datatype: "BYTES",
            data: [btoa(String.fromCharCode(...cifarPngs(1)[0]!))],
          }],
          outputs: [{ name: "logits", parameters: { classification: 3 } }],
        }),
      });
      const oip = await v2.json() as { outputs: { datatype: string; data: string[] }[] };
      assert.equal(v2.status, 200);
      assert.equal(oip.outputs[0]!.datatype, "BYTES");
      assert.match(
        oip.outputs[0]!.data[0]!,
        new RegExp(`^[-\\d.e]+:${body.top[0]!.index}$`),
        "the v2 top-1 is the v1 top-1",
      );
    } finally {
      await sql.end();
      await node.stop();
    }
  },
});
