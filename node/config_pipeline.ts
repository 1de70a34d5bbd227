/**
 * The pipeline part of the node configuration: topics, the simulator, the db
 * role's consumer and upserter. Parsed by `loadConfig` with the same rules as
 * the rest (a bad value names the variable, what is allowed and what was given).
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { z } from "zod";

/** Kafka topics and how the project creates them. */
export interface TopicsConfig {
  readonly images: string;
  readonly inferences: string;
  readonly deadletter: string;
  /** Partitions of topics the project creates when they are missing (`TOPIC_PARTITIONS`). */
  readonly partitions: number;
  /** Compression of produced batches (`KAFKA_COMPRESSION`). */
  readonly compression: "none" | "gzip";
}

/** The `simulator` role. */
export interface SimulatorConfig {
  /** CIFAR-100 binary dataset directory (`DATASET_DIR`); null: the generated synthetic one. */
  readonly datasetDir: string | null;
  /** `test` (test.bin) or `train` (train.bin). */
  readonly split: "test" | "train";
  /** Where the synthetic dataset is written when `DATASET_DIR` is not set. */
  readonly syntheticDir: string;
  readonly devices: number;
  /** Images per second per device; 0 with a count: as fast as possible. */
  readonly rate: number;
  /** Images in all, across devices; 0: until stopped. */
  readonly count: number;
  /** Relative jitter of each device's interval, 0 to 1. */
  readonly jitter: number;
  /** Seed of the synthetic dataset and of the jitter. */
  readonly seed: number;
  /** Records per produce request, and the longest wait to fill one. */
  readonly producerBatch: number;
  readonly producerLingerMs: number;
  /** Worker threads that encode captures (PNG, sha256, base64, envelope); 0: on the main thread. */
  readonly encoderThreads: number;
}

/** The `db` role. */
export interface DbConfig {
  readonly groupId: string;
  /** PostgreSQL schema of the tables (`DATABASE_SCHEMA`). */
  readonly schema: string;
  readonly upsertBatch: number;
  readonly upsertLingerMs: number;
  /** Larger Kafka values are dead-lettered as `oversize` (`MAX_MESSAGE_BYTES`). */
  readonly maxMessageBytes: number;
  /** Server-side statement_timeout of the db role's connections; a batch may take twice that (`DB_STATEMENT_TIMEOUT_MS`). */
  readonly statementTimeoutMs: number;
  /** Seconds to wait for a connection (`DB_CONNECT_TIMEOUT_S`). */
  readonly connectTimeoutS: number;
}

/** Variables of this section, with what they mean (shown by `--help`). */
export const PIPELINE_VARIABLES: Record<string, string> = {
  TOPIC_IMAGES: "topic of camera images (default troupe.images)",
  TOPIC_INFERENCES: "topic of inference results (default troupe.inferences)",
  TOPIC_DEADLETTER: "topic of rejected records with reason headers (default troupe.deadletter)",
  TOPIC_PARTITIONS: "partitions of topics created when missing (default 6)",
  KAFKA_COMPRESSION: "compression of produced batches: none or gzip (default none)",
  DATASET_DIR: "CIFAR-100 binary dataset directory (default: a generated synthetic dataset)",
  DATASET_SPLIT: "test or train: which CIFAR-100 file the simulator reads (default test)",
  SYNTHETIC_DIR: "where the synthetic dataset is generated (default <cache>/synthetic-cifar100)",
  SIM_DEVICES: "simulated cameras (default 10)",
  SIM_RATE: "images per second per camera; 0 with SIM_COUNT: as fast as possible (default 2)",
  SIM_COUNT: "images in all across cameras; 0: until stopped (default 0)",
  SIM_JITTER: "relative jitter of each camera's interval, 0 to 1 (default 0.2)",
  SIM_SEED: "seed of the synthetic dataset and of the jitter (default 1)",
  PRODUCER_BATCH: "records per produce request (default 200)",
  PRODUCER_LINGER_MS: "longest wait to fill a produce request (default 20)",
  SIM_ENCODER_THREADS: "worker threads encoding images; 0: the main thread (default: the cores, at most 4)",
  DB_GROUP_ID: "Kafka consumer group of the db role (default troupe-db)",
  DATABASE_SCHEMA: "PostgreSQL schema of troupe's tables (default public)",
  UPSERT_BATCH: "rows per upsert transaction (default 500)",
  UPSERT_LINGER_MS: "longest wait to fill an upsert batch (default 20)",
  MAX_MESSAGE_BYTES: "larger Kafka records are dead-lettered as oversize (default 1048576)",
  DB_STATEMENT_TIMEOUT_MS:
    "PostgreSQL statement_timeout of the db role; a batch not written within twice this counts as the database down (default 15000)",
  DB_CONNECT_TIMEOUT_S: "seconds to wait for a PostgreSQL connection (default 5)",
};

