/** Topics a service needs, created where missing. */
import { errorMessage, type Logger } from "../../system/mod.ts";
import { backoffDelay } from "../../system/backoff.ts";
import { createKafkaClient, type KafkaClient, type KafkaConnection } from "./client.ts";

/** Options of {@link ensureTopics}. */
export interface EnsureTopicsOptions {
  /** Partitions of each topic created now (existing topics are left as they are). */
  partitions: number;
  /** Where each topic created is said. */
  log: Logger;
  /** How to reach Kafka beyond the broker list (which client package). @default the default client */
  connection?: KafkaConnection;
  /**
   * How long a retriable answer (a new topic's leader not known yet, say) is retried, and a new topic waited for.
   * @default 30000
   */
  retryForMs?: number;
}

/**
 * Creates each of `topics` that is missing; logs the ones it created; resolves once the broker answers for every
 * partition of each (a topic another client has just created is known to Kafka's controller, which refuses to create
 * it again, before the broker has applied it: a consumer group joined at that moment fails with "Unknown topic").
 */
export async function ensureTopics(
  brokers: readonly string[],
  topics: readonly string[],
  options: EnsureTopicsOptions,
): Promise<void> {
  const client = createKafkaClient({ ...options.connection, brokers, log: options.log });
  try {
    for (const topic of topics) await ensureTopicOn(client, topic, options);
  } finally {
    await client.close();
  }
}

/**
 * {@link ensureTopics} for one topic on a client the caller has (with `configs` for a topic created now): created
 * where missing, then waited for until the broker answers for its partitions.
 */
export async function ensureTopicOn(
  client: KafkaClient,
  topic: string,
  options: Pick<EnsureTopicsOptions, "partitions" | "log" | "retryForMs"> & { configs?: Record<string, string> },
): Promise<void> {
  const retryForMs = options.retryForMs ?? 30_000;
  const until = Date.now() + retryForMs;
  for (let attempt = 1;; attempt++) {
    try {
      const created = await client.ensureTopic(topic, {
        partitions: options.partitions,
        ...(options.configs ? { configs: options.configs } : {}),
      });
      if (created) options.log.info("topic created", { topic, partitions: options.partitions });
      // Every partition's offsets answered by its leader: the broker has applied the topic.
      if ((await client.topicOffsets(topic)).length > 0) return;
      if (Date.now() > until) {
        throw new Error(
          `topic ${topic} exists but the broker did not answer for its partitions within ${retryForMs} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, { minMs: 50, maxMs: 1000 })));
    } catch (err) {
      // A broker that has just created a topic may not host its partitions yet ("This server does not
      // host this topic-partition", seen on a freshly started broker under load): Kafka calls it retriable.
      if (!retriable(err) || Date.now() > until) throw err;
      options.log.info("topic not ready yet: trying again", { topic, attempt, error: errorMessage(err) });
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, { minMs: 100, maxMs: 2000 })));
    }
  }
}

/** Whether Kafka calls an error retriable (kafkajs' `retriable`, @platformatic/kafka's `canRetry`, or one it gathers). */
function retriable(err: unknown): boolean {
  const e = err as { retriable?: unknown; canRetry?: unknown; errors?: unknown };
  if (e?.retriable === true || e?.canRetry === true) return true;
  return Array.isArray(e?.errors) && e.errors.length > 0 && e.errors.every(retriable);
}
