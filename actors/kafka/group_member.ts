/**
 * What troupe's two Kafka consumers (db and inference) share: joining the group
 * with a client of their own and a producer for dead letters, handing records
 * downstream with the partitions paused while downstream is full, and sending
 * rejected records to the dead-letter topic with their reason.
 */
import { traceIdOf, TRACEPARENT_HEADER } from "../../protocols/trace_context.ts";
import type { BatchConsumer, ConsumedRecord, PartitionBatch, TopicPartition } from "./batch_consumer.ts";
import { OffsetsWatch } from "./offsets_watch.ts";
import {
  createKafkaClient,
  type KafkaClient,
  type KafkaConnection,
  type KafkaProducer,
  type OutgoingRecord,
} from "./client.ts";
import {
  DEAD_LETTER_HEADERS,
  deadLetterHeaders,
  type DeadLetterReason,
  deadLetterReference,
} from "../../protocols/deadletter.ts";
import { type ActorContext, type ActorRef, errorMessage, type Readiness, TroupeError } from "../../system/mod.ts";

/** The Kafka consumer stopped and will not restart by itself. */
export class ConsumerCrashed extends TroupeError {
  /** The consumer's crash, and its cause. */
  constructor(cause: unknown) {
    super("TROUPE_ERR_CONSUMER_CRASHED", `Kafka consumer crashed: ${errorMessage(cause)}`, { cause, retriable: true });
  }
}

/** A joined group member. */
export interface GroupMember {
  client: KafkaClient;
  consumer: BatchConsumer;
  /** Sends dead letters (and, for the inference loop, results). */
  producer: KafkaProducer;
  /** The largest record batch the dead-letter topic accepts. */
  deadLetterMaxBytes: number;
  /** The group's committed offsets, high watermarks and lag of this member's partitions, read every 5 s. */
  offsets: OffsetsWatch;
}

/** What a dead-letter topic is assumed to accept when its config cannot be read (the broker's default). */
export const DEFAULT_DEAD_LETTER_MAX_BYTES = 1_048_588;

/** Options of {@link joinGroup}. */
export interface JoinOptions {
  brokers: readonly string[];
  /** How to reach Kafka beyond the broker list (which client package). @default the default client */
  connection?: KafkaConnection;
  groupId: string;
  topics: string[];
  /** Its `max.message.bytes` bounds every dead letter. */
  deadLetterTopic: string;
  sessionTimeoutMs?: number;
  /**
   * Static membership (Kafka's `group.instance.id`): a member that comes back under the same id within the session
   * timeout takes its partitions back without a rebalance. Ignored by the kafkajs adapter, which has none.
   */
  groupInstanceId?: string;
  readiness?: Readiness;
  dependency: string;
  /** Handles a batch; called only after the caller's `begin()`. */
  onBatch(batch: PartitionBatch): Promise<void>;
  /** The consumer stopped for good (the actor should fail). */
  onCrash(error: unknown): void;
}

/**
 * Connects a client and a producer, then joins the group. Batches wait until the
 * caller, having put the member in its state, calls `begin()`.
 */
export async function joinGroup<M>(
  ctx: ActorContext<M>,
  options: JoinOptions,
): Promise<{ member: GroupMember; begin(): void }> {
  const client = createKafkaClient({
    ...options.connection,
    brokers: options.brokers,
    clientId: `troupe-${options.groupId}`,
    log: ctx.log,
  });
  try {
    const producer = await client.producer();
    const deadLetterMaxBytes = await client.maxMessageBytes(options.deadLetterTopic).catch((err: unknown) => {
      ctx.log.warn("dead-letter topic's max.message.bytes not readable: assuming the broker default", {
        topic: options.deadLetterTopic,
        error: errorMessage(err),
        assumed: DEFAULT_DEAD_LETTER_MAX_BYTES,
      });
      return DEFAULT_DEAD_LETTER_MAX_BYTES;
    });
    let started!: () => void;
    const whenStarted = new Promise<void>((r) => (started = r));
    const consumer = await client.batchConsumer({
      groupId: options.groupId,
      topics: options.topics,
      fromBeginning: true,
      ...(options.sessionTimeoutMs ? { sessionTimeoutMs: options.sessionTimeoutMs } : {}),
      ...(options.groupInstanceId ? { groupInstanceId: options.groupInstanceId } : {}),
      onBatch: async (b) => {
        await whenStarted;
        await options.onBatch(b);
      },
      onAssign: (tps: TopicPartition[]) => {
        options.readiness?.set(options.dependency, true, `member of ${options.groupId}, ${tps.length} partitions`);
        ctx.log.info("partitions assigned", { partitions: tps.map((tp) => `${tp.topic}:${tp.partition}`) });
      },
      onCrash: options.onCrash,
      onReachable: (reachable, detail) => {
        if (reachable) {
          ctx.log.info("Kafka reachable again", { groupId: options.groupId, detail });
          options.readiness?.set(options.dependency, true, `member of ${options.groupId}, ${detail}`);
        } else {
          ctx.log.warn("Kafka unreachable: the member keeps trying", { groupId: options.groupId, error: detail });
          options.readiness?.set(options.dependency, false, `Kafka unreachable: ${detail}`);
        }
      },
    });
    const offsets = new OffsetsWatch({
      client,
      groupId: options.groupId,
      topics: options.topics,
      assigned: () => consumer.assigned(),
      log: ctx.log,
    });
    offsets.start();
    return { member: { client, consumer, producer, deadLetterMaxBytes, offsets }, begin: started };
  } catch (err) {
    await client.close();
    throw err;
  }
}

