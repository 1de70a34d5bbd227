/** What every benchmark stage gets: the servers, the mode, a log line writer. */
import process from "node:process";
import { DEFAULT_KAFKA_VERSION, kafkaClasspath } from "../infra/kafka_jvm.ts";
import { join } from "node:path";
import { createLogger, type Logger } from "../system/mod.ts";
import { troupeCacheDir } from "../system/platform.ts";

/** Where the bench's generated model (and its conversions) and dataset are kept: troupe's cache. */
export const BENCH_MODELS: string = join(troupeCacheDir(), "models");
export const BENCH_SYNTHETIC: string = join(troupeCacheDir(), "bench-synthetic");

/** quick: about a minute in all; full: several minutes. */
export type BenchMode = "quick" | "full";

/** The run's context. */
export interface BenchContext {
  mode: BenchMode;
  brokers: string[];
  databaseUrl: string;
  /** Java classpath of the Kafka jars (for kafka-producer-perf-test). */
  classpath: string;
  /** Rounds per side (alternating troupe / anchor). */
  rounds: number;
  log: Logger;
  /** Prints a progress line. */
  say(line: string): void;
  /** A name no other run uses. */
  unique(prefix: string): string;
}

/** Builds the context from KAFKA_BROKERS and DATABASE_URL. */
export async function benchContext(mode: BenchMode, env: Record<string, string | undefined>): Promise<BenchContext> {
  const brokers = env["KAFKA_BROKERS"]?.split(",");
  const databaseUrl = env["DATABASE_URL"];
  if (!brokers || !databaseUrl) {
    throw new Error(
      "KAFKA_BROKERS and DATABASE_URL must be set: run `npm run bench`, which starts both (infra/with_infra.sh)",
    );
  }
  const log = createLogger({ level: "warn" });
  const run = Date.now().toString(36);
  let n = 0;
  const t0 = performance.now();
  return {
    mode,
    brokers,
    databaseUrl,
    classpath: await kafkaClasspath(DEFAULT_KAFKA_VERSION, log),
    rounds: mode === "quick" ? 2 : 5,
    log,
    say: (line) =>
      process.stdout.write(`bench [${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`),
    unique: (prefix) => `bench_${prefix}_${run}_${n++}`,
  };
}
