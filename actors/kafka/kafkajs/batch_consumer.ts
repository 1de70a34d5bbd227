/** The batch consumer on kafkajs (see ../batch_consumer.ts for the contract). */
import type { Consumer, EachBatchPayload, Kafka } from "kafkajs";
import type { BatchConsumer, BatchConsumerOptions, TopicPartition } from "../batch_consumer.ts";
import { unreachable as unreachableError } from "./unreachable.ts";

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
  let reported = false;
  const report = (err: unknown) => {
    if (reported) return;
    reported = true;
    options.onCrash?.(err);
  };
  // kafkajs restarts itself after a retriable failure. When that failure was not reaching a broker (not, say, a new
  // broker's coordinator still loading), the member is unreachable until the broker answers it again, in a join or a
  // heartbeat (not a fetch: a restarted consumer with no partitions yet reports fetches that asked no broker).
  let unreachable = false;
  c.on(c.events.CRASH, (e) => {
    if (!e.payload.restart) return report(e.payload.error);
    if (!unreachable && unreachableError(e.payload.error)) {
      unreachable = true;
      options.onReachable?.(false, e.payload.error?.message ?? String(e.payload.error));
    }
  });
  const answered = () => {
    if (!unreachable) return;
    unreachable = false;
    options.onReachable?.(true, "the broker answers again");
  };
  c.on(c.events.GROUP_JOIN, answered);
  c.on(c.events.HEARTBEAT, answered);
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
        try {
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
              timestamp: Number(m.timestamp),
            })),
            resolve: (offset) => p.resolveOffset(offset),
            heartbeat: () => p.heartbeat(),
            active: () => p.isRunning() && !p.isStale(),
          });
        } catch (err) {
          // The contract: a handler that throws ends the member (kafkajs alone would retry the batch for ever).
          report(err);
          throw err;
        }
      },
    });
  } catch (err) {
    await c.disconnect().catch(() => {});
    throw err;
  }
  let stopped: Promise<void> | null = null;
  return {
    groupProtocol: "classic",
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
