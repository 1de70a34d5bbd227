/**
 * Topics of a test's own, and reading a topic back, through troupe's own Kafka client (a throwaway group of the
 * test's own).
 */
import type { Test } from "tap";
import {
  committedTotal,
  endOffsetTotal,
  ensureTopics,
  type KafkaClient,
  readTopicFromStart,
} from "../../actors/kafka/mod.ts";
import { silentLogger } from "../../system/mod.ts";
import { kafkaBrokers, testKafkaClient, testKafkaClientKind, uniqueName } from "./infra.ts";
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

/**
 * A topic of the test's own (`partitions` partitions) with its dead-letter topic (`<topic>.deadletter`, one
 * partition) and a group id, for a consumer under test; a client of the test's to produce with. Both topics are
 * deleted and the client closed when the test ends.
 */
export async function consumedTopic(t: Test, prefix: string, partitions: number) {
  const brokers = kafkaBrokers();
  const topic = uniqueName(prefix);
  const dlq = `${topic}.deadletter`;
  const client = testKafkaClient(brokers);
  t.teardown(async () => {
    await client.deleteTopics([topic, dlq]).catch(() => {});
    await client.close();
  });
  const options = { log: silentLogger, connection: { client: testKafkaClientKind() } };
  await ensureTopics(brokers, [topic], { ...options, partitions });
  await ensureTopics(brokers, [dlq], { ...options, partitions: 1 });
  return { brokers, client, topic, dlq, groupId: uniqueName(`${prefix}_group`) };
}

/** Waits until `groupId` committed every offset `topic` has now (the end of each partition), for up to 60 s. */
export async function everyOffsetCommitted(
  client: KafkaClient,
  groupId: string,
  topic: string,
  what = "every offset committed",
): Promise<void> {
  const end = endOffsetTotal(await client.topicOffsets(topic));
  await until(what, async () => committedTotal(await client.committedOffsets(groupId, topic)) === end, 60_000, 50);
}
