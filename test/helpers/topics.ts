/** Reading a topic back in tests, with a bare kafkajs consumer of the test's own. */
import { Kafka, logLevel } from "kafkajs";
import type { Test } from "tap";
import { uniqueName } from "./infra.ts";
import { until } from "./wait.ts";

/** A record read back. */
export interface ReadRecord {
  partition: number;
  offset: string;
  key: string | null;
  value: Buffer;
  headers: Record<string, string>;
}

/** Reads `topic` from the beginning until at least `atLeast` records arrived (fails after `timeoutMs`). */
export async function readTopic(
  t: Test,
  brokers: string[],
  topic: string,
  atLeast: number,
  timeoutMs = 60_000,
): Promise<ReadRecord[]> {
  const consumer = new Kafka({ brokers, logLevel: logLevel.NOTHING }).consumer({ groupId: uniqueName("reader") });
  const seen: ReadRecord[] = [];
  await consumer.connect();
  t.teardown(() => consumer.disconnect());
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
      seen.push({
        partition,
        offset: message.offset,
        key: message.key?.toString() ?? null,
        value: message.value ?? Buffer.alloc(0),
        headers,
      });
    },
  });
  // A check that throws is retried, and the timeout names its last error: how many had arrived.
  await until(
    `${atLeast} records in ${topic}`,
    () => {
      if (seen.length >= atLeast) return true;
      throw new Error(`${seen.length} had arrived`);
    },
    timeoutMs,
    50,
  );
  return seen;
}
