/**
 * Where the real Kafka broker and PostgreSQL server of the integration tests are:
 * `KAFKA_BROKERS` and `DATABASE_URL`, as `.ci/run` sets them after starting both
 * with the project's scripts (`npm run kafka -- start`, `npm run postgres -- start`).
 */
import process from "node:process";
import { portInUse } from "../../infra/process.ts";
import {
  createKafkaClient,
  type KafkaClient,
  type KafkaClientKind,
  kafkaClientKindOf,
} from "../../actors/kafka/mod.ts";

/** The Kafka client the tests use, as the nodes they start do: `KAFKA_CLIENT`, else troupe's default. */
export function testKafkaClientKind(): KafkaClientKind {
  return kafkaClientKindOf(process.env["KAFKA_CLIENT"]);
}

/** A client of the tests' own on `brokers` (default `KAFKA_BROKERS`), with {@link testKafkaClientKind}. */
export function testKafkaClient(brokers: readonly string[] = kafkaBrokers()): KafkaClient {
  return createKafkaClient({ brokers, client: testKafkaClientKind() });
}

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

/**
 * `n` distinct ports for a server that cannot bind port 0 and report it (a Kafka broker's
 * listeners), free a moment ago. Drawn at random below the kernel's ephemeral range
 * (32768 and up on Linux): a port picked from that range can be taken in between by
 * any outgoing connection or by another test's `listen(0)`.
 */
export async function staticPorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < n) {
    const p = 20_000 + Math.floor(Math.random() * 12_000);
    if (!ports.includes(p) && !(await portInUse(p))) ports.push(p);
  }
  return ports;
}
