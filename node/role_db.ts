/**
 * The `db` role: Kafka consumer (images and inferences) -> upserter -> PostgreSQL.
 * Migrations run first; with no `DATABASE_URL` a local database is started
 * (ops/local_database.ts: a PostgreSQL cluster in `.troupe/postgres`, else PGlite).
 */
import { type HopReporter, noHops } from "../protocols/mod.ts";
import { type ConsumerStats, kafkaConsumerSpec, newConsumerStats } from "../actors/db_kafka/mod.ts";
import {
  type CaptureLatency,
  newCaptureLatency,
  newUpserterStats,
  pgUpserterSpec,
  type UpserterStats,
} from "../actors/db/mod.ts";
import { connectPostgres, migrate } from "../actors/db/mod.ts";
import { type LocalDatabase, startLocalDatabase } from "../infra/mod.ts";
import { type ActorSystem, spawn, startChild, stateless, supervise } from "../system/mod.ts";
import { redactUrl, type TroupeConfig } from "./config.ts";
import { ensurePipelineTopics, groupInstanceIdOf, kafkaBrokersOf, kafkaConnectionOf } from "./_kafka.ts";

/** Live figures of a db role. */
export interface DbFigures {
  /** Redacted. */
  databaseUrl: string;
  /** `external` (DATABASE_URL), or the local database started for this node. */
  database: "external" | LocalDatabase["kind"];
  consumer: ConsumerStats;
  upserter: UpserterStats;
  /** Capture-to-row latencies of the rows written, cumulative. */
  latency: CaptureLatency;
}

/** A started db role. */
export interface DbRole {
  figures(): DbFigures;
}

/** Starts the db subtree. */
export async function startDbRole(
  system: ActorSystem,
  config: TroupeConfig,
  hops: HopReporter = noHops,
): Promise<DbRole> {
  const db = config.db;
  let local: LocalDatabase | null = null;
  if (config.databaseUrl === null) {
    system.log.info("DATABASE_URL is not set: starting a local database");
    local = await startLocalDatabase(system.log);
  }
  const databaseUrl = config.databaseUrl ?? (local as LocalDatabase).url;
  const pool = local?.kind === "pglite" ? 1 : 2;
  const admin = connectPostgres(databaseUrl, { schema: db.schema, max: 1 });
  try {
    await migrate(admin, { schema: db.schema, log: system.log });
  } finally {
    await admin.end({ timeout: 2 });
  }
  await ensurePipelineTopics(config, system.log);
  const sup = await supervise(system.root, {
    name: "db",
    strategy: "one_for_one",
    intensity: 30,
    periodMs: 300_000,
    backoff: { minMs: 250, maxMs: 5_000, jitter: 0.2 },
  });
  if (local) {
    // Holds the in-process database (PGlite) so that it stops after the actors using it.
    const held = local;
    await spawn(sup, { ...stateless(() => {}), stop: () => held.stop() }, { name: "local_database", capacity: 1 });
  }
  const upserterStats = newUpserterStats();
  const latency = newCaptureLatency();
  const consumerStats = newConsumerStats();
  const upserter = await startChild(
    sup,
    pgUpserterSpec({
      connect: () =>
        connectPostgres(databaseUrl, {
          schema: db.schema,
          max: pool,
          statementTimeoutMs: db.statementTimeoutMs,
          connectTimeoutS: db.connectTimeoutS,
        }),
      writeTimeoutMs: 2 * db.statementTimeoutMs,
      hops,
      latency,
      batchSize: db.upsertBatch,
      lingerMs: db.upsertLingerMs,
      readiness: system.readiness,
      stats: upserterStats,
    }),
  );
  await startChild(
    sup,
    kafkaConsumerSpec({
      brokers: kafkaBrokersOf(config),
      connection: kafkaConnectionOf(config),
      ...groupInstanceIdOf(config, "db"),
      groupId: db.groupId,
      topics: config.topics,
      upserter,
      chunk: db.upsertBatch,
      maxMessageBytes: db.maxMessageBytes,
      readiness: system.readiness,
      stats: consumerStats,
    }),
  );
  system.log.info("db role started", { database: redactUrl(databaseUrl), schema: db.schema, group: db.groupId });
  const database = local?.kind ?? "external";
  return {
    figures: () => ({
      databaseUrl: redactUrl(databaseUrl),
      database,
      consumer: { ...consumerStats, deadLettered: { ...consumerStats.deadLettered } },
      upserter: { ...upserterStats },
      latency,
    }),
  };
}
