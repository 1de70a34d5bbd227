import { createHash } from "node:crypto";
import t from "tap";
import { captureEnvelope } from "../../protocols/capture.ts";
import { openCifarDataset } from "../../actors/simulator/mod.ts";
import { encodeImageEnvelope } from "../../protocols/mod.ts";
import { testKafkaClient } from "../helpers/infra.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { imageCount, pipelineEnv, TEST_SYNTHETIC_DIR, testSql } from "../helpers/pipeline.ts";
import { readTopic } from "../helpers/topics.ts";
import { until } from "../helpers/wait.ts";

t.test("a record too big for the dead-letter topic is dead-lettered as a reference; nothing crash-loops", async (t) => {
  const env: Record<string, string> = { ...pipelineEnv("dlfit"), TOPIC_PARTITIONS: "1" };
  const brokers = env["KAFKA_BROKERS"]!.split(",");
  const client = testKafkaClient(brokers);
  t.teardown(() => client.close());
  // The images topic takes 20 MB records; the dead-letter topic keeps the broker's default (about 1 MB).
  await client.ensureTopic(env["TOPIC_IMAGES"]!, {
    partitions: 1,
    configs: { "max.message.bytes": String(20 * 1_048_576) },
  });
  const db = await startNodeProcess(t, { ...env, ROLE: "db" });
  const sql = testSql(env);
  t.teardown(() => sql.end());

  const ds = await openCifarDataset(TEST_SYNTHETIC_DIR, "test");
  t.teardown(() => ds.close());
  const good = async (seq: number) =>
    Buffer.from(encodeImageEnvelope(captureEnvelope({
      deviceId: "cam-big",
      seq,
      imageId: `cam-big/${seq}`,
      capturedAt: new Date().toISOString(),
      record: await ds.read(seq),
    })));
  const big = Buffer.alloc(10 * 1_048_576, "x"); // 10 MB: oversize for the node (MAX_MESSAGE_BYTES 1 MiB)
  const producer = await client.producer();
  await producer.send(env["TOPIC_IMAGES"]!, [
    { key: "cam-big", value: await good(0), partition: 0 },
    { key: "cam-big", value: big, partition: 0, headers: { trace: "abc" } },
    { key: "cam-big", value: await good(1), partition: 0 },
  ]);

  const [letter] = await readTopic(t, brokers, env["TOPIC_DEADLETTER"]!, 1);
  t.equal(letter!.headers["troupe-reason"], "oversize");
  t.equal(letter!.headers["troupe-truncated"], "true", "marked as truncated");
  t.equal(letter!.headers["troupe-source-offset"], "1");
  t.equal(letter!.headers["trace"], "abc", "the original headers are kept");
  t.ok(letter!.value.length < 1_048_576, `the dead letter is ${letter!.value.length} bytes`);
  const ref = JSON.parse(letter!.value.toString()) as Record<string, unknown>;
  t.match(ref, {
    truncated: true,
    topic: env["TOPIC_IMAGES"],
    partition: 0,
    offset: "1",
    bytes: big.length,
    sha256: createHash("sha256").update(big).digest("hex"),
  });
  t.equal(Buffer.from(ref["head"] as string, "base64").toString(), "x".repeat(1024), "its first bytes");

  await until("the good images around it stored", async () => (await imageCount(sql)) >= 2, 30_000, 50);
  const consumer = await db.actor("/troupe/db/consumer");
  t.equal(consumer?.restarts, 0, "the consumer never restarted");
  t.equal((await fetch(`${db.base}/readyz`)).status, 200);
  db.proc.kill("SIGTERM");
  t.equal(await db.exited, 0);
});
