/**
 * Where the real Kafka broker and PostgreSQL server of the integration tests are:
 * `KAFKA_BROKERS` and `DATABASE_URL`, as `.ci/run` sets them after starting both
 * with the project's scripts (`npm run kafka -- start`, `npm run postgres -- start`).
 */
import process from "node:process";

export function kafkaBrokers(): string[] {
  const v = process.env["KAFKA_BROKERS"];
  if (!v) {
    throw new Error(
      "KAFKA_BROKERS is not set: start a broker with `npm run kafka -- start` and export what it prints (see README)",
    );
  }
  return v.split(",");
}

export function databaseUrl(): string {
  const v = process.env["DATABASE_URL"];
  if (!v) {
    throw new Error(
      "DATABASE_URL is not set: start PostgreSQL with `npm run postgres -- start` and export what it prints (see README)",
    );
  }
  return v;
}

/** A topic or schema name no other test uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
}
