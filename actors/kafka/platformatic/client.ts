/**
 * The @platformatic/kafka adapter of troupe's Kafka client (../client.ts has the
 * contract): a maintained, pure TypeScript client that also runs on Deno. 1.x is
 * the line that supports Node 20 (2.x needs Node 22.22 or later).
 */
import { Admin, compatibilityPartitioner, Producer } from "@platformatic/kafka";
import type { KafkaClient, KafkaClientOptions } from "../client.ts";
import { startBatchConsumer } from "./batch_consumer.ts";
import { joinPatiently } from "./join_wait.ts";
import { baseOptions } from "./connection.ts";
import { errorText } from "./records.ts";
import { renewingWhenSlow } from "./renew_connections.ts";

/** Kafka's resource type of a topic in DescribeConfigs. */
const TOPIC_RESOURCE = 2;

/** Creates a client; nothing connects until a method needs it. */
export function createClient(options: KafkaClientOptions): Omit<KafkaClient, "kind"> {
  const base = baseOptions(options);
  let admin: Admin | null = null;
  const open = new Set<{ close(): Promise<void> }>();
  const getAdmin = () => {
    if (!admin) {
      admin = new Admin(base);
      open.add(admin);
    }
    return admin;
  };
  const topicExists = async (topic: string) => (await getAdmin().listTopics()).includes(topic);
  /** The topic's partition numbers; none when it does not exist. */
  const partitionsOf = async (topic: string): Promise<number[]> => {
    if (!(await topicExists(topic))) return [];
    const count = (await getAdmin().metadata({ topics: [topic] })).topics.get(topic)?.partitionsCount ?? 0;
    return Array.from({ length: count }, (_, i) => i);
  };
  return {
    brokers: options.brokers,
    async describeCluster() {
      const m = await getAdmin().metadata({ topics: [] });
      return {
        clusterId: m.id,
        controller: m.controllerId >= 0 ? m.controllerId : null,
        brokers: [...m.brokers].map(([nodeId, b]) => ({ nodeId, host: b.host, port: b.port })),
      };
    },
    async ensureTopic(topic, opts = {}) {
      if (await topicExists(topic)) return false;
      try {
        await getAdmin().createTopics({
          topics: [topic],
          partitions: opts.partitions ?? 1,
          replicas: opts.replicationFactor ?? 1,
          configs: Object.entries(opts.configs ?? {}).map(([name, value]) => ({ name, value })),
        });
      } catch (err) {
        if (/TOPIC_ALREADY_EXISTS/.test(errorText(err))) return false;
        throw err;
      }
      return true;
    },
    async deleteTopics(topics) {
      await getAdmin().deleteTopics({ topics });
    },
    async maxMessageBytes(topic) {
      const [r] = await getAdmin().describeConfigs({
        resources: [{ resourceType: TOPIC_RESOURCE, resourceName: topic, configurationKeys: ["max.message.bytes"] }],
      });
      const value = Number(r?.configs.find((c) => c.name === "max.message.bytes")?.value);
      if (!Number.isInteger(value) || value <= 0) throw new Error(`topic ${topic}: no max.message.bytes in its config`);
      return value;
    },
    async topicOffsets(topic) {
      const a = getAdmin();
      const partitions = await partitionsOf(topic);
      if (partitions.length === 0) return [];
      const at = async (timestamp: bigint) => {
        const [t] = await a.listOffsets({
          topics: [{ name: topic, partitions: partitions.map((partitionIndex) => ({ partitionIndex, timestamp })) }],
        });
        return new Map((t?.partitions ?? []).map((p) => [p.partitionIndex, p.offset]));
      };
      const [low, high] = await Promise.all([at(-2n), at(-1n)]);
      return partitions.map((p) => ({ partition: p, low: String(low.get(p) ?? 0n), high: String(high.get(p) ?? 0n) }));
    },
    async committedOffsets(groupId, topic) {
      const partitions = await partitionsOf(topic);
      if (partitions.length === 0) return [];
      const [g] = await getAdmin().listConsumerGroupOffsets({
        groups: [{ groupId, topics: [{ name: topic, partitionIndexes: partitions }] }],
      });
      const byPartition = new Map(
        (g?.topics.find((t) => t.name === topic)?.partitions ?? []).map((p) => [p.partitionIndex, p.committedOffset]),
      );
      return partitions.map((partition) => {
        const o = byPartition.get(partition);
        return { partition, offset: o === undefined || o < 0n ? null : String(o) };
      });
    },
    async producer(popts = {}) {
      const p = new Producer({
        ...base,
        idempotent: true,
        acks: -1,
        compression: popts.compression === "gzip" ? "gzip" : "none",
        // Java's (and kafkajs') murmur2 mapping of keys to partitions, so both clients place a key alike.
        partitioner: compatibilityPartitioner,
      });
      open.add(p);
      // A tombstone is a null value (written as length -1); the package's types say Buffer, its writer takes null.
      const bytes = (v: string | Uint8Array | null): Buffer =>
        v === null
          ? null as unknown as Buffer
          : typeof v === "string"
          ? Buffer.from(v)
          : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      return {
        async send(topic, records) {
          await renewingWhenSlow(p, () =>
            p.send({
              messages: records.map((r) => ({
                topic,
                ...(r.key === null ? {} : { key: Buffer.from(r.key) }),
                value: bytes(r.value),
                ...(r.headers
                  ? { headers: new Map(Object.entries(r.headers).map(([k, v]) => [Buffer.from(k), Buffer.from(v)])) }
                  : {}),
                ...(r.partition !== undefined ? { partition: r.partition } : {}),
              })),
            }));
        },
        close: async () => {
          open.delete(p);
          await p.close();
        },
      };
    },
    async batchConsumer(bopts) {
      const c = await joinPatiently(() => startBatchConsumer(options, bopts), options.log, bopts);
      const handle = { close: () => c.stop() };
      open.add(handle);
      return c;
    },
    async close() {
      const all = [...open];
      open.clear();
      admin = null;
      await Promise.allSettled(all.map((o) => o.close()));
    },
  };
}
