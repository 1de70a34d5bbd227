/**
 * troupe's Kafka client: one narrow interface (producer, batch consumer, admin)
 * with adapters behind it, picked by {@link KafkaClientOptions.client}. Only the
 * adapters' folders (`kafkajs/`, `platformatic/`) import a Kafka client package, and
 * only the adapter in use is loaded.
 */
import type { Logger } from "../../system/mod.ts";
import type { BatchConsumer, BatchConsumerOptions } from "./batch_consumer.ts";
import { importOptional } from "../../system/optional_package.ts";

/** The Kafka client packages troupe has adapters for. */
export const KAFKA_CLIENTS = ["kafkajs", "platformatic"] as const;
/** One of {@link KAFKA_CLIENTS}. */
export type KafkaClientKind = (typeof KAFKA_CLIENTS)[number];
/** The adapter used when none is named. */
export const DEFAULT_KAFKA_CLIENT: KafkaClientKind = "platformatic";

/** One record to produce. */
export interface OutgoingRecord {
  /** The record's key (null: none; records of one key keep their order). */
  key: string | null;
  /** null: a tombstone (on a compacted topic, the key's removal). */
  value: string | Uint8Array | null;
  /** The record's headers. */
  headers?: Record<string, string>;
  /** The partition to write to; by default the key's hash picks it (Kafka's default partitioner). */
  partition?: number;
}

/** TLS to the brokers. */
export interface KafkaTls {
  /** PEM of the CA certificates the brokers' certificates chain to; the system's CAs when absent. */
  ca?: string;
  /** PEM of a client certificate and its private key, for brokers that ask for one (mutual TLS). */
  cert?: string;
  /** PEM of the client certificate's private key. */
  key?: string;
}

/** The SASL mechanisms both adapters speak. */
export const KAFKA_SASL_MECHANISMS = ["scram-sha-512", "scram-sha-256", "plain"] as const;
/** One of {@link KAFKA_SASL_MECHANISMS}. */
export type KafkaSaslMechanism = (typeof KAFKA_SASL_MECHANISMS)[number];

/** SASL authentication to the brokers. */
export interface KafkaSasl {
  /** The SASL mechanism. */
  mechanism: KafkaSaslMechanism;
  /** The SASL user. */
  username: string;
  /** The user's password. */
  password: string;
}

/** The consumer group protocols: Kafka's classic one, and KIP-848's consumer protocol (Kafka 4.0 and later). */
export const KAFKA_GROUP_PROTOCOLS = ["classic", "consumer"] as const;
/** One of {@link KAFKA_GROUP_PROTOCOLS}. */
export type KafkaGroupProtocol = (typeof KAFKA_GROUP_PROTOCOLS)[number];

/** How to reach Kafka beyond the broker list; everything that makes a client passes it on. */
export interface KafkaConnection {
  /** Which client package talks to Kafka. @default DEFAULT_KAFKA_CLIENT */
  client?: KafkaClientKind;
  /**
   * How consumer group members join and get partitions: `classic` (JoinGroup/SyncGroup, every member gives up its
   * partitions at each rebalance) or `consumer` (KIP-848: the broker assigns, only the partitions that change hands
   * move; Kafka 4.0 or later, the platformatic adapter only). @default "classic"
   */
  groupProtocol?: KafkaGroupProtocol;
  /** TLS to the brokers. @default plaintext */
  tls?: KafkaTls;
  /** SASL authentication (over TLS, `SASL_SSL`, when `tls` is set too). @default none */
  sasl?: KafkaSasl;
}

/** Options of {@link createKafkaClient}. */
export interface KafkaClientOptions extends KafkaConnection {
  /** The bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  /** The client id the brokers see. @default "troupe" */
  clientId?: string;
  /** The client's own log lines go here (warnings and errors only). @default none */
  log?: Logger;
  /** Connection timeout in milliseconds. @default 3000 */
  connectionTimeoutMs?: number;
  /** How many times a request is retried before failing. @default 5 */
  retries?: number;
}

