/**
 * The kafkajs adapter of troupe's Kafka client (../client.ts has the contract).
 * kafkajs 2.2.4 is its last release (2023): it has no static membership and no
 * KIP-848 consumer protocol.
 */
import {
  type Admin,
  CompressionTypes,
  type ConfigResourceTypes,
  Kafka,
  type LogEntry,
  logLevel as KafkaLogLevel,
  Partitioners,
  type Producer,
  type SASLOptions,
} from "kafkajs";
import type { ConnectionOptions } from "node:tls";
import type { KafkaClient, KafkaClientOptions, KafkaSasl, KafkaTls } from "../client.ts";
import { startBatchConsumer } from "./batch_consumer.ts";
import { patchKafkajsIdleLoop } from "./idle_loop.ts";

patchKafkajsIdleLoop(); // once, for every client this module makes (see the file)

/** kafkajs' `ConfigResourceTypes.TOPIC` (Kafka's resource type 2); the enum is not a named export under ESM. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** Node's TLS options from troupe's (kafkajs hands them to `tls.connect`). */
function tlsOptions(tls: KafkaTls): ConnectionOptions {
  return {
    ...(tls.ca ? { ca: [tls.ca] } : {}),
    ...(tls.cert ? { cert: tls.cert } : {}),
    ...(tls.key ? { key: tls.key } : {}),
  };
}

function saslOptions(sasl: KafkaSasl): SASLOptions {
  const { username, password } = sasl;
  switch (sasl.mechanism) {
    case "plain":
      return { mechanism: "plain", username, password };
    case "scram-sha-256":
      return { mechanism: "scram-sha-256", username, password };
    case "scram-sha-512":
      return { mechanism: "scram-sha-512", username, password };
  }
}

/** Creates a client; nothing connects until a method needs it. */
export function createClient(options: KafkaClientOptions): Omit<KafkaClient, "kind"> {
  const log = options.log;
  const kafka = new Kafka({
    clientId: options.clientId ?? "troupe",
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    retry: { retries: options.retries ?? 5 },
    ...(options.tls ? { ssl: tlsOptions(options.tls) } : {}),
    ...(options.sasl ? { sasl: saslOptions(options.sasl) } : {}),
    logLevel: log ? KafkaLogLevel.WARN : KafkaLogLevel.NOTHING,
    logCreator: () => (entry: LogEntry) => {
      const { message, ...rest } = entry.log;
      const fields = { kafkajs: entry.namespace, ...rest };
      // Error responses on a connection are retried by kafkajs (a coordinator still
      // loading, a leader moving); what is not recovered reaches troupe as a thrown
      // error. The retry-limit warning is expected: troupe bounds retries and keeps
      // unsent records across a restart, relying on idempotent writes downstream.
      if (entry.namespace === "Connection" || /Limiting retries for the idempotent producer/.test(message)) {
        log?.debug(message, fields);
      } else if (entry.level <= KafkaLogLevel.ERROR) log?.error(message, fields);
      else log?.warn(message, fields);
    },
  });
  let admin: Admin | null = null;
  const open: { disconnect(): Promise<void> }[] = [];
  const getAdmin = async () => {
    if (!admin) {
      const a = kafka.admin();
      await a.connect();
      admin = a;
      open.push(a);
    }
    return admin;
  };
  return {
    brokers: options.brokers,
    async describeCluster() {
      const c = await (await getAdmin()).describeCluster();
      return {
        clusterId: c.clusterId,
        controller: c.controller,
        brokers: c.brokers.map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port })),
      };
    },
    async ensureTopic(topic, opts = {}) {
      const a = await getAdmin();
      if ((await a.listTopics()).includes(topic)) return false;
      return a.createTopics({
        waitForLeaders: true,
        topics: [{
          topic,
          numPartitions: opts.partitions ?? 1,
          replicationFactor: opts.replicationFactor ?? 1,
          configEntries: Object.entries(opts.configs ?? {}).map(([name, value]) => ({ name, value })),
        }],
      });
    },
    async deleteTopics(topics) {
      await (await getAdmin()).deleteTopics({ topics });
    },
    async maxMessageBytes(topic) {
      const r = await (await getAdmin()).describeConfigs({
        includeSynonyms: false,
        resources: [{ type: TOPIC_RESOURCE, name: topic, configNames: ["max.message.bytes"] }],
      });
      const value = Number(
        r.resources[0]?.configEntries.find((e) => e.configName === "max.message.bytes")?.configValue,
      );
      if (!Number.isInteger(value) || value <= 0) throw new Error(`topic ${topic}: no max.message.bytes in its config`);
      return value;
    },
    async topicOffsets(topic) {
      const a = await getAdmin();
      if (!(await a.listTopics()).includes(topic)) return [];
      return (await a.fetchTopicOffsets(topic))
        .map((p) => ({ partition: p.partition, low: p.low, high: p.high }))
        .sort((x, y) => x.partition - y.partition);
    },
    async committedOffsets(groupId, topic) {
      const a = await getAdmin();
      if (!(await a.listTopics()).includes(topic)) return [];
      const [t] = await a.fetchOffsets({ groupId, topics: [topic] });
      return (t?.partitions ?? [])
        .map((p) => ({ partition: p.partition, offset: Number(p.offset) < 0 ? null : p.offset }))
        .sort((x, y) => x.partition - y.partition);
    },
    async producer(popts = {}) {
      const compression = popts.compression === "gzip" ? CompressionTypes.GZIP : CompressionTypes.None;
      const p: Producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 5,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await p.connect();
      open.push(p);
      return {
        async send(topic, records) {
          await p.send({
            topic,
            acks: -1,
            compression,
            messages: records.map((r) => ({
              key: r.key,
              value: r.value === null || typeof r.value === "string"
                ? r.value
                : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
              ...(r.headers ? { headers: r.headers } : {}),
              ...(r.partition !== undefined ? { partition: r.partition } : {}),
            })),
          });
        },
        close: () => p.disconnect(),
      };
    },
    async batchConsumer(bopts) {
      const c = await startBatchConsumer(kafka, bopts);
      open.push({ disconnect: () => c.stop() });
      return c;
    },
    async close() {
      await Promise.allSettled(open.splice(0).map((o) => o.disconnect()));
      admin = null;
    },
  };
}
