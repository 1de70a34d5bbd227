/**
 * Reading a topic from its beginning without committing anything: a member of a
 * throwaway consumer group of its own, for tools and tests that look at what a
 * topic holds (dead letters, shipped logs) while the pipeline's groups go on.
 */
import type { ConsumedRecord } from "./batch_consumer.ts";
import type { KafkaClient } from "./client.ts";

/** A running reader. */
export interface TopicReader {
  /** Leaves the throwaway group and closes the reader's connections. */
  stop(): Promise<void>;
}

/** Options of {@link readTopicFromStart}. */
export interface ReadTopicOptions {
  /** The throwaway group's id. @default `troupe-reader-<time>-<random>` */
  groupId?: string;
}

/** Hands every record of `topic`, from the beginning and then as they arrive, to `onRecord` until `stop`. */
export async function readTopicFromStart(
  client: KafkaClient,
  topic: string,
  onRecord: (record: ConsumedRecord) => void,
  options: ReadTopicOptions = {},
): Promise<TopicReader> {
  const consumer = await client.batchConsumer({
    groupId: options.groupId ?? `troupe-reader-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`,
    topics: [topic],
    fromBeginning: true,
    onBatch: async (batch) => {
      for (const r of batch.records) onRecord(r);
      const last = batch.records.at(-1);
      if (last) batch.resolve(last.offset);
    },
  });
  return { stop: () => consumer.stop() };
}
