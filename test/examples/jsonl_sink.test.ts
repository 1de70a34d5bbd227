// The JSON-lines sink (examples/jsonl_sink.ts, no Kafka import) fed by troupe's topic consumer from a real broker:
// every good record written once, an oversize one refused and dead-lettered, a file that cannot be written handed
// back and written once it can, every offset committed.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { topicConsumer } from "../../actors/kafka/mod.ts";
import { silentLogger, spawn, startSystem, supervise } from "../../system/mod.ts";
import { findInSnapshot } from "../../system/observe.ts";
import { jsonlSink, type JsonlSinkMsg } from "../../examples/jsonl_sink.ts";
import { testKafkaClientKind } from "../helpers/infra.ts";
import { consumedTopic, everyOffsetCommitted, readTopic } from "../helpers/topics.ts";
import { until } from "../helpers/wait.ts";

type Reading = { day: string; n: number; pad?: string };

t.test("a JSON-lines sink fed by the topic consumer: written once, refused dead-lettered, retried, committed", async (t) => {
  const { brokers, client, topic, dlq, groupId } = await consumedTopic(t, "jsonl", 2);
  const readings: Reading[] = Array.from({ length: 60 }, (_, n) => ({ day: n % 2 === 0 ? "mon" : "tue", n }));
  const oversize: Reading = { day: "mon", n: 999, pad: "x".repeat(500) };
  const producer = await client.producer();
  await producer.send(topic, [...readings, oversize].map((r) => ({ key: String(r.n), value: JSON.stringify(r) })));
  await producer.close();

  const dir = mkdtempSync(join(tmpdir(), "troupe-jsonl-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  // tue.jsonl is a folder at first: appending to it fails, and its items are handed back to retry.
  mkdirSync(join(dir, "tue.jsonl"));
  const system = startSystem({ name: "archive", logger: silentLogger });
  t.teardown(() => system.shutdown({ deadlineMs: 10_000 }));
  const sup = await supervise(system.root, { name: "archive", strategy: "rest_for_one" });
  const sink = await spawn(
    sup,
    jsonlSink<Reading>({ dir, fileOf: (r) => `${r.day}.jsonl`, maxLineBytes: 200 }),
    { name: "sink", capacity: 4 },
  );
  const consumer = topicConsumer<Reading, JsonlSinkMsg<Reading>>({
    brokers,
    connection: { client: testKafkaClientKind() },
    groupId,
    topics: [topic],
    deadLetterTopic: dlq,
    decode: (r) => ({ ok: true, value: JSON.parse(new TextDecoder().decode(r.value!)) as Reading }),
    downstream: sink,
    deliver: (items, acks, replyTo) => ({ type: "jsonl.write", items, acks, replyTo }),
    chunk: 8,
    // Tuesday's items are retried until the folder is gone, however long that takes here (never dead-lettered).
    retryMs: 100,
    retryMaxMs: 400,
    maxRetries: Infinity,
  });
  await spawn(sup, consumer, { name: "consumer", capacity: 16 });

  const lines = (file: string): Reading[] =>
    existsSync(join(dir, file)) && statSync(join(dir, file)).isFile()
      ? readFileSync(join(dir, file), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Reading)
      : [];
  await until("every monday reading written", () => lines("mon.jsonl").length >= 30, 60_000, 20);
  t.same(lines("tue.jsonl"), [], "nothing for tuesday while its file cannot be written");
  const consumerInfo = () => findInSnapshot(system.snapshot(), "/archive/archive/consumer")?.info ?? {};
  // `retried` counts records handed again, which happens `retryMs` after the sink asked.
  await until("tuesday's readings handed again", () => Number(consumerInfo()["retried"]) >= 1, 60_000, 20);
  t.same(lines("tue.jsonl"), [], "still nothing for tuesday after a retry");
  rmSync(join(dir, "tue.jsonl"), { recursive: true });
  await until("every tuesday reading written once the file can be", () => lines("tue.jsonl").length >= 30, 60_000, 20);

  await everyOffsetCommitted(client, groupId, topic);
  const written = [...lines("mon.jsonl"), ...lines("tue.jsonl")];
  t.same(written.map((r) => r.n).sort((a, b) => a - b), readings.map((r) => r.n), "each reading written once");
  t.ok(lines("tue.jsonl").every((r) => r.day === "tue") && lines("mon.jsonl").every((r) => r.day === "mon"));

  const letters = (await readTopic(t, brokers, dlq, 1)).map((r) => ({
    reason: r.headers["troupe-reason"],
    value: r.value.toString(),
  }));
  t.same(letters, [{ reason: "oversize", value: JSON.stringify(oversize) }], "refused by the sink, with its bytes");
});