/** A record refused, and why. */
export interface Rejected {
  record: ConsumedRecord;
  reason: DeadLetterReason;
  detail: string;
  /** More dead-letter headers (e.g. `troupe-sqlstate`). */
  headers?: Record<string, string>;
}

/**
 * Sends `rejected` to `topic` with their original bytes and reason headers; counts
 * and logs them. A dead letter that would exceed the topic's limit carries a
 * reference instead of the value (protocols/deadletter.ts); the records go in
 * sends that each fit the limit.
 */
export async function sendDeadLetters<M>(
  member: GroupMember,
  ctx: ActorContext<M>,
  options: { topic: string; groupId: string; counts: Partial<Record<DeadLetterReason, number>> },
  rejected: Rejected[],
): Promise<void> {
  if (rejected.length === 0) return;
  const letters = rejected.map(({ record, reason, detail, headers }) =>
    fitDeadLetter(
      {
        key: record.key ? new TextDecoder().decode(record.key) : null,
        value: record.value ?? new Uint8Array(0),
        headers: deadLetterHeaders({
          reason,
          detail,
          topic: record.topic,
          partition: record.partition,
          offset: record.offset,
          consumer: options.groupId,
          ...(headers ? { extra: headers } : {}),
        }, record.headers),
      },
      record,
      member.deadLetterMaxBytes,
    )
  );
  for (const send of fittingSends(letters, member.deadLetterMaxBytes)) await member.producer.send(options.topic, send);
  rejected.forEach(({ record, reason, detail }, i) => {
    options.counts[reason] = (options.counts[reason] ?? 0) + 1;
    const truncated = letters[i]?.headers?.[DEAD_LETTER_HEADERS.truncated];
    const traceId = traceIdOf(record.headers[TRACEPARENT_HEADER]);
    ctx.log.warn("record dead-lettered", {
      reason,
      detail,
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      ...(traceId ? { traceId } : {}),
      ...(truncated ? { truncated, bytes: record.value?.byteLength ?? 0 } : {}),
    });
  });
}

/** Room in a record batch beside the records themselves (its header is 61 bytes). */
const BATCH_OVERHEAD = 256;
/** Per record: length, attributes, timestamp and offset deltas, header counts (varints). */
const RECORD_OVERHEAD = 64;

/** The bytes a record takes in a batch, generously counted. */
function recordBytes(r: OutgoingRecord): number {
  let n = RECORD_OVERHEAD + byteLength(r.key ?? "") + byteLength(r.value);
  for (const [k, v] of Object.entries(r.headers ?? {})) n += 8 + byteLength(k) + byteLength(v);
  return n;
}

function byteLength(v: string | Uint8Array | null): number {
  return v === null ? 0 : typeof v === "string" ? new TextEncoder().encode(v).byteLength : v.byteLength;
}

