/**
 * Kafka for actors: a narrow client with adapters over @platformatic/kafka (the
 * default) and kafkajs (producer, batch consumer, topics, offsets), the batching
 * producer actor (a sink of records that answers their tokens once the brokers have
 * them), and the topic consumer actor, which feeds any sink's bounded mailbox in
 * chunks with one acknowledgement token per record, pauses its partitions while that
 * mailbox stays full, dead-letters what does not decode or what the sink refuses,
 * and commits only offsets whose records were answered.
 *
 * Stable; the adapters load their package when a client is first made.
 * @module
 */
export {
  type ClusterInfo,
  type CommittedOffset,
  committedTotal,
  createKafkaClient,
  DEFAULT_KAFKA_CLIENT,
  endOffsetTotal,
  isKafkaClientKind,
  KAFKA_CLIENTS,
  KAFKA_GROUP_PROTOCOLS,
  KAFKA_SASL_MECHANISMS,
  type KafkaClient,
  type KafkaClientKind,
  kafkaClientKindOf,
  type KafkaClientOptions,
  type KafkaConnection,
  type KafkaGroupProtocol,
  type KafkaProducer,
  type KafkaSasl,
  type KafkaSaslMechanism,
  type KafkaTls,
  type OutgoingRecord,
  type PartitionOffsets,
  probeKafka,
  type ProducerOptions,
  type TopicOptions,
} from "./client.ts";
export { readTopicFromStart, type ReadTopicOptions, type TopicReader } from "./reader.ts";
export type {
  BatchConsumer,
  BatchConsumerOptions,
  ConsumedRecord,
  PartitionBatch,
  TopicPartition,
} from "./batch_consumer.ts";
export {
  kafkaProducer,
  type KafkaProducerOptions,
  kafkaProducerSpec,
  newProducerStats,
  ProduceFailed,
  type ProducerMsg,
  type ProducerStats,
} from "./producer.ts";
export { ConsumerCrashed } from "./group_member.ts";
export { OffsetsWatch, type OffsetsWatchOptions, type PartitionLag, partitionLag } from "./offsets_watch.ts";
export {
  type DecodedRecord,
  newTopicConsumerStats,
  topicConsumer,
  type TopicConsumerMsg,
  type TopicConsumerOptions,
  topicConsumerSpec,
  type TopicConsumerStats,
} from "./consumer.ts";
export { ensureTopics, type EnsureTopicsOptions } from "./topics.ts";
