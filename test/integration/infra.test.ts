import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { formatStorage, kafkaClasspath, writeBrokerConfig } from "../../infra/kafka_jvm.ts";
import { createLogger } from "../../system/mod.ts";
import postgres from "postgres";
import type { ConsumedRecord } from "../../actors/kafka/mod.ts";
import { databaseUrl, testKafkaClient, uniqueName } from "../helpers/infra.ts";
import { until } from "../helpers/wait.ts";

t.test("a produce/consume round trip through the real Kafka broker", async (t) => {
  const client = testKafkaClient();
  t.teardown(() => client.close());
  const topic = uniqueName("troupe_it_roundtrip");
  t.equal(await client.ensureTopic(topic, { partitions: 2 }), true, "topic created");
  t.teardown(() => client.deleteTopics([topic]).catch(() => {}));
  const producer = await client.producer();
  const sent = Array.from(
    { length: 20 },
    (_, i) => ({ key: `dev-${i % 3}`, value: `payload-${i}`, headers: { seq: String(i) } }),
  );
  await producer.send(topic, sent);
  await producer.close();
  const got: ConsumedRecord[] = [];
  const consumer = await client.batchConsumer({
    groupId: uniqueName("g"),
    topics: [topic],
    fromBeginning: true,
    onBatch: async (b) => {
      got.push(...b.records);
      b.resolve(b.records[b.records.length - 1]!.offset);
    },
  });
  await until("20 records consumed", () => got.length >= 20, 60_000);
  await consumer.stop();
  const values = got.map((r) => Buffer.from(r.value!).toString()).sort();
  t.same(values, sent.map((s) => s.value).sort(), "every value came back once");
  for (const r of got) {
    const i = Number(r.headers["seq"]);
    t.equal(Buffer.from(r.key!).toString(), `dev-${i % 3}`, `record ${i} kept its key`);
  }
});

t.test("a query against the real PostgreSQL", async (t) => {
  const sql = postgres(databaseUrl(), { max: 1, onnotice: () => {} });
  t.teardown(() => sql.end());
  const schema = uniqueName("troupe_it");
  await sql.unsafe(`CREATE SCHEMA ${schema}`);
  t.teardown(() => sql.unsafe(`DROP SCHEMA ${schema} CASCADE`));
  await sql.unsafe(`CREATE TABLE ${schema}.t (id int PRIMARY KEY, v bytea)`);
  await sql.unsafe(`INSERT INTO ${schema}.t VALUES (1, '\\x0102ff'), (2, '\\x')`);
  const rows = await sql.unsafe(
    `SELECT id, v, (SELECT current_setting('server_version_num')::int) AS ver FROM ${schema}.t ORDER BY id`,
  );
  t.equal(rows.length, 2);
  t.same([...rows[0]!["v"]], [1, 2, 255]);
  t.ok(rows[0]!["ver"] >= 130000, "a real PostgreSQL server answered");
});

t.test("KRaft storage formats with a cluster id that starts with '-' (1 in 64 random ids do)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-format-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const log = createLogger({ level: "warn" });
  const files = writeBrokerConfig({ version: "3.9.1", port: 1, controllerPort: 2, dataDir: dir, heap: "256m" });
  const classpath = await kafkaClasspath("3.9.1", log);
  await formatStorage(classpath, files.serverProperties, files.logDir, log, "-fvlB4_0WU0MJG1QWOlJpg");
  t.match(readFileSync(join(files.logDir, "meta.properties"), "utf8"), /^cluster\.id=-fvlB4_0WU0MJG1QWOlJpg$/m);
});
