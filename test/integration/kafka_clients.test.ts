// The contract of troupe's Kafka client (actors/kafka/client.ts), run against the real
// broker once per adapter: whatever KAFKA_CLIENT picks behaves the same.
import { spawn } from "node:child_process";
import { join } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import t, { type Test } from "tap";
import {
  type BatchConsumer,
  committedTotal,
  type ConsumedRecord,
  createKafkaClient,
  endOffsetTotal,
  KAFKA_CLIENTS,
  type KafkaClient,
  type TopicPartition,
} from "../../actors/kafka/mod.ts";
import { kafkaBrokers, uniqueName } from "../helpers/infra.ts";
import { until } from "../helpers/wait.ts";

const text = (b: Uint8Array | null) => (b === null ? null : Buffer.from(b).toString());

async function topicOf(t: Test, client: KafkaClient, partitions: number): Promise<string> {
  const topic = uniqueName(`troupe_it_${client.kind}`);
  t.equal(await client.ensureTopic(topic, { partitions }), true, "topic created");
  t.equal(await client.ensureTopic(topic, { partitions }), false, "an existing topic is left as it is");
  t.teardown(() => client.deleteTopics([topic]).catch(() => {}));
  return topic;
}

for (const kind of KAFKA_CLIENTS) {
  t.test(`${kind}: records, keys, headers and partitions come back as sent; offsets and commits are read back`, async (t) => {
    const client = createKafkaClient({ brokers: kafkaBrokers(), client: kind });
    t.teardown(() => client.close());
    t.equal(client.kind, kind);
    const info = await client.describeCluster();
    t.same(info.brokers.map((b) => `${b.host}:${b.port}`), kafkaBrokers(), "the cluster names the broker we reached");
    t.match(info.clusterId, /^[A-Za-z0-9_-]{22}$/, "a KRaft cluster id");
    const topic = await topicOf(t, client, 3);
    t.same(await client.committedOffsets("nobody", topic), [0, 1, 2].map((partition) => ({ partition, offset: null })));
    const producer = await client.producer();
    const sent = Array.from({ length: 30 }, (_, i) => ({
      key: `dev-${i % 5}`,
      value: `payload-${i}`,
      headers: { seq: String(i), trace: "abc" },
    }));
    await producer.send(topic, sent);
    await producer.send(topic, [{ key: null, value: new Uint8Array([0, 1, 255]), partition: 2 }]);
    await producer.close();
    const offsets = await client.topicOffsets(topic);
    t.same(offsets.map((o) => [o.partition, o.low]), [[0, "0"], [1, "0"], [2, "0"]]);
    t.equal(endOffsetTotal(offsets), 31, "31 records written");

    const groupId = uniqueName("g");
    const got: ConsumedRecord[] = [];
    const consumer = await client.batchConsumer({
      groupId,
      topics: [topic],
      onBatch: async (b) => {
        got.push(...b.records);
        b.resolve(b.records.at(-1)!.offset);
      },
    });
    t.teardown(() => consumer.stop());
    await until("31 records consumed", () => got.length >= 31, 60_000);
    const keyed = got.filter((r) => r.key !== null);
    t.same(keyed.map((r) => text(r.value)).sort(), sent.map((s) => s.value).sort(), "every value came back once");
    for (const r of keyed) {
      const i = Number(r.headers["seq"]);
      t.equal(text(r.key), `dev-${i % 5}`, `record ${i} kept its key`);
      t.equal(r.headers["trace"], "abc", `record ${i} kept its headers`);
    }
    const byKey = new Map<string, Set<number>>();
    for (const r of keyed) byKey.set(text(r.key)!, (byKey.get(text(r.key)!) ?? new Set()).add(r.partition));
    t.ok([...byKey.values()].every((ps) => ps.size === 1), "a key stays on one partition");
    // Java's default partitioner (murmur2, positive): kafkajs and Kafka's own tools place these keys so.
    t.same(
      Object.fromEntries([...byKey].map(([k, ps]) => [k, [...ps][0]])),
      JAVA_PARTITIONS,
      "keys placed as Java does",
    );
    const unkeyed = got.find((r) => r.key === null);
    t.same(
      unkeyed && [unkeyed.partition, [...unkeyed.value!]],
      [2, [0, 1, 255]],
      "an explicit partition and raw bytes",
    );
    await until("lag caught up", () => Object.values(consumer.lag()).every((n) => n === 0), 10_000);

    await consumer.commit([{ topic, partition: 2, offset: "1" }, { topic, partition: 0, offset: "2" }]);
    const committed = await client.committedOffsets(groupId, topic);
    t.same(committed, [{ partition: 0, offset: "2" }, { partition: 1, offset: null }, { partition: 2, offset: "1" }]);
    t.equal(committedTotal(committed), 3);
    t.same(await client.topicOffsets(uniqueName("missing")), [], "a missing topic has no offsets");
    t.same(await client.committedOffsets(groupId, uniqueName("missing")), []);
  });

  t.test(`${kind}: an unresolved tail is fetched again; a paused partition is not fetched until resumed`, async (t) => {
    const client = createKafkaClient({ brokers: kafkaBrokers(), client: kind });
    t.teardown(() => client.close());
    const topic = await topicOf(t, client, 2);
    const producer = await client.producer();
    t.teardown(() => producer.close());
    await producer.send(topic, Array.from({ length: 6 }, (_, i) => ({ key: null, value: `a${i}`, partition: 0 })));
    const seen: string[] = [];
    let firstBatch: string[] | null = null;
    // onAssign can come before batchConsumer() resolves: the member is reached through a holder.
    const held: { consumer?: BatchConsumer } = {};
    const p1: TopicPartition = { topic, partition: 1 };
    const consumer = await client.batchConsumer({
      groupId: uniqueName("g"),
      topics: [topic],
      onAssign: (tps) => {
        if (tps.some((tp) => tp.partition === 1)) held.consumer?.pause([p1]);
      },
      onBatch: async (b) => {
        const ids = b.records.map((r) => `${r.partition}:${r.offset}`);
        seen.push(...ids);
        // The first batch resolves only its first record: the rest must come again.
        b.resolve(firstBatch ? b.records.at(-1)!.offset : b.records[0]!.offset);
        firstBatch ??= ids;
      },
    });
    held.consumer = consumer;
    t.teardown(() => consumer.stop());
    consumer.pause([p1]);
    // The first batch ends at 0:5 (it was sent in one request): the tail is handed over a second time.
    await until("partition 0's tail fetched again", () => seen.filter((s) => s === "0:5").length >= 2, 30_000);
    t.ok(firstBatch!.length > 1, `the first batch held ${firstBatch!.length} records`);
    for (const id of firstBatch!.slice(1)) t.equal(seen.filter((s) => s === id).length, 2, `${id}: handed over again`);
    t.equal(seen.filter((s) => s === "0:0").length, 1, "the resolved record was not");
    t.same(consumer.paused(), [p1]);

    await producer.send(topic, [{ key: null, value: "b0", partition: 1 }, { key: null, value: "a6", partition: 0 }]);
    await until("the unpaused partition goes on", () => seen.includes("0:6"), 30_000);
    t.notOk(seen.some((s) => s.startsWith("1:")), "nothing of the paused partition was handed over");
    consumer.resume([p1]);
    t.same(consumer.paused(), []);
    await until("the resumed partition is read", () => seen.includes("1:0"), 30_000);
    t.same(consumer.assigned().map((tp) => tp.partition).sort(), [0, 1]);
  });

  t.test(`${kind}: a topic made with settings reports them; a stopped member's group resumes where it committed`, async (t) => {
    const client = createKafkaClient({ brokers: kafkaBrokers(), client: kind });
    t.teardown(() => client.close());
    const topic = uniqueName(`troupe_it_${kind}_cfg`);
    await client.ensureTopic(topic, { partitions: 1, configs: { "max.message.bytes": "2097152" } });
    t.teardown(() => client.deleteTopics([topic]).catch(() => {}));
    t.equal(await client.maxMessageBytes(topic), 2_097_152);
    const producer = await client.producer({ compression: "gzip" });
    t.teardown(() => producer.close());
    await producer.send(topic, Array.from({ length: 10 }, (_, i) => ({ key: "k", value: `v${i}` })));
    const groupId = uniqueName("g");
    const read = async (until_: (offsets: string[]) => boolean) => {
      const offsets: string[] = [];
      const c = await client.batchConsumer({
        groupId,
        topics: [topic],
        onBatch: async (b) => {
          offsets.push(...b.records.map((r) => r.offset));
          b.resolve(b.records.at(-1)!.offset);
          if (until_(offsets)) await c.commit([{ topic, partition: 0, offset: String(Number(offsets.at(-1)) + 1) }]);
        },
      });
      await until("read", () => until_(offsets), 30_000);
      await c.stop();
      return offsets;
    };
    t.same(await read((o) => o.includes("9")), ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9"], "gzip batches read");
    t.same(await client.committedOffsets(groupId, topic), [{ partition: 0, offset: "10" }]);
    await producer.send(topic, [{ key: "k", value: "v10" }]);
    t.same(await read((o) => o.includes("10")), ["10"], "the group resumes after its committed offset");
  });
}

/** Where Kafka's Java client puts keys `dev-0`..`dev-4` on 3 partitions (murmur2 & 0x7fffffff, mod 3). */
const JAVA_PARTITIONS = javaPartitions(["dev-0", "dev-1", "dev-2", "dev-3", "dev-4"], 3);

function javaPartitions(keys: string[], partitions: number): Record<string, number> {
  return Object.fromEntries(keys.map((k) => [k, (murmur2(Buffer.from(k)) & 0x7fffffff) % partitions]));
}

/** Kafka's murmur2 (org.apache.kafka.common.utils.Utils.murmur2), seed 0x9747b28c. */
function murmur2(data: Buffer): number {
  const m = 0x5bd1e995;
  let h = (0x9747b28c ^ data.length) | 0;
  const n4 = data.length & ~3;
  for (let i = 0; i < n4; i += 4) {
    let k = data.readInt32LE(i);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  const rest = data.length & 3;
  if (rest === 3) h ^= (data[n4 + 2]! & 0xff) << 16;
  if (rest >= 2) h ^= (data[n4 + 1]! & 0xff) << 8;
  if (rest >= 1) {
    h ^= data[n4]! & 0xff;
    h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

for (const kind of KAFKA_CLIENTS) {
  t.test(`${kind}: a batch handler that throws ends the member with the error`, async (t) => {
    const client = createKafkaClient({ brokers: kafkaBrokers(), client: kind });
    t.teardown(() => client.close());
    const topic = await topicOf(t, client, 1);
    const producer = await client.producer();
    t.teardown(() => producer.close());
    await producer.send(topic, [{ key: null, value: "x" }]);
    const crashes: unknown[] = [];
    let calls = 0;
    const member = await client.batchConsumer({
      groupId: uniqueName("g"),
      topics: [topic],
      onBatch: async () => {
        calls++;
        throw new Error("the results could not be sent");
      },
      onCrash: (err) => crashes.push(err),
    });
    t.teardown(() => member.stop());
    await until("the member reports the handler's error", () => crashes.length > 0, 60_000);
    t.match(String((crashes[0] as Error).message), /the results could not be sent/);
    t.ok(calls >= 1, `the handler ran ${calls} times`);
  });
}

/** A group member in a process of its own (killed with SIGKILL: no LeaveGroup reaches the broker). */
async function memberProcess(t: Test, options: { topic: string; groupId: string; instanceId: string }) {
  const mod = pathToFileURL(join(process.cwd(), "actors/kafka/mod.ts")).href;
  const code = `
    const { createKafkaClient } = await import(${JSON.stringify(mod)});
    const client = createKafkaClient({ brokers: ${JSON.stringify(kafkaBrokers())}, client: "platformatic" });
    await client.batchConsumer({
      groupId: ${JSON.stringify(options.groupId)}, topics: [${JSON.stringify(options.topic)}],
      groupInstanceId: ${JSON.stringify(options.instanceId)},
      onAssign: (tps) => console.log("assigned " + tps.length),
      onBatch: async (b) => b.resolve(b.records.at(-1).offset),
    });`;
  const child = spawn(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  t.teardown(() => void child.kill("SIGKILL"));
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  await until("the member process assigned both partitions", () => out.includes("assigned 2"), 30_000);
  return child;
}

t.test("platformatic: a static member killed and restarted takes its partitions back without waiting out the session", async (t) => {
  const client = createKafkaClient({ brokers: kafkaBrokers(), client: "platformatic" });
  t.teardown(() => client.close());
  const topic = await topicOf(t, client, 2);
  const groupId = uniqueName("g");
  const first = await memberProcess(t, { topic, groupId, instanceId: "node-1-db" });
  first.kill("SIGKILL");
  await new Promise((r) => first.once("exit", r));
  const restartedAt = performance.now();
  const seen: string[] = [];
  let assigned: TopicPartition[] = [];
  const second = await client.batchConsumer({
    groupId,
    topics: [topic],
    groupInstanceId: "node-1-db",
    onAssign: (tps) => (assigned = tps),
    onBatch: async (b) => {
      seen.push(...b.records.map((r) => text(r.value)!));
      b.resolve(b.records.at(-1)!.offset);
    },
  });
  t.teardown(() => second.stop());
  const producer = await client.producer();
  t.teardown(() => producer.close());
  await producer.send(topic, [{ key: null, value: "after", partition: 0 }, {
    key: null,
    value: "after",
    partition: 1,
  }]);
  await until("records flow to the restarted member", () => seen.length >= 2, 25_000);
  const seconds = (performance.now() - restartedAt) / 1000;
  // A dynamic member would wait for the dead one's session (30 s) to end before the group rebalances.
  t.ok(seconds < 15, `records flowed ${seconds.toFixed(1)} s after the restart (session timeout 30 s)`);
  t.same(assigned.map((tp) => tp.partition).sort(), [0, 1], "both partitions back");
});

t.test("platformatic: a second live member with the same group.instance.id fences the first, which says why", async (t) => {
  const client = createKafkaClient({ brokers: kafkaBrokers(), client: "platformatic" });
  t.teardown(() => client.close());
  const topic = await topicOf(t, client, 1);
  const groupId = uniqueName("g");
  const crashes: unknown[] = [];
  const options = {
    groupId,
    topics: [topic],
    groupInstanceId: "same-id",
    onBatch: async () => {},
  };
  const a = await client.batchConsumer({ ...options, onCrash: (err) => crashes.push(err) });
  t.teardown(() => a.stop());
  const b = await client.batchConsumer(options);
  t.teardown(() => b.stop());
  await until("the first member reports it was fenced", () => crashes.length > 0, 30_000);
  t.match(
    String((crashes[0] as Error).message),
    /another member joined with this member's group\.instance\.id 'same-id'/,
  );
});
