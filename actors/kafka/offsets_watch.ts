/**
 * A consumer group member's lag as Kafka's own tools report it
 * (`kafka-consumer-groups.sh --describe`): for each partition assigned to the
 * member, the group's committed offset, the partition's high watermark (log end)
 * and the difference. Read every few seconds from the brokers, so it shows what
 * the group has committed, not what was last fetched.
 */
import { errorMessage, type Logger } from "../../system/mod.ts";
import type { TopicPartition } from "./batch_consumer.ts";
import type { KafkaClient, PartitionOffsets } from "./client.ts";

/** One assigned partition's offsets. */
export interface PartitionLag {
  /** The topic. */
  topic: string;
  /** The partition. */
  partition: number;
  /** The group's committed offset (the next record it reads); null when it committed none. */
  committed: string | null;
  /** The high watermark: the offset the next record written gets. */
  high: string;
  /** `high - committed`; with no commit, the records the group has still to read from the log's start. */
  lag: number;
}

/**
 * A group's lag on one partition: its log end minus its committed offset; with no commit, the records it has still
 * to read from the log's start. Never below 0 (a commit can be read just after a newer log end).
 */
export function partitionLag(end: PartitionOffsets, committed: string | null): number {
  return Math.max(0, Number(end.high) - Number(committed ?? end.low));
}

/** Options of {@link OffsetsWatch}. */
export interface OffsetsWatchOptions {
  /** The client that reads the offsets. */
  client: KafkaClient;
  /** The consumer group. */
  groupId: string;
  /** The topics the group consumes. */
  topics: readonly string[];
  /** The member's partitions now. */
  assigned(): TopicPartition[];
  /** How often the offsets are read, in milliseconds. @default 5000 */
  intervalMs?: number;
  /** Where a failed read is said (once). */
  log?: Logger;
}

/** Reads the group's offsets of the member's partitions now and every `intervalMs`. */
export class OffsetsWatch {
  readonly #o: OffsetsWatchOptions;
  #latest: PartitionLag[] = [];
  #timer: ReturnType<typeof setInterval> | null = null;
  #running: Promise<void> | null = null;
  #warned = false;

  /** A watch of `options.groupId`'s offsets; {@link OffsetsWatch.start} starts it. */
  constructor(options: OffsetsWatchOptions) {
    this.#o = options;
  }

  /** Starts reading (the first read at once). */
  start(): void {
    if (this.#timer) return;
    void this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#o.intervalMs ?? 5000);
    (this.#timer as { unref?: () => void }).unref?.();
  }

  /** Reads once; a read already under way is waited for instead. A failed read keeps the last figures. */
  refresh(): Promise<void> {
    this.#running ??= this.#read().finally(() => (this.#running = null));
    return this.#running;
  }

  /** The last figures read, by topic and partition. */
  latest(): PartitionLag[] {
    return this.#latest;
  }

  /** Stops reading (the last figures stay). */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = null;
  }

  async #read(): Promise<void> {
    const mine = new Set(this.#o.assigned().map((tp) => `${tp.topic}:${tp.partition}`));
    try {
      const out: PartitionLag[] = [];
      for (const topic of this.#o.topics) {
        const [committed, ends] = await Promise.all([
          this.#o.client.committedOffsets(this.#o.groupId, topic),
          this.#o.client.topicOffsets(topic),
        ]);
        const byPartition = new Map(committed.map((c) => [c.partition, c.offset]));
        for (const e of ends) {
          if (!mine.has(`${topic}:${e.partition}`)) continue;
          const c = byPartition.get(e.partition) ?? null;
          out.push({ topic, partition: e.partition, committed: c, high: e.high, lag: partitionLag(e, c) });
        }
      }
      this.#latest = out;
      this.#warned = false;
    } catch (err) {
      if (!this.#warned) {
        this.#o.log?.warn("group offsets not readable: lag figures are as of the last read", {
          groupId: this.#o.groupId,
          error: errorMessage(err),
        });
      }
      this.#warned = true;
    }
  }
}
