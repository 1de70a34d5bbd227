// A Kafka-to-PostgreSQL service in a project that installed the packed troupe and the two optional packages its
// capabilities need (@platformatic/kafka, postgres): troupe's migrations applied from the package (dist/sql/), a
// topic consumer feeding an actor that writes each amount as a row and hands the tokens back, every offset committed,
// then an orderly stop. tools/package_check.ts runs it when KAFKA_BROKERS and DATABASE_URL are set (CI runs the check
// under infra/with_infra.sh); it prints one JSON line and exits 0.
import { spawn, startSystem, supervise } from "troupe/system";
import { acked } from "troupe/protocols";
import { committedTotal, createKafkaClient, endOffsetTotal, ensureTopics, topicConsumer } from "troupe/kafka";
import { connectPostgres, migrate } from "troupe/db";

const brokers = process.env.KAFKA_BROKERS.split(",");
const id = `${process.pid}_${Date.now()}`;
const schema = `consumer_${id}`;
const topic = `consumer-${id}`;
const groupId = `consumer-${id}`;
const amounts = Array.from({ length: 20 }, (_, i) => i + 1);

const system = startSystem({ name: "consumer" });
const sql = connectPostgres(process.env.DATABASE_URL, { schema, max: 2 });
const client = createKafkaClient({ brokers });
try {
  const migrations = await migrate(sql, { schema, log: system.log });
  await sql.unsafe(`CREATE TABLE "${schema}".amounts (n integer PRIMARY KEY)`);
  await ensureTopics(brokers, [topic, `${topic}-dead`], { partitions: 2, log: system.log });
  const producer = await client.producer();
  await producer.send(topic, amounts.map((n) => ({ key: String(n), value: String(n) })));
  await producer.close();

  let stored = 0;
  let allStored;
  const done = new Promise((resolve) => (allStored = resolve));
  const sup = await supervise(system.root, { name: "ingest", strategy: "rest_for_one" });
  const writer = await spawn(sup, {
    init: () => null,
    receive: async (s, msg) => {
      const rows = msg.amounts.map((n) => ({ n }));
      const written = await sql`INSERT INTO amounts ${sql(rows)} ON CONFLICT DO NOTHING RETURNING n`;
      stored += written.length;
      msg.replyTo.trySend(acked(msg.acks));
      if (stored === amounts.length) allStored();
      return s;
    },
  }, { name: "writer", capacity: 4 });
  await spawn(
    sup,
    topicConsumer({
      brokers,
      groupId,
      topics: [topic],
      deadLetterTopic: `${topic}-dead`,
      decode: (r) => ({ ok: true, value: Number(new TextDecoder().decode(r.value)) }),
      downstream: writer,
      deliver: (values, acks, replyTo) => ({ amounts: values, acks, replyTo }),
      chunk: 8,
    }),
    { name: "consumer", capacity: 16 },
  );
  await done;
  await system.shutdown({ deadlineMs: 15_000 }); // the consumer stops first and commits what the writer answered
  const [{ rows, sum }] = await sql`SELECT count(*)::int AS rows, sum(n)::int AS sum FROM amounts`;
  const committed = committedTotal(await client.committedOffsets(groupId, topic));
  const end = endOffsetTotal(await client.topicOffsets(topic));
  console.log(JSON.stringify({ migrations: migrations.length, rows, sum, committed, end }));
} finally {
  await client.deleteTopics([topic, `${topic}-dead`]).catch(() => {});
  await client.close();
  await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  await sql.end();
  if (system.status !== "stopped") await system.shutdown();
}
