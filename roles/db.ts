/**
 * The `db` role: Kafka consumer (images and inferences) -> upserter -> PostgreSQL.
 * Migrations run first; with no `DATABASE_URL` a local cluster is started in
 * `.troupe/postgres` by the project's own script.
 */
import { type ConsumerStats, kafkaConsumer, newConsumerStats } from "../actors/kafka_consumer.ts";
import { newUpserterStats, pgUpserter, type UpserterStats } from "../actors/pg_upserter.ts";
import { connectPostgres, migrate } from "../clients/postgres.ts";
import { startPostgres } from "../ops/postgres_local.ts";
import { type ActorSystem, redactUrl, spawn, supervise, type TroupeConfig } from "../system/mod.ts";
import { ensureTopics, kafkaBrokersOf } from "./_pipeline.ts";

/** Live figures of a db role. */
export interface DbFigures {
  databaseUrl: string;
  consumer: ConsumerStats;
  upserter: UpserterStats;
}

/** A started db role. */
export interface DbRole {
  figures(): DbFigures;
}

/** Where the local cluster of a node without `DATABASE_URL` lives. */
export const LOCAL_POSTGRES_DIR = ".troupe/postgres";

/** Starts the db subtree. */
export async function startDbRole(system: ActorSystem, config: TroupeConfig): Promise<DbRole> {
  const db = config.db;
  let url = config.databaseUrl;
  if (url === null) {
    system.log.info("DATABASE_URL is not set: starting a local PostgreSQL cluster", { dir: LOCAL_POSTGRES_DIR });
    url = (await startPostgres(LOCAL_POSTGRES_DIR, system.log)).url;
  }
  const databaseUrl = url;
  const admin = connectPostgres(databaseUrl, { schema: db.schema, max: 1 });
  try {
    await migrate(admin, { schema: db.schema, log: system.log });
  } finally {
    await admin.end({ timeout: 2 });
  }
  await ensureTopics(config, system.log);
  const sup = await supervise(system.root, {
    name: "db",
    strategy: "one_for_one",
    intensity: 30,
    periodMs: 300_000,
    backoff: { minMs: 250, maxMs: 5_000, jitter: 0.2 },
  });
  const upserterStats = newUpserterStats();
  const consumerStats = newConsumerStats();
  const upserter = await spawn(sup, pgUpserter({
    connect: () => connectPostgres(databaseUrl, { schema: db.schema, max: 2 }),
    batchSize: db.upsertBatch,
    lingerMs: db.upsertLingerMs,
    readiness: system.readiness,
    stats: upserterStats,
  }), { name: "upserter", capacity: 8, shutdownMs: 10_000 });
  await spawn(sup, kafkaConsumer({
    brokers: kafkaBrokersOf(config),
    groupId: db.groupId,
    topics: config.topics,
    upserter,
    chunk: db.upsertBatch,
    maxMessageBytes: db.maxMessageBytes,
    readiness: system.readiness,
    stats: consumerStats,
  }), { name: "consumer", capacity: 64, shutdownMs: 10_000 });
  system.log.info("db role started", { database: redactUrl(databaseUrl), schema: db.schema, group: db.groupId });
  return { figures: () => ({ databaseUrl: redactUrl(databaseUrl), consumer: { ...consumerStats, deadLettered: { ...consumerStats.deadLettered } }, upserter: { ...upserterStats } }) };
}
