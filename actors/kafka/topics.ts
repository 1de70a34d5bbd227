/** Topics a service needs, created where missing. */
import { errorMessage, type Logger } from "../../system/mod.ts";
import { backoffDelay } from "../../system/backoff.ts";
import { createKafkaClient, type KafkaConnection } from "./client.ts";

/** Options of {@link ensureTopics}. */
export interface EnsureTopicsOptions {
  /** Partitions of each topic created now (existing topics are left as they are). */
  partitions: number;
  /** Where each topic created is said. */
  log: Logger;
  /** How to reach Kafka beyond the broker list (which client package). @default the default client */
  connection?: KafkaConnection;
  /** How long a retriable answer (a new topic's leader not known yet, say) is retried. @default 30000 */
  retryForMs?: number;
}

/** Creates each of `topics` that is missing; logs the ones it created. */
export async function ensureTopics(
  brokers: readonly string[],
  topics: readonly string[],
  options: EnsureTopicsOptions,
): Promise<void> {
  const client = createKafkaClient({ ...options.connection, brokers, log: options.log });
  const until = Date.now() + (options.retryForMs ?? 30_000);
  try {
    for (const topic of topics) {
      for (let attempt = 1;; attempt++) {
        try {
          if (await client.ensureTopic(topic, { partitions: options.partitions })) {
            options.log.info("topic created", { topic, partitions: options.partitions });
          }
          break;
        } catch (err) {
          // A broker that has just created a topic may not host its partitions yet ("This server does not
          // host this topic-partition", seen on a freshly started broker under load): Kafka calls it retriable.
          if ((err as { retriable?: unknown }).retriable !== true || Date.now() > until) throw err;
          options.log.info("topic not ready yet: trying again", { topic, attempt, error: errorMessage(err) });
          await new Promise((r) => setTimeout(r, backoffDelay(attempt, { minMs: 100, maxMs: 2000 })));
        }
      }
    }
  } finally {
    await client.close();
  }
}
