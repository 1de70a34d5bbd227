/**
 * The batch consumer on @platformatic/kafka (see ../batch_consumer.ts for the
 * contract). The package's message stream pauses only as a whole and moves its
 * positions past what it delivered, so this member runs a fetch loop of its own on
 * the package's group membership (join, sync, heartbeats on a timer, rejoin on a
 * rebalance), its `fetch` and its `commit`: each assigned partition has a position
 * (the next offset to fetch), a paused partition is left out of the next fetch, and
 * a batch's unresolved tail is fetched again. After every join the positions are
 * the group's committed offsets, as kafkajs does.
 */
import { Consumer, type FetchOptions } from "@platformatic/kafka";
import type {
  BatchConsumer,
  BatchConsumerOptions,
  ConsumedRecord,
  PartitionBatch,
  TopicPartition,
} from "../batch_consumer.ts";
import type { KafkaClientOptions } from "../client.ts";
import { baseOptions } from "./connection.ts";
import { errorText, headersOf } from "./records.ts";
import { renewAfterTimeout, renewingWhenSlow } from "./renew_connections.ts";

/** A record batch holding transaction markers, not records (bit 5 of its attributes). */
const IS_CONTROL = 1 << 5;

/** Fetch errors in a row (with back-off) before the member gives up and reports a crash. */
const MAX_FETCH_FAILURES = 8;

const key = (topic: string, partition: number) => `${topic}:${partition}`;

/** One topic of a fetch request. */
type FetchRequestTopic = FetchOptions<Buffer, Buffer, Buffer, Buffer>["topics"][number];

