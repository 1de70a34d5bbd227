/**
 * The PostgreSQL sink: postgres.js pools pinned to a schema, migrations under an
 * advisory lock, the idempotent batch upsert, the upserter actor, and the Kafka
 * consumer that feeds it and commits offsets only after their rows committed.
 * @module
 */
export {
  connectPostgres,
  migrate,
  type Migration,
  MigrationError,
  type PostgresOptions,
  readMigrations,
  type Sql,
  type Tx,
} from "./postgres.ts";
export { type BatchResult, type ImageRow, type InferenceRow, writeBatch, writeRows } from "./pg_writes.ts";
export { isRowFault, type Refusal, sqlstateOf, writeIsolating } from "./refusals.ts";
export {
  type CaptureLatency,
  DatabaseTimeout,
  DatabaseUnavailable,
  newCaptureLatency,
  newUpserterStats,
  pgUpserter,
  type PgUpserterOptions,
  pgUpserterSpec,
  type SourcedRow,
  type UpserterMsg,
  type UpserterStats,
  type WrittenNotice,
} from "./upserter.ts";
export {
  type ConsumerMsg,
  type ConsumerStats,
  kafkaConsumer,
  type KafkaConsumerOptions,
  kafkaConsumerSpec,
  newConsumerStats,
} from "./consumer.ts";
