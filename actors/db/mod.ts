/**
 * The PostgreSQL sink: postgres.js pools pinned to a schema, migrations under an
 * advisory lock, the idempotent batch upsert, and the upserter actor, which
 * answers its source with the acknowledgement tokens it was handed
 * (protocols/ack.ts). It imports nothing of Kafka: `troupe/db-kafka` feeds it
 * from Kafka.
 * @module
 */
export {
  connectPostgres,
  migrate,
  type Migration,
  MigrationError,
  type PostgresOptions,
  type Sql,
  type Tx,
} from "./postgres.ts";
export { type BatchResult, type ImageRow, type InferenceRow, writeBatch, writeRows } from "./pg_writes.ts";
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
} from "./upserter.ts";