/** A cluster's description. */
export interface ClusterInfo {
  /** The cluster's id. */
  clusterId: string;
  /** The active controller's node id (null when the cluster does not say). */
  controller: number | null;
  /** The brokers the cluster advertises. */
  brokers: { nodeId: number; host: string; port: number }[];
}

/** One partition's earliest offset and high watermark (the offset the next record gets). */
export interface PartitionOffsets {
  /** The partition's number. */
  partition: number;
  /** Its earliest offset (log start). */
  low: string;
  /** Its high watermark (the offset the next record gets). */
  high: string;
}

/** A consumer group's committed offset of one partition: the next offset it reads; null when it committed none. */
export interface CommittedOffset {
  /** The partition's number. */
  partition: number;
  /** The next offset the group reads; null when it committed none. */
  offset: string | null;
}

/** A started producer. */
export interface KafkaProducer {
  /** Sends records with acks=all; resolves once the brokers have them. */
  send(topic: string, records: OutgoingRecord[]): Promise<void>;
  /** Closes the producer's connections. */
  close(): Promise<void>;
}

/** Options of {@link KafkaClient.producer}. */
export interface ProducerOptions {
  /** Compression of each batch. @default "none" */
  compression?: "none" | "gzip";
}

/** Options of {@link KafkaClient.ensureTopic}. */
export interface TopicOptions {
  /** Partitions of the topic. @default 1 */
  partitions?: number;
  /** Copies of each partition (at most the number of brokers). @default 1 */
  replicationFactor?: number;
  /** Topic configuration set at creation, e.g. `{"max.message.bytes": "20971520"}`. */
  configs?: Record<string, string>;
}

/** The client. */
export interface KafkaClient {
  /** The bootstrap brokers it was made with. */
  readonly brokers: readonly string[];
  /** The adapter in use. */
  readonly kind: KafkaClientKind;
  /** The cluster's id, controller and brokers. */
  describeCluster(): Promise<ClusterInfo>;
  /** Creates the topic if missing; says whether it created it. */
  ensureTopic(topic: string, options?: TopicOptions): Promise<boolean>;
  /** Deletes the topics (their records are gone). */
  deleteTopics(topics: string[]): Promise<void>;
  /** The largest record batch `topic` accepts (its `max.message.bytes`, the broker's default if not set). */
  maxMessageBytes(topic: string): Promise<number>;
  /** Each partition's earliest offset and high watermark, by partition; empty when the topic does not exist. */
  topicOffsets(topic: string): Promise<PartitionOffsets[]>;
  /** `groupId`'s committed offsets of each partition of `topic`, by partition; empty when the topic does not exist. */
  committedOffsets(groupId: string, topic: string): Promise<CommittedOffset[]>;
  /** An idempotent producer (acks=all). */
  producer(options?: ProducerOptions): Promise<KafkaProducer>;
  /** A consumer group member handing whole partition batches over, with manual commits and pause/resume. */
  batchConsumer(options: BatchConsumerOptions): Promise<BatchConsumer>;
  /** Closes what the client opened; the client can be used again afterwards. */
  close(): Promise<void>;
}

/** What an adapter module exports. */
export interface KafkaAdapter {
  createClient(options: KafkaClientOptions): Omit<KafkaClient, "kind">;
}

/** Each adapter's package (an optional peer dependency of troupe) and the versions it is tested with. */
const PACKAGES: Record<KafkaClientKind, [name: string, range: string]> = {
  kafkajs: ["kafkajs", "2.2.4"],
  platformatic: ["@platformatic/kafka", "^1.35.0"],
};

/** Loads an adapter; a missing package is named in the error ({@link MissingPackage}). */
async function loadAdapter(kind: KafkaClientKind): Promise<KafkaAdapter> {
  const [name, range] = PACKAGES[kind];
  return await importOptional(
    name,
    range,
    `KAFKA_CLIENT=${kind}`,
    () => kind === "kafkajs" ? import("./kafkajs/client.ts") : import("./platformatic/client.ts"),
  );
}

