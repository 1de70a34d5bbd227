/** What the pipeline roles share: where Kafka is, and the topics they need. */
import { createKafkaClient } from "../clients/kafka.ts";
import type { Logger, TroupeConfig } from "../system/mod.ts";

/** `KAFKA_BROKERS`, or the local broker role's own address. */
export function kafkaBrokersOf(config: TroupeConfig): string[] {
  return config.kafkaBrokers ? [...config.kafkaBrokers] : [`127.0.0.1:${config.broker.port}`];
}

/** Creates the pipeline's topics where missing (`TOPIC_PARTITIONS` partitions each). */
export async function ensureTopics(config: TroupeConfig, log: Logger): Promise<void> {
  const client = createKafkaClient({ brokers: kafkaBrokersOf(config), log });
  try {
    const t = config.topics;
    for (const topic of [t.images, t.inferences, t.deadletter]) {
      if (await client.ensureTopic(topic, { partitions: t.partitions })) log.info("topic created", { topic, partitions: t.partitions });
    }
  } finally {
    await client.close();
  }
}
