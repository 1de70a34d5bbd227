/**
 * `troupe/db-kafka`: the PostgreSQL sink fed from Kafka. The db role's consumer:
 * troupe's topic consumer on the images and inferences topics, decoding and
 * verifying each record, feeding the upserter, committing offsets only after their
 * rows committed.
 * @module
 */
export {
  type ConsumerMsg,
  type ConsumerStats,
  kafkaConsumer,
  type KafkaConsumerOptions,
  kafkaConsumerSpec,
  newConsumerStats,
} from "./consumer.ts";