/** Whether `value` names an adapter. */
export function isKafkaClientKind(value: string): value is KafkaClientKind {
  return (KAFKA_CLIENTS as readonly string[]).includes(value);
}

/** The adapter `value` names (a `KAFKA_CLIENT` setting, say); the default when empty; an error naming the choices. */
export function kafkaClientKindOf(value: string | undefined): KafkaClientKind {
  const v = value?.trim();
  if (!v) return DEFAULT_KAFKA_CLIENT;
  if (!isKafkaClientKind(v)) throw new Error(`KAFKA_CLIENT must be one of ${KAFKA_CLIENTS.join(", ")}: got '${v}'`);
  return v;
}

/** Creates a client; nothing connects (and no client package loads) until a method needs it. */
export function createKafkaClient(options: KafkaClientOptions): KafkaClient {
  const kind = options.client ?? DEFAULT_KAFKA_CLIENT;
  if (!isKafkaClientKind(kind)) {
    throw new Error(`unknown Kafka client '${String(kind)}': use one of ${KAFKA_CLIENTS.join(", ")}`);
  }
  if (
    options.groupProtocol !== undefined && !(KAFKA_GROUP_PROTOCOLS as readonly string[]).includes(options.groupProtocol)
  ) {
    throw new Error(
      `unknown group protocol '${String(options.groupProtocol)}': use one of ${KAFKA_GROUP_PROTOCOLS.join(", ")}`,
    );
  }
  if (kind === "kafkajs" && options.groupProtocol === "consumer") {
    throw new Error(
      "KAFKA_GROUP_PROTOCOL=consumer needs KAFKA_CLIENT=platformatic: kafkajs speaks only the classic protocol",
    );
  }
  let made: Promise<Omit<KafkaClient, "kind">> | null = null;
  const inner = () => (made ??= loadAdapter(kind).then((a) => a.createClient(options)));
  return {
    brokers: options.brokers,
    kind,
    describeCluster: async () => (await inner()).describeCluster(),
    ensureTopic: async (topic, o) => (await inner()).ensureTopic(topic, o),
    deleteTopics: async (topics) => (await inner()).deleteTopics(topics),
    maxMessageBytes: async (topic) => (await inner()).maxMessageBytes(topic),
    topicOffsets: async (topic) => (await inner()).topicOffsets(topic),
    committedOffsets: async (groupId, topic) => (await inner()).committedOffsets(groupId, topic),
    producer: async (o) => (await inner()).producer(o),
    batchConsumer: async (o) => (await inner()).batchConsumer(o),
    close: async () => {
      if (made) await (await made.catch(() => null))?.close();
    },
  };
}

/** Asks the cluster to describe itself; resolves with the description or rejects. */
export async function probeKafka(
  brokers: readonly string[],
  timeoutMs = 3000,
  connection: KafkaConnection = {},
): Promise<ClusterInfo> {
  const c = createKafkaClient({ ...connection, brokers, connectionTimeoutMs: timeoutMs, retries: 0 });
  try {
    return await c.describeCluster();
  } finally {
    await c.close();
  }
}

/** The sum of high watermarks: how many records were ever written to a topic. */
export function endOffsetTotal(offsets: readonly PartitionOffsets[]): number {
  return offsets.reduce((n, p) => n + Number(p.high), 0);
}

/** The sum over partitions of `high - low`: the records a topic holds now. */
export function recordsHeld(offsets: readonly PartitionOffsets[]): number {
  return offsets.reduce((n, p) => n + Number(p.high) - Number(p.low), 0);
}

/** The sum of committed offsets (a partition with none counts 0). */
export function committedTotal(offsets: readonly CommittedOffset[]): number {
  return offsets.reduce((n, p) => n + (p.offset === null ? 0 : Number(p.offset)), 0);
}
