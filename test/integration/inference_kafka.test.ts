import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { startModelPoolTree } from "../../actors/inference/pool_tree.ts";
import { newInferenceConsumerStats, startInferenceConsumer } from "../../actors/inference_kafka/mod.ts";
import { ensureTopics } from "../../actors/kafka/mod.ts";
import { decodeInferenceEnvelope } from "../../protocols/mod.ts";
import { silentLogger, startSystem } from "../../system/mod.ts";
import { moduleBeside } from "../../system/platform.ts";
import { kafkaBrokers, testKafkaClient, uniqueName } from "../helpers/infra.ts";
import { TINY_INPUT, tinyEnvelope, tinyExpected, writeTinyModel } from "../helpers/tiny_model.ts";
import { readTopic } from "../helpers/topics.ts";

t.test("inference through Kafka: each image's result is the tiny model's exact output; a failed one is dead-lettered", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-infk-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeTinyModel(join(dir, "tiny.onnx"));
  const brokers = kafkaBrokers();
  const name = uniqueName("infk");
  const topics = { images: `${name}.images`, inferences: `${name}.inferences`, deadletter: `${name}.deadletter` };
  await ensureTopics(brokers, Object.values(topics), { partitions: 2, log: silentLogger });

  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown());
  const tree = await startModelPoolTree(sys.root, {
    modelPath: join(dir, "tiny.onnx"),
    modelName: "tiny",
    input: TINY_INPUT,
    workers: 1,
    intraOpThreads: 1,
    maxBatch: 8,
    maxDelayMs: 5,
    batchTimeoutMs: 5_000,
    queue: 16,
    topK: 3,
    labels: ["a", "b", "c"],
    outputs: "logits",
    // Kills its worker thread on an image whose first value is 251 (the pool retries it once, then fails it).
    engineModule: moduleBeside(import.meta.url, "../helpers/faulty_engine").href,
  });
  const stats = newInferenceConsumerStats();
  await startInferenceConsumer(
    sys.root,
    {
      brokers,
      groupId: `${name}-inference`,
      topics,
      pool: tree.pool,
      chunk: 8,
      maxMessageBytes: 1_048_576,
      // An image not answered within this is dead-lettered as hung. The worker this test kills is replaced twice
      // (the image is retried once), and on two loaded cores a replacement can take seconds: with 10 s, two full
      // runs ended with fewer results than images (not confirmed to be this; the stats below say next time).
      timeoutMs: 60_000,
      stats,
    },
  );
  t.teardown(() => {
    if (!t.passing()) t.comment(`consumer stats: ${JSON.stringify(stats)}`);
  });

  const rgbOf = (i: number) => Array.from({ length: 12 }, (_, k) => (i * 37 + k * 11) % 250);
  const N = 40;
  const KILLER = 17; // its first value becomes 251
  const images = Array.from({ length: N }, (_, i) => (i === KILLER ? [251, ...rgbOf(i).slice(1)] : rgbOf(i)));
  const envelope = (i: number) => tinyEnvelope(images[i]!, "cam-tiny", i);
  const client = testKafkaClient(brokers);
  t.teardown(() => client.close());
  const producer = await client.producer();
  await producer.send(topics.images, images.map((_, i) => ({ key: `cam-tiny/${i}`, value: envelope(i) })));

  const results = await readTopic(t, brokers, topics.inferences, N - 1);
  const byId = new Map<string, number[]>();
  for (const r of results) {
    const d = decodeInferenceEnvelope(r.value, { maxBytes: 1_048_576 });
    if (!d.ok) return t.fail(`a result that does not decode: ${d.detail}`);
    t.equal(d.value.model, "tiny");
    byId.set(d.value.imageId, [0, 1, 2].map((k) => d.value.top.find((c) => c.index === k)!.prob));
  }
  t.equal(results.length, N - 1, "one result per image but the failed one");
  for (let i = 0; i < N; i++) {
    const got = byId.get(`cam-tiny/${i}`);
    if (i === KILLER) {
      t.notOk(got, "no result for the image that kills its worker");
      continue;
    }
    const want = tinyExpected(images[i]!);
    t.ok(
      got && got.every((p, k) => Math.abs(p - want[k]!) < 1e-5),
      `cam-tiny/${i}: ${got?.map((p) => p.toFixed(5))} = ${want.map((p) => p.toFixed(5))}`,
    );
  }
  const [letter] = await readTopic(t, brokers, topics.deadletter, 1);
  t.equal(letter?.headers["troupe-reason"], "inference_failed");
  t.match(letter?.headers["troupe-detail"], /^worker_crashed: /);
  t.equal(letter?.key, `cam-tiny/${KILLER}`);
  t.ok(letter?.value.equals(envelope(KILLER)), "the original bytes");
  t.same(stats.deadLettered, { inference_failed: 1 });
});
