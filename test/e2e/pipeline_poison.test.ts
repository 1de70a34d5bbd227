import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { captureEnvelope } from "../../protocols/capture.ts";
import { openCifarDataset } from "../../actors/simulator/mod.ts";
import { encodeImageEnvelope, sha256Hex } from "../../protocols/mod.ts";
import { testKafkaClient } from "../helpers/infra.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { imageCount, pipelineEnv, TEST_SYNTHETIC_DIR, testSql } from "../helpers/pipeline.ts";
import { readTopic } from "../helpers/topics.ts";
import { until } from "../helpers/wait.ts";

t.test("poison records from another client are dead-lettered with their reason; good ones around them are stored", async (t) => {
  const env: Record<string, string> = { ...pipelineEnv("poison"), MAX_MESSAGE_BYTES: "16384", TOPIC_PARTITIONS: "1" };
  const brokers = env["KAFKA_BROKERS"]!.split(",");
  const sql = testSql(env);
  t.teardown(() => sql.end());
  // The db node creates the topics and joins its group before anything is produced.
  const db = await startNodeProcess(t, { ...env, ROLE: "db" });

  const ds = await openCifarDataset(TEST_SYNTHETIC_DIR, "test").catch(async () => {
    const { ensureSyntheticCifar } = await import("../../actors/simulator/mod.ts");
    await ensureSyntheticCifar(TEST_SYNTHETIC_DIR, { seed: 1 });
    return openCifarDataset(TEST_SYNTHETIC_DIR, "test");
  });
  t.teardown(() => ds.close());
  const good = async (seq: number) =>
    captureEnvelope({
      deviceId: "cam-poison",
      seq,
      imageId: `cam-poison/${seq}`,
      capturedAt: new Date().toISOString(),
      record: await ds.read(seq),
    });
  const json = (v: unknown) => Buffer.from(JSON.stringify(v));
  const g0 = await good(0);
  const gif = Buffer.from("GIF89a not a png at all");
  const images: { value: Buffer; reason: string | null }[] = [
    { value: Buffer.from(encodeImageEnvelope(g0)), reason: null },
    { value: Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0xff]), reason: "not_json" },
    { value: Buffer.from(encodeImageEnvelope(await good(1))), reason: null },
    { value: json({ ...g0, v: 2 }), reason: "unknown_version" },
    { value: json({ ...g0, deviceId: undefined }), reason: "invalid_envelope" },
    // Passes an ISO 8601 check but PostgreSQL has no year 0: it must not reach (and fail) a batch.
    {
      value: json({ ...g0, imageId: "cam-poison/year0", capturedAt: "0000-01-01T00:00:00Z" }),
      reason: "invalid_envelope",
    },
    { value: Buffer.from(encodeImageEnvelope(await good(2))), reason: null },
    { value: json({ ...g0, data: "@@@@" }), reason: "bad_base64" },
    { value: json({ ...g0, sha256: "f".repeat(64) }), reason: "sha256_mismatch" },
    { value: json({ ...g0, data: gif.toString("base64"), sha256: sha256Hex(gif) }), reason: "not_png" },
    { value: json({ ...g0, padding: "x".repeat(20_000) }), reason: "oversize" },
    { value: Buffer.from(encodeImageEnvelope(await good(3))), reason: null },
  ];
  const inference = Buffer.from("{not json");
  // JSON that parses, with a label jsonb refuses (a lone surrogate): it must not reach (and fail) a batch.
  const surrogate = Buffer.from(
    `{"v":1,"imageId":"cam-poison/0","model":"m","top":[{"index":1,"label":"\\ud800","prob":0.5}],"latencyMs":1,"inferredAt":"2026-11-24T18:00:00Z"}`,
  );

  // kcat (librdkafka): a Kafka client independent of the one under test (infra/with_infra.sh installs it).
  t.doesNotThrow(() => execFileSync("kcat", ["-V"], { stdio: "ignore" }), "kcat is installed");
  const dir = mkdtempSync(join(tmpdir(), "troupe-poison-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = images.map((m, i) => {
    const f = join(dir, `m${String(i).padStart(2, "0")}`);
    writeFileSync(f, m.value);
    return f;
  });
  // Without -l, kcat sends each file as one record, in order.
  execFileSync("kcat", [
    "-P",
    "-b",
    brokers.join(","),
    "-t",
    env["TOPIC_IMAGES"]!,
    "-p",
    "0",
    "-k",
    "cam-poison",
    "-H",
    "trace=abc",
    ...files,
  ]);
  const inf = join(dir, "inference");
  writeFileSync(inf, inference);
  const sur = join(dir, "surrogate");
  writeFileSync(sur, surrogate);
  execFileSync("kcat", [
    "-P",
    "-b",
    brokers.join(","),
    "-t",
    env["TOPIC_INFERENCES"]!,
    "-p",
    "0",
    "-k",
    "cam-poison/0",
    "-H",
    "trace=abc",
    inf,
    sur,
  ]);
  const bad = images.map((m, offset) => ({ ...m, offset })).filter((m) => m.reason !== null);
  // every poison record dead-lettered
  const seen = await readTopic(t, brokers, env["TOPIC_DEADLETTER"]!, bad.length + 2);
  await until("good rows stored", async () => (await imageCount(sql)) >= 4, 60_000, 50);

  for (const b of bad) {
    const d = seen.find((s) =>
      s.headers["troupe-source-topic"] === env["TOPIC_IMAGES"] && s.headers["troupe-source-offset"] === String(b.offset)
    );
    t.ok(d, `offset ${b.offset} (${b.reason}) is in the dead-letter topic`);
    if (!d) continue;
    t.equal(d.headers["troupe-reason"], b.reason, `offset ${b.offset}: reason`);
    t.ok(d.headers["troupe-detail"]!.length > 0, `offset ${b.offset}: detail '${d.headers["troupe-detail"]}'`);
    t.equal(d.headers["troupe-source-partition"], "0");
    t.equal(d.headers["troupe-consumer"], env["DB_GROUP_ID"]);
    t.equal(d.headers["trace"], "abc", "the original headers are kept");
    t.equal(d.key, "cam-poison", "the original key is kept");
    t.ok(d.value.equals(b.value), `offset ${b.offset}: the original bytes are kept`);
  }
  const infs = seen.filter((s) => s.headers["troupe-source-topic"] === env["TOPIC_INFERENCES"]);
  t.same(infs.map((d) => [d.headers["troupe-source-offset"], d.headers["troupe-reason"]]), [["0", "not_json"], [
    "1",
    "invalid_envelope",
  ]]);
  t.ok(infs[0]?.value.equals(inference));
  t.ok(infs[1]?.value.equals(surrogate), "the lone-surrogate record's bytes are kept");
  t.match(infs[1]?.headers["troupe-detail"], /top\.0\.label: must be well-formed Unicode/);

  const rows = await sql<{ image_id: string }[]>`SELECT image_id FROM images ORDER BY image_id`;
  t.same(
    rows.map((r) => r.image_id),
    ["cam-poison/0", "cam-poison/1", "cam-poison/2", "cam-poison/3"],
    "the good records around the poison are stored",
  );

  // The partition kept flowing: the group's committed offset is past every record.
  const client = testKafkaClient(brokers);
  t.teardown(() => client.close());
  await until(
    "offsets committed past the poison",
    async () => {
      const [p] = await client.committedOffsets(env["DB_GROUP_ID"]!, env["TOPIC_IMAGES"]!);
      return p?.offset === String(images.length);
    },
    30_000,
    100,
  );
  t.pass(`committed offset of ${env["TOPIC_IMAGES"]}:0 is ${images.length}`);

  const metrics = await db.metrics();
  t.match(metrics, /troupe_deadletter_total\{[^}]*reason="not_json"\} 2/);
  t.match(metrics, /troupe_deadletter_total\{[^}]*reason="invalid_envelope"\} 3/);
  for (const reason of ["unknown_version", "bad_base64", "sha256_mismatch", "not_png", "oversize"]) {
    t.match(
      metrics,
      new RegExp(`troupe_deadletter_total\\{[^}]*reason="${reason}"\\} 1`),
      `${reason} counted in /metrics`,
    );
  }
  // The group's committed offset, the high watermark and the lag of the partition, as kafka-consumer-groups
  // reports them (test/integration/kafka_lag.test.ts compares the two), in /metrics (read from Kafka every 5 s).
  const sample = (text: string, name: string): string | undefined =>
    text.split("\n").find((l) =>
      l.startsWith(`${name}{`) && l.includes(`group="${env["DB_GROUP_ID"]}"`) &&
      l.includes(`topic="${env["TOPIC_IMAGES"]}"`) && l.includes(`partition="0"`)
    )?.split(" ").at(-1);
  await until(
    "the group's offsets of the images partition in /metrics",
    async () => {
      const m = await db.metrics();
      return sample(m, "troupe_kafka_committed_offset") === String(images.length) &&
        sample(m, "troupe_kafka_high_watermark") === String(images.length) &&
        sample(m, "troupe_kafka_consumer_lag") === "0";
    },
    20_000,
    250,
  );
  t.pass(`/metrics: committed ${images.length}, high watermark ${images.length}, lag 0`);
  db.proc.kill("SIGTERM");
  t.equal(await db.exited, 0);
});
