/**
 * The batch consumer on @platformatic/kafka (see ../batch_consumer.ts for the
 * contract). The package's message stream pauses only as a whole and moves its
 * positions past what it delivered, so this member runs a fetch loop of its own on
 * the package's group membership (join, sync, heartbeats on a timer, rejoin on a
 * rebalance), its `fetch` and its `commit`: each assigned partition has a position
 * (the next offset to fetch), a paused partition is left out of the next fetch, and
 * a batch's unresolved tail is fetched again. A partition's position starts at
 * the group's committed offset whenever it is (re)assigned, as kafkajs does.
 *
 * Both group protocols: the classic one (JoinGroup and SyncGroup, an eager
 * rebalance whenever a member comes or goes) and KIP-848's consumer protocol
 * (`groupProtocol: "consumer"`, Kafka 4: the broker assigns, in heartbeats, and
 * moves only the partitions that change hands; see assignment.ts).
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
import { Assignment, flatAssignment, partitionKey as key } from "./assignment.ts";
import { errorText, headersOf, onlyUnreachable } from "./records.ts";
import { renewAfterTimeout, renewingWhenSlow } from "./renew_connections.ts";

/** A record batch holding transaction markers, not records (bit 5 of its attributes). */
const IS_CONTROL = 1 << 5;
/** A record batch stamped with the broker's append time (bit 3 of its attributes). */
const LOG_APPEND_TIME = 1 << 3;

/**
 * Fetch errors in a row (with back-off) before the member gives up and reports a crash. Errors that only say no
 * broker could be reached do not count: the member waits for the broker as kafkajs' does (a restart would do the same).
 */
const MAX_FETCH_FAILURES = 8;
/** The longest wait between two fetches that failed. */
const MAX_BACKOFF_MS = 2_000;
/** Fetches in a row that reached no broker before the member says it is unreachable (`onReachable`). */
const UNREACHABLE_AFTER = 3;

/** One topic of a fetch request. */
type FetchRequestTopic = FetchOptions<Buffer, Buffer, Buffer, Buffer>["topics"][number];

