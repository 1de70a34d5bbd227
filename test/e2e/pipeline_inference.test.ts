import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { imageCount, inferenceCount, pipelineEnv, testSql } from "../helpers/pipeline.ts";
import { writeTinyModel } from "../helpers/tiny_model.ts";
import { until } from "../helpers/wait.ts";

t.test("simulator + db + inference (the default, untrained ResNet50): every image gets exactly one inference row", async (t) => {
  // One worker: the test is about the path through Kafka, not the pool (test/integration/model_pool.test.ts).
  const env = { ...pipelineEnv("inf"), POOL_WORKERS: "1" };
  const N = 24; // ResNet50 on two cores: each image costs about 0.1 s of both

  const sql = testSql(env);
  t.teardown(() => sql.end());
  const db = await startNodeProcess(t, { ...env, ROLE: "db" });
  const inf = await startNodeProcess(t, { ...env, ROLE: "inference", API_PORT: "0" });
  t.match(inf.stderr(), /UNTRAINED MODEL/, "the node says plainly that the weights are untrained");
  const sim = await startNodeProcess(t, {
    ...env,
    ROLE: "simulator",
    SIM_DEVICES: "4",
    SIM_RATE: "0",
    SIM_COUNT: String(N),
  });
  await until(`${N} inference rows`, async () => (await inferenceCount(sql)) >= N, 180_000, 200);
  await until(`${N} image rows`, async () => (await imageCount(sql)) >= N, 60_000, 100);
  const rows = await sql<{ n: number; images: number; models: number; orphans: number }[]>`
    SELECT count(*)::int AS n, count(DISTINCT image_id)::int AS images, count(DISTINCT model)::int AS models,
           (SELECT count(*)::int FROM inferences i WHERE NOT EXISTS (SELECT 1 FROM images m WHERE m.image_id = i.image_id)) AS orphans
    FROM inferences`;
  t.same(rows[0], { n: N, images: N, models: 1, orphans: 0 }, "one row per image, all for stored images");
  const one = (await sql<
    { model: string; top: { index: number; label: string; prob: number }[]; top1_prob: number }[]
  >`SELECT model, top, top1_prob FROM inferences LIMIT 1`)[0]!;
  t.equal(one.model, "resnet50-v1-untrained");
  t.equal(one.top.length, 5);
  t.equal(one.top1_prob, one.top[0]!.prob);
  const pool = await inf.actor("/troupe/inference/model_pool/pool");
  t.equal(pool?.info?.["images"], N);
  const metrics = await inf.metrics();
  t.match(
    metrics,
    /troupe_mailbox_capacity\{[^}]*actor="\/troupe\/inference\/model_pool\/pool"\} 64/,
    "queue capacity in /metrics",
  );
  t.match(
    metrics,
    /troupe_actor_stat\{[^}]*actor="\/troupe\/inference\/model_pool\/pool",stat="batchSizes",key="\d+"\} \d+/,
    "batch size histogram in /metrics",
  );
  t.match(
    metrics,
    /troupe_actor_stat\{[^}]*actor="\/troupe\/inference\/model_pool\/pool",stat="latencyP95Ms"\} [\d.]+/,
    "latency in /metrics",
  );
  t.match(
    metrics,
    /troupe_actor_stat\{[^}]*actor="\/troupe\/inference\/model_pool\/worker_0",stat="imagesPerBusySecond"\} [\d.]+/,
    "images/s per worker in /metrics",
  );
  t.match(
    metrics,
    new RegExp(`^nv_inference_request_success\\{model="resnet50-v1-untrained",version="1"\\} ${N}$`, "m"),
    "Triton's request count in /metrics: every image through Kafka",
  );
  t.match(metrics, /^troupe_inference_batch_size_bucket\{le="8",model="resnet50-v1-untrained",version="1"\} \d+$/m);
  for (const n of [sim, inf, db]) n.proc.kill("SIGTERM");
  t.equal(await inf.exited, 0);
});

t.test("two inference nodes share the partitions; stopping one moves them, and every image still gets exactly one row", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-inf-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeTinyModel(join(dir, "tiny.onnx"));
  const env = {
    ...pipelineEnv("infscale"),
    TOPIC_PARTITIONS: "4",
    MODEL_PATH: join(dir, "tiny.onnx"),
    MODEL_INPUT_SIZE: "2",
    MODEL_MEAN: "0,0,0",
    MODEL_STD: "1,1,1",
    MODEL_SCALE: "1",
    TOP_K: "3",
    POOL_WORKERS: "1",
    POOL_INTRA_THREADS: "1",
    API_PORT: "0",
    // A consumer chunk (8 images) larger than all the pool can hold (a batch of 2 on the
    // worker, 2 forming, 2 queued): the inference sink waits on the pool's queue and the
    // consumers on the sink's full mailbox.
    POOL_MAX_BATCH: "2",
    POOL_QUEUE: "2",
  };
  const N = 1000;
  const sql = testSql(env);
  t.teardown(() => sql.end());
  const db = await startNodeProcess(t, { ...env, ROLE: "db" });
  const a = await startNodeProcess(t, { ...env, ROLE: "inference", NODE_ID: "inf-a" });
  const b = await startNodeProcess(t, { ...env, ROLE: "inference", NODE_ID: "inf-b" });
  const sim = await startNodeProcess(t, {
    ...env,
    ROLE: "simulator",
    SIM_DEVICES: "10",
    SIM_RATE: "15",
    SIM_COUNT: String(N),
  });
  const split = await until(
    "partitions shared",
    async () => {
      const [x, y] = [
        (await a.actor("/troupe/inference/consumer"))?.info?.["assigned"] as number,
        (await b.actor("/troupe/inference/consumer"))?.info?.["assigned"] as number,
      ];
      return x > 0 && y > 0 && x + y === 4 ? [x, y] : undefined;
    },
    60_000,
    100,
  );
  t.pass(`the 4 image partitions are split ${split[0]}/${split[1]}`);
  await until(
    "both nodes inferring",
    async () =>
      ((await a.actor("/troupe/inference/consumer"))?.info?.["inferred"] as number) > 0 &&
      ((await b.actor("/troupe/inference/consumer"))?.info?.["inferred"] as number) > 0,
    60_000,
    100,
  );
  a.proc.kill("SIGTERM");
  t.equal(await a.exited, 0, "node a stops gracefully");
  await until(
    "b owns every partition",
    async () => (await b.actor("/troupe/inference/consumer"))?.info?.["assigned"] === 4,
    60_000,
    100,
  );
  await until(`${N} inference rows`, async () => (await inferenceCount(sql)) >= N, 180_000, 200);
  const [row] = await sql<
    { n: number; images: number }[]
  >`SELECT count(*)::int AS n, count(DISTINCT image_id)::int AS images FROM inferences`;
  t.same(row, { n: N, images: N }, "exactly one row per image");
  // Backpressure reached the consumer: it found the sink's mailbox full and waited for room (it pauses its partitions
  // only when that lasts 250 ms, which this fast model never makes it do).
  t.ok(
    ((await b.actor("/troupe/inference/consumer"))?.info?.["waits"] as number) > 0,
    "the consumer waited for room in the inference sink, full while the pool's queue was",
  );
  for (const n of [sim, b, db]) n.proc.kill("SIGTERM");
  t.equal(await b.exited, 0);
});
