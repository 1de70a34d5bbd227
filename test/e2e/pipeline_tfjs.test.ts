// The whole pipeline with the TensorFlow engine serving the generated ResNet50
// (MODEL_ENGINE=tfjs; `npm run setup:tfjs` first): every stored image gets one
// inference row, and its top-1 is what onnxruntime gives on the same stored PNG.
import { readFileSync } from "node:fs";
import t from "tap";
import { ensureResNet50, IMAGENET_INPUT } from "../../actors/inference/mod.ts";
import { softmax } from "../../actors/inference/preprocess.ts";
import { loadOnnxEngine } from "../../actors/inference/onnxruntime_engine.ts";
import { inputDims } from "../../actors/inference/worker_protocol.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { imageCount, inferenceCount, pipelineEnv, TEST_MODEL_DIR, testSql } from "../helpers/pipeline.ts";
import { argmaxRows, batchOf, tfjsOrFail } from "../helpers/tfjs.ts";
import { until } from "../helpers/wait.ts";

t.test("simulator + db + inference on tfjs-node: each image's top-1 is onnxruntime's on the stored PNG", async (t) => {
  tfjsOrFail();
  const env = pipelineEnv("tfjs");
  const N = 16;
  const sql = testSql(env);
  t.teardown(() => sql.end());
  const db = await startNodeProcess(t, { ...env, ROLE: "db" });
  const inf = await startNodeProcess(t, { ...env, ROLE: "inference", MODEL_ENGINE: "tfjs", API_PORT: "0" });
  t.match(inf.stderr(), /UNTRAINED MODEL/);
  const sim = await startNodeProcess(t, {
    ...env,
    ROLE: "simulator",
    SIM_DEVICES: "3",
    SIM_RATE: "0",
    SIM_COUNT: String(N),
  });
  await until(`${N} inference rows`, async () => (await inferenceCount(sql)) >= N, 240_000, 200);
  await until(`${N} image rows`, async () => (await imageCount(sql)) >= N, 60_000, 100);
  const rows = await sql<{ image_id: string; png: Uint8Array; top: { index: number; prob: number }[] }[]>`
    SELECT i.image_id, m.png, i.top FROM inferences i JOIN images m USING (image_id) ORDER BY i.image_id`;
  t.equal(rows.length, N, "one inference row per stored image");
  const onnx = await loadOnnxEngine(readFileSync((await ensureResNet50(TEST_MODEL_DIR, 1)).path), {
    name: "r50",
    inputDims: inputDims(IMAGENET_INPUT),
    intraOpThreads: 1,
  });
  t.teardown(() => onnx.close());
  const want = await onnx.run(batchOf(rows.map((r) => Uint8Array.from(r.png)), IMAGENET_INPUT), rows.length);
  const tops = argmaxRows(want, 1000);
  rows.forEach((r, i) => {
    const p = softmax(want.subarray(i * 1000, (i + 1) * 1000))[tops[i]!]!;
    t.equal(r.top[0]!.index, tops[i], `${r.image_id}: top-1 ${r.top[0]!.index}`);
    t.ok(Math.abs(r.top[0]!.prob - p) < 1e-4, `${r.image_id}: probability ${r.top[0]!.prob} ~ ${p}`);
  });
  const api = (await inf.actor("/troupe/inference/api"))?.info?.["url"];
  const models = await (await fetch(`${api}/v1/models`)).json() as { engine: string; path: string };
  t.equal(models.engine, "tfjs");
  t.match(models.path, /\.savedmodel$/);
  for (const n of [sim, inf, db]) n.proc.kill("SIGTERM");
  t.equal(await inf.exited, 0);
});