/** Joins the group, then fetches and hands batches over until stopped. */
export async function startBatchConsumer(
  client: KafkaClientOptions,
  options: BatchConsumerOptions,
): Promise<BatchConsumer> {
  const eager = (client.groupProtocol ?? "classic") === "classic";
  const consumer = new Consumer({
    ...baseOptions(client),
    groupId: options.groupId,
    ...(options.groupInstanceId ? { groupInstanceId: options.groupInstanceId } : {}),
    maxWaitTime: 500,
    maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    // The consumer protocol's session and heartbeat interval are the broker's (group.consumer.session.timeout.ms,
    // group.consumer.heartbeat.interval.ms); the classic protocol's are the member's.
    ...(eager
      ? { sessionTimeout: options.sessionTimeoutMs ?? 30_000, heartbeatInterval: 3_000 }
      // The broker's range assignor spreads each topic over the members; its default (uniform) balances counts
      // only, and gave one db node every images partition and the other every inferences partition (chaos suite).
      : { groupProtocol: "consumer" as const, groupRemoteAssignor: "range" }),
  });
  const assignment = new Assignment();
  /** Partitions (re)assigned whose positions are not read yet. */
  const unpositioned = new Set<string>();
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

  /** Takes the package's assignment now (`eager`: a classic join, where every partition was given up). */
  const reassign = (eager: boolean) => {
    const started = assignment.update(flatAssignment(consumer.assignments), eager);
    if (started === null) return;
    for (const k of [...positions.keys()]) if (!assignment.has(k)) positions.delete(k);
    for (const k of [...unpositioned]) if (!assignment.has(k)) unpositioned.delete(k);
    for (const k of [...lag.keys()]) if (!assignment.has(k)) lag.delete(k);
    for (const k of [...paused.keys()]) if (!assignment.has(k)) paused.delete(k);
    for (const k of started) {
      positions.delete(k);
      unpositioned.add(k);
    }
    options.onAssign?.(assignment.list);
    poke();
  };
  // Classic: the assignment comes with each join. Consumer protocol: in heartbeat answers, which the package takes
  // (and acknowledges) before the next heartbeat ends.
  consumer.on("consumer:group:join", () => reassign(eager));
  if (!eager) consumer.on("consumer:heartbeat:end", () => reassign(false));
  // A rejoin that failed for good arrives as an 'error' event (an EventEmitter throws one nobody listens to).
  consumer.on("error", (err: unknown) => crash(fenced(err)));
  // Another live member joined with this member's group.instance.id: the broker fenced this one for good.
  consumer.on("consumer:heartbeat:error", (e) => {
    if (/FENCED_INSTANCE_ID/.test(errorText(e.error))) crash(fenced(e.error));
    // A heartbeat that timed out leaves its socket on TCP's back-off: the next requests go on new connections.
    else renewAfterTimeout(consumer, e.error);
    // The consumer protocol: a member the broker fenced (or forgot) has given up its partitions and joins again.
    if (!eager) reassign(false);
  });
  const fenced = (err: unknown) =>
    /FENCED_INSTANCE_ID|UNRELEASED_INSTANCE_ID/.test(errorText(err))
      ? new Error(
        `group ${options.groupId}: another live member has this member's group.instance.id '${options.groupInstanceId}' ` +
          "and the broker refused this one; each member needs an id of its own (KAFKA_GROUP_INSTANCE_ID, NODE_ID)",
        { cause: err },
      )
      : /UNSUPPORTED_VERSION|UNSUPPORTED_ASSIGNOR|GROUP_ID_NOT_FOUND/.test(errorText(err)) && !eager
      ? new Error(
        `group ${options.groupId}: the broker refused the consumer group protocol (KAFKA_GROUP_PROTOCOL=consumer ` +
          "needs Kafka 4.0 or later with the feature group.version=1: a cluster formatted by Kafka 3.x keeps version 0 " +
          "until `kafka-features.sh upgrade --feature group.version=1`); or use KAFKA_GROUP_PROTOCOL=classic",
        { cause: err },
      )
      : err;

  for (const topic of options.topics) consumer.topics.track(topic);
  try {
    if (eager) await consumer.joinGroup({});
    else {
      // The package joins a consumer-protocol group only by opening a message stream. The stream is closed at once
      // (it would fetch on its own); the membership and its heartbeats stay, and the topics stay subscribed
      // (tracked above as well, and tracking counts).
      const stream = await consumer.consume({ topics: options.topics, mode: "latest", autocommit: false });
      await stream.close();
    }
  } catch (err) {
    await consumer.close().catch(() => {});
    throw fenced(err);
  }

  /**
   * Positions of the partitions (re)assigned from the group's committed offsets; a partition with none starts at the
   * earliest or the latest. A partition whose epoch moved on meanwhile stays unpositioned.
   */
  const loadPositions = async () => {
    const wanted = assignment.list.filter((tp) => unpositioned.has(key(tp.topic, tp.partition)));
    const epochs = new Map(
      wanted.map((tp) => [key(tp.topic, tp.partition), assignment.epochOf(key(tp.topic, tp.partition))]),
    );
    const byTopic = new Map<string, number[]>();
    for (const tp of wanted) byTopic.set(tp.topic, [...(byTopic.get(tp.topic) ?? []), tp.partition]);
    const topics = [...byTopic].map(([topic, partitions]) => ({ topic, partitions }));
    if (topics.length === 0) return;
    const committed = await consumer.listCommittedOffsets({ topics });
    const fallback = await consumer.listOffsets({
      topics: [...byTopic.keys()],
      timestamp: options.fromBeginning === false ? -1n : -2n,
    });
    for (const { topic, partitions } of topics) {
      for (const p of partitions) {
        const k = key(topic, p);
        if (assignment.epochOf(k) !== epochs.get(k)) continue;
        const c = committed.get(topic)?.[p];
        positions.set(k, c !== undefined && c >= 0n ? c : (fallback.get(topic)?.[p] ?? 0n));
        unpositioned.delete(k);
      }
    }
  };

  /** Moves positions outside a partition's log back inside it (retention removed them, or a topic was recreated). */
  const clampPositions = async () => {
    const topics = [...new Set(assignment.list.map((tp) => tp.topic))];
    const earliest = await consumer.listOffsets({ topics, timestamp: -2n });
    const latest = await consumer.listOffsets({ topics, timestamp: -1n });
    for (const tp of assignment.list) {
      const k = key(tp.topic, tp.partition);
      const lo = earliest.get(tp.topic)?.[tp.partition] ?? 0n;
      const hi = latest.get(tp.topic)?.[tp.partition] ?? 0n;
      const at = positions.get(k) ?? lo;
      if (at < lo || at > hi) positions.set(k, options.fromBeginning === false ? hi : lo);
    }
  };

  /** One fetch of every assigned, unpaused partition, one request per leader; batches by partition. */
  const fetchOnce = async (): Promise<PartitionBatch[]> => {
    const wanted = assignment.list.filter((tp) =>
      !paused.has(key(tp.topic, tp.partition)) && positions.has(key(tp.topic, tp.partition))
    );
    const fetchedIn = new Map(
      wanted.map((tp) => [key(tp.topic, tp.partition), assignment.epochOf(key(tp.topic, tp.partition))]),
    );
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
          const epoch = fetchedIn.get(k);
          const current = () => epoch !== undefined && assignment.epochOf(k) === epoch;
          if (!current()) continue; // reassigned (or given up) while the fetch was out
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
                // A batch stamped with the broker's append time (attributes bit 3) holds it as its max timestamp.
                timestamp: Number(
                  batch.attributes & LOG_APPEND_TIME ? batch.maxTimestamp : batch.firstTimestamp + r.timestampDelta,
                ),
              });
            }
            if (last + 1n > next) next = last + 1n;
          }
          lag.set(k, Math.max(0, Number(p.highWatermark - next)));
          if (records.length === 0) {
            // Only control records (transaction markers) or nothing: move past them.
            if (next > from) positions.set(k, next);
            continue;
          }
          batches.push({
            topic,
            partition: p.partitionIndex,
            records,
            resolve: (offset) => {
              if (current()) positions.set(k, BigInt(offset) + 1n);
            },
            heartbeat: async () => {
              if (!current()) throw new Error(`group ${options.groupId} is rebalancing: ${k} was reassigned`);
            },
            active: () => !stopping && !crashed && current(),
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
    /** Failed fetches in a row, and those of them that reached a broker. */
    let attempts = 0;
    let failures = 0;
    let unreachableSaid = false;
    while (!stopping && !crashed) {
      try {
        if (unpositioned.size > 0) await loadPositions();
        if (
          assignment.list.every((tp) =>
            paused.has(key(tp.topic, tp.partition)) || !positions.has(key(tp.topic, tp.partition))
          )
        ) {
          await idle(1000);
          continue;
        }
        const batches = await fetchOnce();
        attempts = 0;
        failures = 0;
        if (unreachableSaid) {
          unreachableSaid = false;
          options.onReachable?.(true, "fetching again");
        }
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
        const unreachable = onlyUnreachable(err);
        if (!unreachable && ++failures >= MAX_FETCH_FAILURES) {
          const f = fenced(err);
          crash(f === err ? new Error(errorText(err), { cause: err }) : f);
          break;
        }
        if (++attempts >= UNREACHABLE_AFTER && unreachable && !unreachableSaid) {
          unreachableSaid = true;
          options.onReachable?.(false, text);
        }
        consumer.clearMetadata();
        await idle(Math.min(MAX_BACKOFF_MS, 100 * 2 ** attempts));
      }
    }
  })();

  const byTopic = (tps: TopicPartition[]) => tps.map((tp) => [key(tp.topic, tp.partition), tp] as const);
  let stopped: Promise<void> | null = null;
  return {
    groupProtocol: eager ? "classic" : "consumer",
    pause: (tps) => {
      for (const [k, tp] of byTopic(tps)) paused.set(k, { topic: tp.topic, partition: tp.partition });
    },
    resume: (tps) => {
      for (const [k] of byTopic(tps)) paused.delete(k);
      poke();
    },
    paused: () => [...paused.values()],
    assigned: () => assignment.list,
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
