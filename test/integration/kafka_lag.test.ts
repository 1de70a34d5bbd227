// A group member's lag as troupe reads it (actors/kafka/offsets_watch.ts) beside what Kafka's own
// kafka-consumer-groups.sh (ConsumerGroupCommand, from the same Maven jars as the broker) prints for the
// same group, on the real broker, with each Kafka client.
import t from "tap";
import { KAFKA_CLIENTS, OffsetsWatch } from "../../actors/kafka/mod.ts";
import { DEFAULT_KAFKA_VERSION, kafkaClasspath } from "../../infra/kafka_jvm.ts";
import { run } from "../../infra/process.ts";
import { createLogger } from "../../system/mod.ts";
import { createKafkaClient } from "../../actors/kafka/mod.ts";
import { kafkaBrokers, uniqueName } from "../helpers/infra.ts";
import { until } from "../helpers/wait.ts";

/** `kafka-consumer-groups.sh --describe --group g`: CURRENT-OFFSET, LOG-END-OFFSET and LAG by partition. */
async function describeGroup(groupId: string): Promise<Map<number, { current: string; end: string; lag: string }>> {
  const classpath = await kafkaClasspath(DEFAULT_KAFKA_VERSION, createLogger({ level: "warn" }));
  const out = await run("java", [
    "-cp",
    classpath,
    "org.apache.kafka.tools.consumer.group.ConsumerGroupCommand",
    "--bootstrap-server",
    kafkaBrokers().join(","),
    "--describe",
    "--group",
    groupId,
  ]);
  const lines = out.stdout.split("\n").filter((l) => l.trim());
  const header = lines.findIndex((l) => /\bPARTITION\b/.test(l));
  const cols = lines[header]!.trim().split(/\s+/);
  const at = (name: string) => cols.indexOf(name);
  const rows = new Map<number, { current: string; end: string; lag: string }>();
  for (const l of lines.slice(header + 1)) {
    const f = l.trim().split(/\s+/);
    rows.set(Number(f[at("PARTITION")]), {
      current: f[at("CURRENT-OFFSET")]!,
      end: f[at("LOG-END-OFFSET")]!,
      lag: f[at("LAG")]!,
    });
  }
  return rows;
}

for (const kind of KAFKA_CLIENTS) {
  t.test(`${kind}: committed offset, high watermark and lag per partition agree with kafka-consumer-groups`, async (t) => {
    const client = createKafkaClient({ brokers: kafkaBrokers(), client: kind });
    t.teardown(() => client.close());
    const topic = uniqueName(`troupe_it_lag_${kind}`);
    await client.ensureTopic(topic, { partitions: 3 });
    t.teardown(() => client.deleteTopics([topic]).catch(() => {}));
    const producer = await client.producer();
    for (const [partition, n] of [[0, 10], [1, 20], [2, 30]] as const) {
      await producer.send(topic, Array.from({ length: n }, (_, i) => ({ key: null, value: `v${i}`, partition })));
    }
    await producer.close();
    const groupId = uniqueName("lag");
    const member = await client.batchConsumer({
      groupId,
      topics: [topic],
      // Resolved but never committed here: what the group has committed is set below.
      onBatch: async (b) => b.resolve(b.records.at(-1)!.offset),
    });
    t.teardown(() => member.stop());
    await until("all three partitions assigned", () => member.assigned().length === 3, 30_000);
    await member.commit([{ topic, partition: 0, offset: "4" }, { topic, partition: 2, offset: "30" }]);
    const watch = new OffsetsWatch({ client, groupId, topics: [topic], assigned: () => member.assigned() });
    await watch.refresh();
    t.same(watch.latest(), [
      { topic, partition: 0, committed: "4", high: "10", lag: 6 },
      { topic, partition: 1, committed: null, high: "20", lag: 20 },
      { topic, partition: 2, committed: "30", high: "30", lag: 0 },
    ]);
    const tool = await describeGroup(groupId);
    for (const o of watch.latest()) {
      const row = tool.get(o.partition);
      t.ok(row, `kafka-consumer-groups lists partition ${o.partition}`);
      t.equal(row?.end, o.high, `partition ${o.partition}: LOG-END-OFFSET`);
      if (o.committed === null) {
        t.same([row?.current, row?.lag], ["-", "-"], `partition ${o.partition}: no committed offset`);
      } else {
        t.same(
          [row?.current, row?.lag],
          [o.committed, String(o.lag)],
          `partition ${o.partition}: CURRENT-OFFSET and LAG`,
        );
      }
    }
  });
}
