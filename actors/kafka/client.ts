/**
 * troupe's Kafka client: a narrow interface over kafkajs, so another client could
 * replace it. Only this file (and its siblings in clients/) import kafkajs.
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
} from "kafkajs";
import { type BatchConsumer, type BatchConsumerOptions, startBatchConsumer } from "./batch_consumer.ts";
import { patchKafkajsIdleLoop } from "./kafkajs_idle_loop.ts";

patchKafkajsIdleLoop(); // once, for every client this module makes (see the file)
import type { Logger } from "../../system/mod.ts";

/** One record to produce. */
export interface OutgoingRecord {
  key: string | null;
  value: string | Uint8Array;
  headers?: Record<string, string>;
}

/** Options of {@link createKafkaClient}. */
export interface KafkaClientOptions {
  brokers: readonly string[];
  /** @default "troupe" */
  clientId?: string;
  /** kafkajs' own log lines go here (warnings and errors only). @default none */
  log?: Logger;
  /** Connection timeout in milliseconds. @default 3000 */
  connectionTimeoutMs?: number;
  /** How many times a request is retried before failing. @default 5 */
  retries?: number;
}

/** A cluster's description. */
export interface ClusterInfo {
  clusterId: string;
  controller: number | null;
  brokers: { nodeId: number; host: string; port: number }[];
}

/** A started producer. */
export interface KafkaProducer {
  /** Sends records with acks=all; resolves once the brokers have them. */
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link KafkaClient.producer}. */
export interface ProducerOptions {
  /** Compression of each batch. @default "none" */
  compression?: "none" | "gzip";
}

/** The client. */
export interface KafkaClient {
  readonly brokers: readonly string[];
  describeCluster(): Promise<ClusterInfo>;
  /** Creates the topic if missing; says whether it created it. */
  ensureTopic(topic: string, options?: { partitions?: number; replicationFactor?: number }): Promise<boolean>;
  deleteTopics(topics: string[]): Promise<void>;
  /** The largest record batch `topic` accepts (its `max.message.bytes`, the broker's default if not set). */
  maxMessageBytes(topic: string): Promise<number>;
  /** An idempotent producer (acks=all). */
  producer(options?: ProducerOptions): Promise<KafkaProducer>;
  /** A consumer group member handing whole partition batches over, with manual commits and pause/resume. */
  batchConsumer(options: BatchConsumerOptions): Promise<BatchConsumer>;
  close(): Promise<void>;
}

/** kafkajs' `ConfigResourceTypes.TOPIC` (Kafka's resource type 2); the enum is not a named export under ESM. */
const TOPIC_RESOURCE = 2 as ConfigResourceTypes;

/** Creates a client; nothing connects until a method needs it. */
export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  const log = options.log;
  const kafka = new Kafka({
    clientId: options.clientId ?? "troupe",
    brokers: [...options.brokers],
    connectionTimeout: options.connectionTimeoutMs ?? 3000,
    retry: { retries: options.retries ?? 5 },
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
        topics: [{ topic, numPartitions: opts.partitions ?? 1, replicationFactor: opts.replicationFactor ?? 1 }],
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
              value: typeof r.value === "string"
                ? r.value
                : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
              ...(r.headers ? { headers: r.headers } : {}),
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

/** Asks the cluster to describe itself; resolves with the description or rejects. */
export async function probeKafka(brokers: readonly string[], timeoutMs = 3000): Promise<ClusterInfo> {
  const client = createKafkaClient({ brokers, connectionTimeoutMs: timeoutMs, retries: 0 });
  try {
    return await client.describeCluster();
  } finally {
    await client.close();
  }
}
