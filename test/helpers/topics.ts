/** Reading a topic back in tests, through troupe's own Kafka client (a throwaway group of the test's own). */
import type { Test } from "tap";
import { readTopicFromStart } from "../../actors/kafka/mod.ts";
import { testKafkaClient, uniqueName } from "./infra.ts";
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
  const client = testKafkaClient(brokers);
  t.teardown(() => client.close());
  const seen: ReadRecord[] = [];
  const reader = await readTopicFromStart(client, topic, (r) => {
    seen.push({
      partition: r.partition,
      offset: r.offset,
      key: r.key === null ? null : Buffer.from(r.key).toString(),
      value: r.value === null ? Buffer.alloc(0) : Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength),
      headers: r.headers,
    });
  }, { groupId: uniqueName("reader") });
  t.teardown(() => reader.stop());
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
