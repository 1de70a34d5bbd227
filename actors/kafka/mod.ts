/**
 * Kafka for actors: a narrow client with adapters over kafkajs and
 * @platformatic/kafka (producer, batch consumer, topics, offsets), the batching producer actor, and what a consumer-group actor needs to
 * feed bounded mailboxes safely (join, pause while downstream is full, dead
 * letters, commit points that never pass an unhandled record).
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
  type KafkaClient,
  type KafkaClientKind,
  kafkaClientKindOf,
  type KafkaClientOptions,
  type KafkaConnection,
  type KafkaGroupProtocol,
  type KafkaProducer,
  type OutgoingRecord,
  type PartitionOffsets,
  probeKafka,
  type ProducerOptions,
  recordsHeld,
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
export {
  ConsumerCrashed,
  type GroupMember,
  joinGroup,
  type JoinOptions,
  leaveGroup,
  memberFigures,
  type PausableMember,
  type Rejected,
  sendDeadLetters,
  sendPausing,
} from "./group_member.ts";
export { type CommitPoint, OffsetLedger } from "./offsets.ts";
export { OffsetsWatch, type OffsetsWatchOptions, type PartitionLag, partitionLag } from "./offsets_watch.ts";
export {
  type DecodedRecord,
  newTopicConsumerStats,
  type SourceOffset,
  topicConsumer,
  type TopicConsumerMsg,
  type TopicConsumerOptions,
  topicConsumerSpec,
  type TopicConsumerState,
  type TopicConsumerStats,
} from "./consumer.ts";
export { ensureTopics, type EnsureTopicsOptions } from "./topics.ts";
