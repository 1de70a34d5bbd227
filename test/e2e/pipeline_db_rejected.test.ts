import { testKafkaClient } from "../helpers/infra.ts";
import t from "tap";
import { captureEnvelope } from "../../protocols/capture.ts";
import { openCifarDataset } from "../../actors/simulator/mod.ts";
import { encodeImageEnvelope } from "../../protocols/mod.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { imageCount, pipelineEnv, TEST_SYNTHETIC_DIR, testSql } from "../helpers/pipeline.ts";
import { readTopic } from "../helpers/topics.ts";
import { until } from "../helpers/wait.ts";

t.test("rows PostgreSQL refuses are dead-lettered with their SQLSTATE; the rows around them are stored", async (t) => {
  const env: Record<string, string> = { ...pipelineEnv("dbrej"), TOPIC_PARTITIONS: "1" };
  const brokers = env["KAFKA_BROKERS"]!.split(",");
  const sql = testSql(env);
  t.teardown(() => sql.end());
  const db = await startNodeProcess(t, { ...env, ROLE: "db" });
  // Changes an operator makes, which the node knows nothing of: constraints, and
  // columns narrowed below what an envelope may carry.
  await sql`ALTER TABLE images ADD CONSTRAINT no_refused_camera CHECK (device_id <> 'cam-refused')`;
  await sql`ALTER TABLE inferences ADD CONSTRAINT no_refused_model CHECK (model <> 'refused-model')`;
  await sql`ALTER TABLE images ALTER COLUMN seq TYPE integer`;
  await sql`ALTER TABLE inferences ALTER COLUMN latency_ms TYPE numeric(6, 1)`;

  const ds = await openCifarDataset(TEST_SYNTHETIC_DIR, "test");
  t.teardown(() => ds.close());
  const image = async (deviceId: string, n: number, seq = n) =>
    Buffer.from(encodeImageEnvelope(captureEnvelope({
      deviceId,
      seq,
      imageId: `${deviceId}/${n}`,
      capturedAt: new Date().toISOString(),
      record: await ds.read(n),
    })));
  const inference = (imageId: string, model: string, latencyMs = 1) =>
    Buffer.from(JSON.stringify({
      v: 1,
      imageId,
      model,
      top: [{ index: 1, label: "bear", prob: 0.5 }],
      latencyMs,
      inferredAt: "2026-11-24T18:00:00Z",
    }));
  // Valid envelopes; PostgreSQL refuses two of each: a number the narrowed column cannot
  // hold (22003, out of range), and the operator's constraints (23514).
  const images = [
    { value: await image("cam-good", 0), sqlstate: null },
    { value: await image("cam-good", 1, 3_000_000_000), sqlstate: "22003" },
    { value: await image("cam-good", 2), sqlstate: null },
    { value: await image("cam-refused", 3), sqlstate: "23514" },
    { value: await image("cam-good", 4), sqlstate: null },
  ];
  const inferences = [
    { value: inference("cam-good/0", "m"), sqlstate: null },
    { value: inference("cam-good/2", "m", 1e6), sqlstate: "22003" },
    { value: inference("cam-good/0", "refused-model"), sqlstate: "23514" },
    { value: inference("cam-good/4", "m"), sqlstate: null },
  ];
  const client = testKafkaClient(brokers);
  t.teardown(() => client.close());
  const producer = await client.producer();
  await producer.send(
    env["TOPIC_IMAGES"]!,
    images.map((m) => ({ key: "k", value: m.value, partition: 0, headers: { trace: "abc" } })),
  );
  await producer.send(env["TOPIC_INFERENCES"]!, inferences.map((m) => ({ key: "k", value: m.value, partition: 0 })));

  const refused = images.filter((m) => m.sqlstate).length + inferences.filter((m) => m.sqlstate).length;
  const letters = await readTopic(t, brokers, env["TOPIC_DEADLETTER"]!, refused);
  for (const [topic, sent] of [[env["TOPIC_IMAGES"]!, images], [env["TOPIC_INFERENCES"]!, inferences]] as const) {
    sent.forEach((m, offset) => {
      const d = letters.find((l) =>
        l.headers["troupe-source-topic"] === topic && l.headers["troupe-source-offset"] === String(offset)
      );
      if (m.sqlstate === null) return t.notOk(d, `${topic}@${offset} is not dead-lettered`);
      t.ok(d, `${topic}@${offset} is dead-lettered`);
      t.equal(d?.headers["troupe-reason"], "db_rejected");
      t.equal(d?.headers["troupe-sqlstate"], m.sqlstate, `${topic}@${offset}: SQLSTATE`);
      t.ok((d?.headers["troupe-detail"] ?? "").length > 0, `detail: ${d?.headers["troupe-detail"]}`);
      t.ok(d?.value.equals(m.value), `${topic}@${offset}: the original bytes`);
    });
  }
  t.equal(letters.find((l) => l.headers["troupe-source-topic"] === env["TOPIC_IMAGES"])?.headers["trace"], "abc");

  await until("the good images stored", async () => (await imageCount(sql)) >= 3, 30_000, 50);
  const rows = await sql<{ image_id: string }[]>`SELECT image_id FROM images ORDER BY image_id`;
  t.same(rows.map((r) => r.image_id), ["cam-good/0", "cam-good/2", "cam-good/4"]);
  const infs = await sql<{ image_id: string; model: string }[]>`
    SELECT image_id, model FROM inferences ORDER BY image_id, model`;
  t.same(infs.map((r) => `${r.image_id} ${r.model}`), ["cam-good/0 m", "cam-good/4 m"]);

  // Nothing blocks: the committed offsets are past every record, and the upserter never restarted.
  for (const [topic, n] of [[env["TOPIC_IMAGES"]!, images.length], [env["TOPIC_INFERENCES"]!, inferences.length]]) {
    await until(
      `${topic}: committed past the refused rows`,
      async () => {
        const [p] = await client.committedOffsets(env["DB_GROUP_ID"]!, topic as string);
        return p?.offset === String(n);
      },
      30_000,
      100,
    );
  }
  const upserter = await db.actor("/troupe/db/upserter");
  t.equal(upserter?.restarts, 0, "a refused row is not a database outage");
  t.match(upserter?.info, { rejectedRows: refused });
  t.match(await db.metrics(), /troupe_deadletter_total\{[^}]*reason="db_rejected"\} 4/);
  db.proc.kill("SIGTERM");
  t.equal(await db.exited, 0);
});
