// The contract of troupe's Kafka client (actors/kafka/client.ts), run against the real
// broker once per adapter, and for platformatic once per group protocol: whatever
// KAFKA_CLIENT and KAFKA_GROUP_PROTOCOL pick behaves the same.
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
  type KafkaConnection,
  type PartitionBatch,
  readTopicFromStart,
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

/** Each adapter, and the platformatic one under KIP-848's consumer group protocol as well. */
const VARIANTS: { name: string; connection: KafkaConnection }[] = [
  ...KAFKA_CLIENTS.map((kind) => ({ name: kind, connection: { client: kind } })),
  { name: "platformatic (consumer protocol)", connection: { client: "platformatic", groupProtocol: "consumer" } },
];

for (const { name: kind, connection } of VARIANTS) {
  t.test(`${kind}: records, keys, headers and partitions come back as sent; offsets and commits are read back`, async (t) => {
    const client = createKafkaClient({ brokers: kafkaBrokers(), ...connection });
    t.teardown(() => client.close());
    t.equal(client.kind, connection.client);
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
    const client = createKafkaClient({ brokers: kafkaBrokers(), ...connection });
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
    const client = createKafkaClient({ brokers: kafkaBrokers(), ...connection });
    t.teardown(() => client.close());
    const topic = uniqueName(`troupe_it_${client.kind}_cfg`);
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

for (const { name: kind, connection } of VARIANTS) {
  t.test(`${kind}: a tombstone comes back as a null value; each record carries its time (a compacted LogAppendTime topic)`, async (t) => {
    const client = createKafkaClient({ brokers: kafkaBrokers(), ...connection });
    t.teardown(() => client.close());
    const topic = uniqueName(`troupe_it_${client.kind}_compact`);
    await client.ensureTopic(topic, {
      configs: { "cleanup.policy": "compact", "message.timestamp.type": "LogAppendTime" },
    });
    t.teardown(() => client.deleteTopics([topic]).catch(() => {}));
    const producer = await client.producer();
    t.teardown(() => producer.close());
    const before = Date.now();
    await producer.send(topic, [{ key: "node-1", value: "beat" }, { key: "node-1", value: null }]);
    const after = Date.now();
    const got: ConsumedRecord[] = [];
    const reader = await readTopicFromStart(client, topic, (r) => got.push(r));
    t.teardown(() => reader.stop());
    await until("both records read", () => got.length >= 2, 30_000);
    t.same(
      got.map((r) => [text(r.key), text(r.value)]),
      [["node-1", "beat"], ["node-1", null]],
      "the tombstone's value is null",
    );
    for (const r of got) {
      // The broker's append time, on this machine's clock: within the send's own span (a second's leeway).
      t.ok(
        r.timestamp >= before - 1_000 && r.timestamp <= after + 1_000,
        `offset ${r.offset}: time ${r.timestamp} in [${before}, ${after}]`,
      );
    }
  });

  t.test(`${kind}: a batch handler that throws ends the member with the error`, async (t) => {
    const client = createKafkaClient({ brokers: kafkaBrokers(), ...connection });
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
async function memberProcess(
  t: Test,
  options: { topic: string; groupId: string; instanceId: string; groupProtocol?: "classic" | "consumer" },
) {
  const mod = pathToFileURL(join(process.cwd(), "actors/kafka/mod.ts")).href;
  const connection = { client: "platformatic", groupProtocol: options.groupProtocol ?? "classic" };
  const code = `
    const { createKafkaClient } = await import(${JSON.stringify(mod)});
    const client = createKafkaClient({ brokers: ${JSON.stringify(kafkaBrokers())}, ...${JSON.stringify(connection)} });
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

t.test("platformatic (consumer protocol): a static member killed and restarted is refused while its session lasts", async (t) => {
  // Why KAFKA_GROUP_PROTOCOL defaults to classic: under KIP-848 the killed member keeps its group.instance.id until its
  // session ends (45 s on a default broker), so the restart cannot take its partitions back at once.
  const client = createKafkaClient({ brokers: kafkaBrokers(), client: "platformatic", groupProtocol: "consumer" });
  t.teardown(() => client.close());
  const topic = await topicOf(t, client, 2);
  const groupId = uniqueName("g");
  const first = await memberProcess(t, { topic, groupId, instanceId: "node-1-db", groupProtocol: "consumer" });
  first.kill("SIGKILL");
  await new Promise((r) => first.once("exit", r));
  const restartedAt = performance.now();
  const refused = await client.batchConsumer({
    groupId,
    topics: [topic],
    groupInstanceId: "node-1-db",
    releaseWaitMs: 3_000,
    onBatch: async () => {},
  }).then((m) => m.stop().then(() => null), (err: unknown) => err as Error);
  t.match(String(refused?.message), /another live member has this member's group\.instance\.id 'node-1-db'/);
  t.ok(performance.now() - restartedAt >= 3_000, "it joined again for the 3 s it was given before failing");
});

for (const groupProtocol of ["classic", "consumer"] as const) {
  t.test(`platformatic (${groupProtocol} protocol): two live members with one group.instance.id: one is refused, and says why`, async (t) => {
    const client = createKafkaClient({ brokers: kafkaBrokers(), client: "platformatic", groupProtocol });
    t.teardown(() => client.close());
    const topic = await topicOf(t, client, 1);
    const crashes: unknown[] = [];
    const options = {
      groupId: uniqueName("g"),
      topics: [topic],
      groupInstanceId: "same-id",
      // The consumer protocol refuses a newcomer while the id is held, and it joins again meanwhile (a killed
      // incarnation's id is released when its session ends): 3 s of that here.
      releaseWaitMs: 3_000,
      onBatch: async () => {},
    };
    const a = await client.batchConsumer({ ...options, onCrash: (err) => crashes.push(err) });
    t.teardown(() => a.stop());
    // Classic: the newcomer joins and the broker fences the older member. Consumer protocol: the newcomer is refused.
    const b = await client.batchConsumer(options).then(
      (member) => {
        t.teardown(() => member.stop());
        return null;
      },
      (err: unknown) => err,
    );
    if (b) crashes.push(b);
    await until("a member reports the shared id", () => crashes.length > 0, 30_000);
    t.match(
      String((crashes[0] as Error).message),
      /another live member has this member's group\.instance\.id 'same-id' and the broker refused this one/,
    );
  });
}

/**
 * A second member joins a group of one. Each member fetches every partition it holds and leaves the batches in hand
 * (resolving nothing); `before` is the first member's latest batch of each partition, taken as the second joins.
 */
async function secondMemberJoins(t: Test, connection: KafkaConnection) {
  const client = createKafkaClient({ brokers: kafkaBrokers(), ...connection });
  t.teardown(() => client.close());
  const topic = await topicOf(t, client, 4);
  const producer = await client.producer();
  t.teardown(() => producer.close());
  await producer.send(topic, [0, 1, 2, 3].map((partition) => ({ key: null, value: `p${partition}`, partition })));
  const groupId = uniqueName("g");
  const member = async (latest: Map<number, PartitionBatch>) => {
    const m = await client.batchConsumer({
      groupId,
      topics: [topic],
      onBatch: async (b) => void latest.set(b.partition, b),
    });
    t.teardown(() => m.stop());
    return m;
  };
  const firstLatest = new Map<number, PartitionBatch>();
  const first = await member(firstLatest);
  await until("the first member holds a batch of every partition", () => firstLatest.size === 4, 30_000);
  const before = new Map(firstLatest);
  const second = await member(new Map());
  await until(
    "the partitions shared out",
    () => first.assigned().length === 2 && second.assigned().length === 2,
    60_000,
  );
  const kept = first.assigned().map((tp) => tp.partition);
  return { before, kept, moved: [0, 1, 2, 3].filter((p) => !kept.includes(p)) };
}

t.test("platformatic (consumer protocol): a member joining moves only the partitions it takes; the others' batches stay live", async (t) => {
  const { before, kept, moved } = await secondMemberJoins(t, { client: "platformatic", groupProtocol: "consumer" });
  for (const p of kept) t.ok(before.get(p)!.active(), `partition ${p} stayed with the first member: its batch is live`);
  for (const p of moved) t.notOk(before.get(p)!.active(), `partition ${p} moved: the first member's batch is stale`);
});

t.test("platformatic (classic protocol): a member joining makes every batch in hand stale (an eager rebalance)", async (t) => {
  const { before } = await secondMemberJoins(t, { client: "platformatic", groupProtocol: "classic" });
  for (const [p, b] of before) t.notOk(b.active(), `partition ${p}: stale`);
});

t.test("kafkajs has no consumer group protocol: asking for it is refused with the setting named", async (t) => {
  t.throws(
    () => createKafkaClient({ brokers: kafkaBrokers(), client: "kafkajs", groupProtocol: "consumer" }),
    /KAFKA_GROUP_PROTOCOL=consumer needs KAFKA_CLIENT=platformatic/,
  );
});