type Getter = <T>(name: string, fallback: T, schema: z.ZodType<T>, allowed: string) => T;

const topic = z.string().regex(/^[A-Za-z0-9._-]{1,249}$/);
const topicAllowed = "1 to 249 letters, digits, '.', '_' or '-'";
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

/** Reads the pipeline sections with the configuration's getter. */
export function readPipelineConfig(
  get: Getter,
  cacheDir: string,
): { topics: TopicsConfig; simulator: SimulatorConfig; db: DbConfig } {
  return {
    topics: {
      images: get("TOPIC_IMAGES", "troupe.images", topic, topicAllowed),
      inferences: get("TOPIC_INFERENCES", "troupe.inferences", topic, topicAllowed),
      deadletter: get("TOPIC_DEADLETTER", "troupe.deadletter", topic, topicAllowed),
      partitions: get("TOPIC_PARTITIONS", 6, int(1, 1000), "a whole number from 1 to 1000"),
      compression: get("KAFKA_COMPRESSION", "none" as const, z.enum(["none", "gzip"]), "none or gzip"),
    },
    simulator: {
      datasetDir: get("DATASET_DIR", null, z.string().min(1), "a directory path"),
      split: get("DATASET_SPLIT", "test" as const, z.enum(["test", "train"]), "test or train"),
      syntheticDir: get("SYNTHETIC_DIR", join(cacheDir, "synthetic-cifar100"), z.string().min(1), "a directory path"),
      devices: get("SIM_DEVICES", 10, int(1, 100_000), "a whole number from 1 to 100000"),
      rate: get("SIM_RATE", 2, z.coerce.number().min(0).max(100_000), "a number of images per second from 0 to 100000"),
      count: get("SIM_COUNT", 0, int(0, 1_000_000_000), "a whole number of images, 0 for no limit"),
      jitter: get("SIM_JITTER", 0.2, z.coerce.number().min(0).max(1), "a number from 0 to 1"),
      seed: get("SIM_SEED", 1, int(0, 2 ** 31 - 1), "a whole number from 0 to 2147483647"),
      producerBatch: get("PRODUCER_BATCH", 200, int(1, 10_000), "a whole number from 1 to 10000"),
      producerLingerMs: get("PRODUCER_LINGER_MS", 20, int(0, 60_000), "a whole number of milliseconds from 0 to 60000"),
      encoderThreads: get(
        "SIM_ENCODER_THREADS",
        Math.min(4, availableParallelism()),
        int(0, 64),
        "a whole number from 0 to 64",
      ),
    },
    db: {
      groupId: get("DB_GROUP_ID", "troupe-db", z.string().regex(/^[A-Za-z0-9._-]{1,249}$/), topicAllowed),
      schema: get(
        "DATABASE_SCHEMA",
        "public",
        z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
        "a lower-case SQL identifier",
      ),
      upsertBatch: get("UPSERT_BATCH", 500, int(1, 10_000), "a whole number from 1 to 10000"),
      upsertLingerMs: get("UPSERT_LINGER_MS", 20, int(0, 60_000), "a whole number of milliseconds from 0 to 60000"),
      maxMessageBytes: get(
        "MAX_MESSAGE_BYTES",
        1_048_576,
        int(1024, 100 * 1_048_576),
        "a number of bytes from 1024 to 104857600",
      ),
      statementTimeoutMs: get(
        "DB_STATEMENT_TIMEOUT_MS",
        15_000,
        int(100, 3_600_000),
        "a whole number of milliseconds from 100 to 3600000",
      ),
      connectTimeoutS: get("DB_CONNECT_TIMEOUT_S", 5, int(1, 600), "a whole number of seconds from 1 to 600"),
    },
  };
}
