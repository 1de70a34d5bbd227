/** Topics a service needs, created where missing. */
import type { Logger } from "../../system/mod.ts";
import { createKafkaClient } from "./client.ts";

/** Options of {@link ensureTopics}. */
export interface EnsureTopicsOptions {
  /** Partitions of each topic created now (existing topics are left as they are). */
  partitions: number;
  log: Logger;
}

/** Creates each of `topics` that is missing; logs the ones it created. */
export async function ensureTopics(
  brokers: readonly string[],
  topics: readonly string[],
  options: EnsureTopicsOptions,
): Promise<void> {
  const client = createKafkaClient({ brokers, log: options.log });
  try {
    for (const topic of topics) {
      if (await client.ensureTopic(topic, { partitions: options.partitions })) {
        options.log.info("topic created", { topic, partitions: options.partitions });
      }
    }
  } finally {
    await client.close();
  }
}
