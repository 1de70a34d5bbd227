// The whole pipeline serving the INT8 model (MODEL_PRECISION=int8): the node
// quantizes the generated ResNet50 on the configured dataset at start, serves
// it under its own name, and its answers on the stored images stay close to the
// fp32 model's.
import { readFileSync } from "node:fs";
import t from "tap";
import { ensureResNet50, IMAGENET_INPUT } from "../../actors/inference/mod.ts";
import { loadOnnxEngine } from "../../actors/inference/onnxruntime_engine.ts";
import { inputDims } from "../../actors/inference/worker_protocol.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { imageCount, inferenceCount, pipelineEnv, TEST_MODEL_DIR, testSql } from "../helpers/pipeline.ts";
import { argmaxRows, batchOf } from "../helpers/tfjs.ts";
import { until } from "../helpers/wait.ts";

t.test("simulator + db + inference on the INT8 model: one row per image, top-1 mostly the fp32 model's", async (t) => {
  const env = pipelineEnv("int8");
  const N = 16;
  const sql = testSql(env);
  t.teardown(() => sql.end());
  const db = await startNodeProcess(t, { ...env, ROLE: "db" });
  const inf = await startNodeProcess(t, {
    ...env,
    ROLE: "inference",
    MODEL_PRECISION: "int8",
    INT8_CALIBRATION_IMAGES: "16",
    INT8_EVALUATION_IMAGES: "16",
    API_PORT: "0",
  });
  t.match(inf.stderr(), /"msg":"serving the INT8 model"/);
  const sim = await startNodeProcess(t, {
    ...env,
    ROLE: "simulator",
    SIM_DEVICES: "3",
    SIM_RATE: "0",
    SIM_COUNT: String(N),
  });
  await until(`${N} inference rows`, async () => (await inferenceCount(sql)) >= N, 240_000, 200);
  await until(`${N} image rows`, async () => (await imageCount(sql)) >= N, 60_000, 100);
  const rows = await sql<{ model: string; png: Uint8Array; top: { index: number }[] }[]>`
    SELECT i.model, m.png, i.top FROM inferences i JOIN images m USING (image_id) ORDER BY i.image_id`;
  t.equal(rows.length, N);
  t.same([...new Set(rows.map((r) => r.model))], ["resnet50-v1-untrained-int8"], "rows name the INT8 model");
  const fp32 = await loadOnnxEngine(readFileSync((await ensureResNet50(TEST_MODEL_DIR, 1)).path), {
    name: "r50",
    inputDims: inputDims(IMAGENET_INPUT),
  });
  t.teardown(() => fp32.close());
  const tops = argmaxRows(await fp32.run(batchOf(rows.map((r) => Uint8Array.from(r.png)), IMAGENET_INPUT), N), 1000);
  const same = rows.filter((r, i) => r.top[0]!.index === tops[i]).length;
  t.ok(same / N >= 0.8, `top-1 as fp32 on ${same} of ${N} stored images`);
  const api = (await inf.actor("/troupe/inference/api"))?.info?.["url"];
  t.match(await (await fetch(`${api}/v1/models`)).json(), { name: "resnet50-v1-untrained-int8", precision: "int8" });
  for (const n of [sim, inf, db]) n.proc.kill("SIGTERM");
  t.equal(await inf.exited, 0);
});
