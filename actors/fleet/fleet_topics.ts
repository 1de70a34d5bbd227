/**
 * The fleet's two topics, created by whichever node needs one first. The nodes
 * topic: compacted (each node's latest heartbeat stays, a tombstone removes it), one
 * partition (every node reads all of it), and stamped with the broker's append time,
 * so every heartbeat's time comes from one clock, not from the clocks of the hosts
 * that sent them. The logs topic: one partition, bounded retention (six hours, 64 MB).
 */
import type { KafkaClient } from "../kafka/mod.ts";
import { ensureTopicOn } from "../kafka/topics.ts";
import { silentLogger } from "../../system/mod.ts";

/** How long a fleet topic just created (nodes, logs) is waited for until the broker answers for it. */
const ENSURE_FLEET_TOPIC_MS = 2_000;

/** The nodes topic's settings at creation. */
export const NODES_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  "cleanup.policy": "compact",
  "message.timestamp.type": "LogAppendTime",
  // Roll and compact within minutes: the topic holds one heartbeat per node, not hours of them.
  "segment.ms": "600000",
  "min.cleanable.dirty.ratio": "0.1",
  "delete.retention.ms": "3600000",
};

/**
 * Creates the nodes topic when missing; resolves once the broker answers for it, waiting at most `waitMs` (short by
 * default: the actors that call this do so in a message handler, which a node's stop waits for).
 */
export function ensureNodesTopic(client: KafkaClient, topic: string, waitMs = ENSURE_FLEET_TOPIC_MS): Promise<void> {
  return ensureFleetTopic(client, topic, NODES_TOPIC_CONFIGS, waitMs);
}

/** The logs topic's settings at creation. */
export const LOGS_TOPIC_CONFIGS: Readonly<Record<string, string>> = {
  "cleanup.policy": "delete",
  "retention.ms": String(6 * 3_600_000),
  "retention.bytes": String(64 * 1024 * 1024),
  "segment.bytes": String(16 * 1024 * 1024),
};

/** Creates the logs topic when missing; resolves once the broker answers for it (see {@link ensureNodesTopic}). */
export function ensureLogsTopic(client: KafkaClient, topic: string, waitMs = ENSURE_FLEET_TOPIC_MS): Promise<void> {
  return ensureFleetTopic(client, topic, LOGS_TOPIC_CONFIGS, waitMs);
}

/** A fleet topic (one partition) with `configs`. */
async function ensureFleetTopic(
  client: KafkaClient,
  topic: string,
  configs: Readonly<Record<string, string>>,
  waitMs: number,
): Promise<void> {
  await ensureTopicOn(client, topic, { partitions: 1, configs: { ...configs }, log: silentLogger, retryForMs: waitMs });
}
