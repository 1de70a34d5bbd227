/**
 * A kafkajs consumer-group member for at-least-once processing: whole partition
 * batches are handed to `onBatch`, offsets are committed only when the caller
 * says so (`commit`, never automatically), and partitions can be paused while
 * downstream is full. The next fetch of a partition starts after the last offset
 * `resolve`d in `onBatch`; an unresolved tail is fetched again.
 */
import type { Consumer, EachBatchPayload, Kafka } from "kafkajs";

/** One consumed record. */
export interface ConsumedRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Uint8Array | null;
  value: Uint8Array | null;
  headers: Record<string, string>;
}

/** A fetched batch of one partition, in offset order. */
export interface PartitionBatch {
  topic: string;
  partition: number;
  records: ConsumedRecord[];
  /** The next fetch of this partition starts after `offset`. */
  resolve(offset: string): void;
  /** Keeps the group membership alive during long processing; throws on a rebalance. */
  heartbeat(): Promise<void>;
  /** False once the consumer is stopping or the batch is stale (rebalance): leave the rest. */
  active(): boolean;
}

/** A topic-partition. */
export interface TopicPartition {
  topic: string;
  partition: number;
}

/** Options of a batch consumer. */
export interface BatchConsumerOptions {
  groupId: string;
  topics: string[];
  /** Where a group without committed offsets starts. @default true */
  fromBeginning?: boolean;
  onBatch(batch: PartitionBatch): Promise<void>;
  /** The group's assignment of this member changed. */
  onAssign?(assigned: TopicPartition[]): void;
  /** The consumer crashed and will not restart by itself. */
  onCrash?(err: unknown): void;
  /** @default 30000 */
  sessionTimeoutMs?: number;
  /** @default 1048576 */
  maxBytesPerPartition?: number;
}

/** A running batch consumer. */
export interface BatchConsumer {
  /** Stops fetching these partitions (after the batch in hand). */
  pause(tps: TopicPartition[]): void;
  resume(tps: TopicPartition[]): void;
  /** Partitions paused now. */
  paused(): TopicPartition[];
  /** Partitions assigned to this member now. */
  assigned(): TopicPartition[];
  /**
   * Records between each assigned partition's last fetched batch and its high
   * watermark at that fetch, by `topic:partition` (a partition not fetched yet is absent).
   */
  lag(): Record<string, number>;
  /** Commits `offset` (the next offset to read) of each partition. */
  commit(offsets: (TopicPartition & { offset: string })[]): Promise<void>;
  stop(): Promise<void>;
}

/** Connects, subscribes and starts the consumer. */
export async function startBatchConsumer(kafka: Kafka, options: BatchConsumerOptions): Promise<BatchConsumer> {
  const c: Consumer = kafka.consumer({
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    heartbeatInterval: 3_000,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    // Kafka's own default; kafkajs' 5 s would hold a graceful stop up to 5 s per consumer.
    maxWaitTimeInMs: 500,
  });
  let assigned: TopicPartition[] = [];
  const lag = new Map<string, number>();
  c.on(c.events.GROUP_JOIN, (e) => {
    assigned = Object.entries(e.payload.memberAssignment).flatMap(([topic, ps]) =>
      ps.map((partition) => ({ topic, partition }))
    );
    const keys = new Set(assigned.map((tp) => `${tp.topic}:${tp.partition}`));
    for (const k of lag.keys()) if (!keys.has(k)) lag.delete(k);
    options.onAssign?.(assigned);
  });
  c.on(c.events.CRASH, (e) => {
    if (!e.payload.restart) options.onCrash?.(e.payload.error);
  });
  await c.connect();
  try {
    await c.subscribe({ topics: options.topics, fromBeginning: options.fromBeginning ?? true });
    await c.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 1,
      eachBatch: async (p: EachBatchPayload) => {
        const { batch } = p;
        lag.set(`${batch.topic}:${batch.partition}`, Number(batch.offsetLag()));
        await options.onBatch({
          topic: batch.topic,
          partition: batch.partition,
          records: batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key,
            value: m.value,
            headers: headersOf(m.headers),
          })),
          resolve: (offset) => p.resolveOffset(offset),
          heartbeat: () => p.heartbeat(),
          active: () => p.isRunning() && !p.isStale(),
        });
      },
    });
  } catch (err) {
    await c.disconnect().catch(() => {});
    throw err;
  }
  let stopped: Promise<void> | null = null;
  return {
    pause: (tps) => c.pause(group(tps)),
    resume: (tps) => c.resume(group(tps)),
    paused: () => c.paused().flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition }))),
    assigned: () => assigned,
    lag: () => Object.fromEntries(lag),
    commit: (offsets) =>
      c.commitOffsets(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset }))),
    stop: () => (stopped ??= c.disconnect()),
  };
}

function group(tps: TopicPartition[]): { topic: string; partitions: number[] }[] {
  const m = new Map<string, number[]>();
  for (const tp of tps) m.set(tp.topic, [...(m.get(tp.topic) ?? []), tp.partition]);
  return [...m].map(([topic, partitions]) => ({ topic, partitions }));
}

/** Kafka headers as UTF-8 strings (a header given several times is comma-joined). */
export function headersOf(h: Record<string, unknown> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h ?? {})) {
    if (v === undefined || v === null) continue;
    out[k] = Array.isArray(v) ? v.map(String).join(",") : String(v);
  }
  return out;
}