/** `letter` as it fits in `maxBytes`: the value, then the original headers, then the key give way. */
function fitDeadLetter(letter: OutgoingRecord, source: ConsumedRecord, maxBytes: number): OutgoingRecord {
  const room = maxBytes - BATCH_OVERHEAD;
  if (recordBytes(letter) <= room) return letter;
  const value = JSON.stringify(deadLetterReference(source, source.value ?? new Uint8Array(0)));
  const troupeOnly = Object.fromEntries(
    Object.entries(letter.headers ?? {}).filter(([k]) => k.startsWith("troupe-")),
  );
  const steps: OutgoingRecord[] = [
    { ...letter, value, headers: { ...letter.headers, [DEAD_LETTER_HEADERS.truncated]: "true" } },
    { ...letter, value, headers: { ...troupeOnly, [DEAD_LETTER_HEADERS.truncated]: "value,headers" } },
    { key: null, value, headers: { ...troupeOnly, [DEAD_LETTER_HEADERS.truncated]: "value,headers,key" } },
  ];
  for (const s of steps) if (recordBytes(s) <= room) return s;
  return steps[steps.length - 1] as OutgoingRecord;
}

/** `letters` in consecutive groups whose records together fit one batch of `maxBytes`. */
function fittingSends(letters: OutgoingRecord[], maxBytes: number): OutgoingRecord[][] {
  const sends: OutgoingRecord[][] = [];
  let current: OutgoingRecord[] = [];
  let bytes = BATCH_OVERHEAD;
  for (const l of letters) {
    const n = recordBytes(l);
    if (current.length > 0 && bytes + n > maxBytes) {
      sends.push(current);
      current = [];
      bytes = BATCH_OVERHEAD;
    }
    current.push(l);
    bytes += n;
  }
  if (current.length > 0) sends.push(current);
  return sends;
}

/** What {@link sendPausing} reads and updates of a consumer's state. */
export interface PausableMember {
  consumer: BatchConsumer;
  pausedSince: string | null;
  offsets?: OffsetsWatch;
}

/** Leaves the group: stops reading offsets and closes the member's client (consumer and producer). */
export async function leaveGroup(member: GroupMember): Promise<void> {
  member.offsets.stop();
  await member.client.close();
}

const WAIT_SLICE_MS = 1_000;
/**
 * How long a full downstream mailbox is waited on before the partitions are paused. A
 * downstream that takes a chunk at a time (the inference sink) is full between chunks
 * in steady work: pausing at once paused and resumed every chunk (7,084 times, each
 * logged, in one chaos run).
 */
const PAUSE_AFTER_MS = 250;

/**
 * Sends `msg` to `to`. While its mailbox stays full (longer than 250 ms), every
 * assigned partition is paused (shown in `/actors` as `paused`, `pausedSince`) and
 * the group session is kept alive between one-second waits for room. Resolves false,
 * without sending, when the batch went stale (rebalance) or the actor is stopping.
 */
export async function sendPausing<T, M>(
  member: PausableMember,
  ctx: ActorContext<M>,
  batch: PartitionBatch,
  to: ActorRef<T>,
  msg: T,
  counts: { pauses: number; waits: number },
): Promise<boolean> {
  if (to.trySend(msg)) return true;
  counts.waits++;
  try {
    await to.send(msg, { signal: AbortSignal.any([AbortSignal.timeout(PAUSE_AFTER_MS), ctx.signal]) });
    return true;
  } catch (err) {
    if (ctx.signal.aborted) return false;
    if ((err as Error)?.name !== "TimeoutError") throw err;
  }
  if (!batch.active()) return false;
  const all: TopicPartition[] = member.consumer.assigned();
  member.consumer.pause(all);
  member.pausedSince = new Date().toISOString();
  counts.pauses++;
  ctx.log.info("downstream is full: partitions paused", { downstream: to.path, partitions: all.length });
  try {
    for (;;) {
      if (!batch.active() || ctx.signal.aborted) return false;
      try {
        await to.send(msg, { signal: AbortSignal.any([AbortSignal.timeout(WAIT_SLICE_MS), ctx.signal]) });
        return true;
      } catch (err) {
        if (ctx.signal.aborted || (err as Error)?.name !== "TimeoutError") throw err;
        await batch.heartbeat();
      }
    }
  } finally {
    member.consumer.resume(all);
    ctx.log.info("partitions resumed", { pausedSince: member.pausedSince });
    member.pausedSince = null;
  }
}

/** The group figures both consumers show in `/actors`. */
export function memberFigures(groupId: string, member: PausableMember): Record<string, unknown> {
  return {
    groupId,
    groupProtocol: member.consumer.groupProtocol,
    assigned: member.consumer.assigned().length,
    paused: member.consumer.paused().map((tp) => `${tp.topic}:${tp.partition}`),
    lag: member.consumer.lag(),
    offsets: member.offsets?.latest() ?? [],
    pausedSince: member.pausedSince,
  };
}