/** Joins the group, then fetches and hands batches over until stopped. */
export async function startBatchConsumer(
  client: KafkaClientOptions,
  options: BatchConsumerOptions,
): Promise<BatchConsumer> {
  const consumer = new Consumer({
    ...baseOptions(client),
    groupId: options.groupId,
    sessionTimeout: options.sessionTimeoutMs ?? 30_000,
    ...(options.groupInstanceId ? { groupInstanceId: options.groupInstanceId } : {}),
    heartbeatInterval: 3_000,
    maxWaitTime: 500,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
  });
  let assigned: TopicPartition[] = [];
  let generation = 0;
  let needPositions = true;
  const positions = new Map<string, bigint>();
  const paused = new Map<string, TopicPartition>();
  const lag = new Map<string, number>();
  let stopping = false;
  let crashed = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    const w = wake;
    wake = null;
    w?.();
  };
  const crash = (err: unknown) => {
    if (stopping || crashed) return;
    crashed = true;
    poke();
    options.onCrash?.(err);
  };

  consumer.on("consumer:group:join", (payload) => {
    assigned = (payload.assignments ?? []).flatMap((a) =>
      a.partitions.map((partition) => ({ topic: a.topic, partition }))
    );
    const keys = new Set(assigned.map((tp) => key(tp.topic, tp.partition)));
    for (const k of [...lag.keys()]) if (!keys.has(k)) lag.delete(k);
    for (const k of [...paused.keys()]) if (!keys.has(k)) paused.delete(k);
    generation++;
    needPositions = true;
    options.onAssign?.(assigned);
    poke();
  });
  // A rejoin that failed for good arrives as an 'error' event (an EventEmitter throws one nobody listens to).
  consumer.on("error", (err: unknown) => crash(fenced(err)));
  // Another live member joined with this member's group.instance.id: the broker fenced this one for good.
  consumer.on("consumer:heartbeat:error", (e) => {
    if (/FENCED_INSTANCE_ID/.test(errorText(e.error))) crash(fenced(e.error));
    // A heartbeat that timed out leaves its socket on TCP's back-off: the next requests go on new connections.
    else renewAfterTimeout(consumer, e.error);
  });
  const fenced = (err: unknown) =>
    /FENCED_INSTANCE_ID/.test(errorText(err))
      ? new Error(
        `group ${options.groupId}: another member joined with this member's group.instance.id '${options.groupInstanceId}' ` +
          "and the broker fenced this one; each member needs an id of its own (KAFKA_GROUP_INSTANCE_ID, NODE_ID)",
        { cause: err },
      )
      : err;

  for (const topic of options.topics) consumer.topics.track(topic);
  try {
    await consumer.joinGroup({});
  } catch (err) {
    await consumer.close().catch(() => {});
    throw err;
  }

  /** Positions from the group's committed offsets; a partition with none starts at the earliest or the latest. */
  const loadPositions = async () => {
    const byTopic = new Map<string, number[]>();
    for (const tp of assigned) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
    positions.clear();
    if (topics.length === 0) return;
    const committed = await consumer.listCommittedOffsets({ topics });
    const fallback = await consumer.listOffsets({
      topics: [...byTopic.keys()],
      timestamp: options.fromBeginning === false ? -1n : -2n,
    });
    for (const { topic, partitions } of topics) {
      for (const p of partitions) {
        const c = committed.get(topic)?.[p];
        positions.set(key(topic, p), c !== undefined && c >= 0n ? c : (fallback.get(topic)?.[p] ?? 0n));
      }
    }
  };

  /** Moves positions outside a partition's log back inside it (retention removed them, or a topic was recreated). */
  const clampPositions = async () => {
    const topics = [...new Set(assigned.map((tp) => tp.topic))];
    const earliest = await consumer.listOffsets({ topics, timestamp: -2n });
    const latest = await consumer.listOffsets({ topics, timestamp: -1n });
    for (const tp of assigned) {
      const k = key(tp.topic, tp.partition);
      const lo = earliest.get(tp.topic)?.[tp.partition] ?? 0n;
      const hi = latest.get(tp.topic)?.[tp.partition] ?? 0n;
      const at = positions.get(k) ?? lo;
      if (at < lo || at > hi) positions.set(k, options.fromBeginning === false ? hi : lo);
    }
  };

  /** One fetch of every assigned, unpaused partition, one request per leader; batches by partition. */
  const fetchOnce = async (): Promise<PartitionBatch[]> => {
    const wanted = assigned.filter((tp) => !paused.has(key(tp.topic, tp.partition)));
    if (wanted.length === 0) return [];
    const metadata = await consumer.metadata({ topics: [...new Set(wanted.map((tp) => tp.topic))] });
    const byLeader = new Map<number, Map<string, FetchRequestTopic>>();
    const topicById = new Map<string, string>();
    for (const tp of wanted) {
      const topic = metadata.topics.get(tp.topic);
      const meta = topic?.partitions[tp.partition];
      if (!topic || !meta) continue;
      topicById.set(topic.id, tp.topic);
      const requests = byLeader.get(meta.leader) ?? new Map<string, FetchRequestTopic>();
      byLeader.set(meta.leader, requests);
      const request = requests.get(topic.id) ?? { topicId: topic.id, partitions: [] };
      requests.set(topic.id, request);
      request.partitions.push({
        partition: tp.partition,
        fetchOffset: positions.get(key(tp.topic, tp.partition)) ?? 0n,
        partitionMaxBytes: options.maxBytesPerPartition ?? 1_048_576,
        // No leader epochs (-1), as kafkajs' older Fetch has none: a restarted broker then answers plainly
        // instead of with the diverging-epoch fields this client's parser reads past (measured in the chaos
        // suite's broker kill: every fetch failed with "Out of bounds" until the member was restarted).
        currentLeaderEpoch: -1,
        lastFetchedEpoch: -1,
      });
    }
    const fetchedIn = generation;
    const responses = await Promise.all(
      [...byLeader].map(([node, topics]) =>
        renewingWhenSlow(consumer, () => consumer.fetch({ node, topics: [...topics.values()], maxWaitTime: 500 }))
      ),
    );
    const batches: PartitionBatch[] = [];
    for (const response of responses) {
      for (const t of response.responses) {
        const topic = topicById.get(t.topicId);
        if (topic === undefined) continue;
        for (const p of t.partitions) {
          const k = key(topic, p.partitionIndex);
          const from = positions.get(k) ?? 0n;
          const records: ConsumedRecord[] = [];
          let next = from;
          for (const batch of p.records ?? []) {
            const last = batch.firstOffset + BigInt(batch.lastOffsetDelta);
            if (batch.attributes & IS_CONTROL) {
              if (last + 1n > next) next = last + 1n;
              continue;
            }
            for (const r of batch.records) {
              const offset = batch.firstOffset + BigInt(r.offsetDelta);
              if (offset < from) continue; // a compressed batch starts before the position
              records.push({
                topic,
                partition: p.partitionIndex,
                offset: String(offset),
                key: r.key,
                value: r.value,
                headers: headersOf(r.headers),
              });
            }
            if (last + 1n > next) next = last + 1n;
          }
          lag.set(k, Math.max(0, Number(p.highWatermark - next)));
          if (records.length === 0) {
            // Only control records (transaction markers) or nothing: move past them.
            if (next > from && fetchedIn === generation) positions.set(k, next);
            continue;
          }
          batches.push({
            topic,
            partition: p.partitionIndex,
            records,
            resolve: (offset) => {
              if (fetchedIn === generation) positions.set(k, BigInt(offset) + 1n);
            },
            heartbeat: async () => {
              if (fetchedIn !== generation) throw new Error(`group ${options.groupId} is rebalancing`);
            },
            active: () => !stopping && !crashed && fetchedIn === generation,
          });
        }
      }
    }
    return batches;
  };

  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        wake = null;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });

  const loop = (async () => {
    let failures = 0;
    while (!stopping && !crashed) {
      try {
        if (needPositions) {
          needPositions = false;
          const at = generation;
          await loadPositions();
          if (at !== generation) continue;
        }
        if (assigned.every((tp) => paused.has(key(tp.topic, tp.partition)))) {
          await idle(1000);
          continue;
        }
        const batches = await fetchOnce();
        failures = 0;
        for (const batch of batches) {
          if (!batch.active()) break;
          try {
            await options.onBatch(batch);
          } catch (err) {
            // The handler failed (a send it made, say): the member reports it and stops, and its owner starts
            // another with new connections. Retrying here hid such a failure: the batch came back for ever.
            crash(err);
            break;
          }
        }
      } catch (err) {
        if (stopping || crashed) break;
        const text = errorText(err);
        renewAfterTimeout(consumer, err); // metadata and offset reads are not wrapped like the fetch
        if (/OFFSET_OUT_OF_RANGE/.test(text)) await clampPositions().catch(() => {});
        if (++failures >= MAX_FETCH_FAILURES) {
          const f = fenced(err);
          crash(f === err ? new Error(errorText(err), { cause: err }) : f);
          break;
        }
        consumer.clearMetadata();
        await idle(Math.min(2000, 100 * 2 ** failures));
      }
    }
  })();

  const byTopic = (tps: TopicPartition[]) => tps.map((tp) => [key(tp.topic, tp.partition), tp] as const);
  let stopped: Promise<void> | null = null;
  return {
    pause: (tps) => {
      for (const [k, tp] of byTopic(tps)) paused.set(k, { topic: tp.topic, partition: tp.partition });
    },
    resume: (tps) => {
      for (const [k] of byTopic(tps)) paused.delete(k);
      poke();
    },
    paused: () => [...paused.values()],
    assigned: () => assigned,
    lag: () => Object.fromEntries(lag),
    commit: async (offsets) => {
      try {
        await renewingWhenSlow(consumer, () =>
          consumer.commit({
            offsets: offsets.map((o) => ({
              topic: o.topic,
              partition: o.partition,
              offset: BigInt(o.offset),
              leaderEpoch: -1,
            })),
          }));
      } catch (err) {
        throw fenced(err);
      }
    },
    stop: () => (stopped ??= (async () => {
      stopping = true;
      poke();
      await loop;
      await consumer.close();
    })()),
  };
}
