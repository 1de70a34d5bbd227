/** What the pipeline roles share: where Kafka is, and the topics they need. */
import { ensureTopics, type KafkaConnection } from "../actors/kafka/mod.ts";
import type { Logger } from "../system/mod.ts";
import type { TroupeConfig } from "./config.ts";

/** `KAFKA_BROKERS`, or the local broker role's own address. */
export function kafkaBrokersOf(config: TroupeConfig): string[] {
  return config.kafkaBrokers ? [...config.kafkaBrokers] : [`127.0.0.1:${config.broker.port}`];
}

/** How every Kafka client of the node connects, beyond the broker list (`KAFKA_CLIENT`, TLS, SASL). */
export function kafkaConnectionOf(config: TroupeConfig): KafkaConnection {
  const { tls, sasl } = config.kafkaSecurity;
  return {
    client: config.kafkaClient,
    groupProtocol: config.kafkaGroupProtocol,
    ...(tls
      ? { tls: { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert, key: tls.key } : {}) } }
      : {}),
    ...(sasl ? { sasl } : {}),
  };
}

/**
 * The `group.instance.id` of `role`'s consumer (static membership): `<KAFKA_GROUP_INSTANCE_ID or NODE_ID>-<role>`;
 * none when `KAFKA_GROUP_INSTANCE_ID=none`. Two live members of one group must not share it: the broker fences
 * the older one.
 */
export function groupInstanceIdOf(config: TroupeConfig, role: "db" | "inference"): { groupInstanceId?: string } {
  const base = config.kafkaGroupInstanceId ?? config.nodeId;
  return base === "none" ? {} : { groupInstanceId: `${base}-${role}` };
}

/** Creates the pipeline's topics where missing (`TOPIC_PARTITIONS` partitions each). */
export async function ensurePipelineTopics(config: TroupeConfig, log: Logger): Promise<void> {
  const t = config.topics;
  await ensureTopics(kafkaBrokersOf(config), [t.images, t.inferences, t.deadletter], {
    partitions: t.partitions,
    log,
    connection: kafkaConnectionOf(config),
  });
}
