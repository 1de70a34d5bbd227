/**
 * The inference role's Kafka loop: a consumer-group member on the images topic.
 * Each chunk of a fetched batch is decoded (bad records are dead-lettered), its
 * images go to the model pool together (so batches form), and the results are
 * produced to the inferences topic keyed by image id; the chunk's offsets are
 * committed only after Kafka acknowledged the results. While the pool's queue is
 * full every assigned partition is paused, and the group session is kept alive.
 * An image the pool fails (bad pixels, or its worker failed twice) is
 * dead-lettered with the reason, so nothing blocks the partition.
 */
import type { ConsumedRecord, PartitionBatch } from "../kafka/mod.ts";
import type { DeadLetterReason } from "../../protocols/deadletter.ts";
import { decodeImageEnvelope } from "../../protocols/image_envelope.ts";
import { childTraceparent, TRACEPARENT_HEADER } from "../../protocols/trace_context.ts";
import type { HopReporter } from "../../protocols/hops.ts";
import { encodeInferenceEnvelope, INFERENCE_ENVELOPE_VERSION } from "../../protocols/inference_envelope.ts";
import {
  type ActorContext,
  type ActorProps,
  type ActorRef,
  type Behaviour,
  type ChildSpec,
  childSpec,
  errorMessage,
  type Readiness,
  replyAddress,
} from "../../system/mod.ts";
import {
  ConsumerCrashed,
  type GroupMember,
  joinGroup,
  type KafkaConnection,
  leaveGroup,
  memberFigures,
  type Rejected,
  sendDeadLetters,
  sendPausing,
} from "../kafka/mod.ts";
import type { ModelPoolMsg, PoolReply } from "../inference/mod.ts";

/** The inference consumer takes no messages from other actors. */
export type InferenceConsumerMsg = never;

/** Its own: kafkajs stopped it for good. */
type Msg = { type: "consumer.crashed"; error: unknown };

/** Running figures. */
export interface InferenceConsumerStats {
  consumed: number;
  inferred: number;
  deadLettered: Partial<Record<DeadLetterReason, number>>;
  commits: number;
  pauses: number;
}

/** Options of {@link inferenceConsumer}. */
export interface InferenceConsumerOptions {
  brokers: readonly string[];
  /** How to reach Kafka beyond the broker list (which client package). @default the default client */
  connection?: KafkaConnection;
  groupId: string;
  topics: { images: string; inferences: string; deadletter: string };
  pool: ActorRef<ModelPoolMsg>;
  /** Records sent to the pool together. */
  chunk: number;
  maxMessageBytes: number;
  /** Longest wait for one image's result. */
  timeoutMs: number;
  readiness?: Readiness;
  stats?: InferenceConsumerStats;
  /** Static membership (Kafka's `group.instance.id`); see the Kafka capability's batch consumer. */
  groupInstanceId?: string;
  /** Told each image consumed, inferred and its result produced (the node samples and ships them: protocols/hops.ts). */
  hops?: HopReporter;
}

interface State extends GroupMember {
  pausedSince: string | null;
}

/** Zeroed stats. */
export function newInferenceConsumerStats(): InferenceConsumerStats {
  return { consumed: 0, inferred: 0, deadLettered: {}, commits: 0, pauses: 0 };
}

/** The consumer's behaviour. */
export function inferenceConsumer(options: InferenceConsumerOptions): Behaviour<InferenceConsumerMsg, State> {
  const dep = "kafka-inference-consumer";
  const stats = options.stats ?? newInferenceConsumerStats();
  options.readiness?.declare(dep, "not connected yet");

  /** Sends one image to the pool (waiting, partitions paused, while its queue is full); null when the batch went stale. */
  const submit = async (
    state: State,
    ctx: ActorContext<Msg>,
    batch: PartitionBatch,
    png: Uint8Array,
    traceparent: string | undefined,
  ): Promise<{ reply: Promise<PoolReply> } | null> => {
    const address = replyAddress<PoolReply>(options.pool, options.timeoutMs);
    const msg: ModelPoolMsg = {
      type: "pool.infer",
      png,
      replyTo: address.ref,
      ...(traceparent ? { traceparent } : {}),
    };
    if (!(await sendPausing(state, ctx, batch, options.pool, msg, stats))) return null;
    address.arm();
    // The reply is awaited later, with the rest of its chunk: it must never reject unhandled.
    return {
      reply: address.reply.catch((err: unknown): PoolReply => ({
        type: "pool.result",
        ok: false,
        reason: "worker_hung",
        message: errorMessage(err),
      })),
    };
  };

  const onBatch = async (state: State, ctx: ActorContext<Msg>, batch: PartitionBatch) => {
    for (let i = 0; i < batch.records.length; i += options.chunk) {
      if (!batch.active() || ctx.signal.aborted) return;
      const chunk = batch.records.slice(i, i + options.chunk);
      const rejected: Rejected[] = [];
      const pending: { record: ConsumedRecord; imageId: string; capturedAt: string; reply: Promise<PoolReply> }[] = [];
      for (const record of chunk) {
        const d = decodeImageEnvelope(record.value, { maxBytes: options.maxMessageBytes });
        if (!d.ok) {
          rejected.push({ record, reason: d.reason, detail: d.detail });
          continue;
        }
        options.hops?.("consumed", record.headers[TRACEPARENT_HEADER], Date.now());
        const submitted = await submit(state, ctx, batch, d.value.png, record.headers[TRACEPARENT_HEADER]);
        if (!submitted) return; // rebalance or stop: the chunk is fetched again
        pending.push({
          record,
          imageId: d.value.envelope.imageId,
          capturedAt: d.value.envelope.capturedAt,
          reply: submitted.reply,
        });
      }
      const results = [];
      for (const p of pending) {
        const reply = await p.reply;
        if (reply.ok) {
          results.push({
            imageId: p.imageId,
            capturedAt: p.capturedAt,
            reply,
            traceparent: p.record.headers[TRACEPARENT_HEADER],
          });
          options.hops?.("inferred", p.record.headers[TRACEPARENT_HEADER], Date.now());
        } else {rejected.push({
            record: p.record,
            reason: reply.reason === "bad_image" ? "not_png" : "inference_failed",
            detail: `${reply.reason}: ${reply.message}`,
          });}
      }
      if (!batch.active()) return;
      if (results.length > 0) {
        await state.producer.send(
          options.topics.inferences,
          results.map(({ imageId, capturedAt, reply, traceparent }) => ({
            key: imageId,
            // The result is the next hop of the image's trace (a new trace when the image came without one).
            headers: { [TRACEPARENT_HEADER]: childTraceparent(traceparent) },
            value: encodeInferenceEnvelope({
              v: INFERENCE_ENVELOPE_VERSION,
              imageId,
              model: reply.model,
              top: reply.top,
              latencyMs: reply.latencyMs,
              inferredAt: new Date().toISOString(),
              capturedAt,
            }),
          })),
        );
        const sentAt = Date.now();
        for (const r of results) options.hops?.("result_produced", r.traceparent, sentAt);
      }
      await sendDeadLetters(state, ctx, {
        topic: options.topics.deadletter,
        groupId: options.groupId,
        counts: stats.deadLettered,
      }, rejected);
      const last = chunk[chunk.length - 1] as ConsumedRecord;
      batch.resolve(last.offset);
      stats.consumed += chunk.length;
      stats.inferred += results.length;
      try {
        await state.consumer.commit([{
          topic: last.topic,
          partition: last.partition,
          offset: (BigInt(last.offset) + 1n).toString(),
        }]);
        stats.commits++;
      } catch (err) {
        ctx.log.warn("offset commit failed", { error: errorMessage(err) });
      }
      await batch.heartbeat().catch(() => {});
    }
  };

  const behaviour: Behaviour<Msg, State> = {
    async init(ctx) {
      // Assigned once joined; the batch handler reads it only after `begin()`.
      // deno-lint-ignore prefer-const
      let state!: State;
      const { member, begin } = await joinGroup(ctx, {
        brokers: options.brokers,
        ...(options.connection ? { connection: options.connection } : {}),
        groupId: options.groupId,
        deadLetterTopic: options.topics.deadletter,
        topics: [options.topics.images],
        ...(options.groupInstanceId ? { groupInstanceId: options.groupInstanceId } : {}),
        readiness: options.readiness,
        dependency: dep,
        onBatch: (b) => onBatch(state, ctx, b),
        onCrash: (error) => ctx.self.trySend({ type: "consumer.crashed", error }),
      });
      state = { ...member, pausedSince: null };
      begin();
      return state;
    },
    receive(_state, msg) {
      options.readiness?.set(dep, false, `crashed: ${errorMessage(msg.error)}`);
      throw new ConsumerCrashed(msg.error);
    },
    async stop(state, ctx) {
      options.readiness?.set(dep, false, "stopped");
      state.consumer.pause(state.consumer.assigned());
      await leaveGroup(state);
      ctx.log.info("left the consumer group", { groupId: options.groupId });
    },
    describe: (state) => ({
      ...memberFigures(options.groupId, state),
      ...stats,
    }),
  };
  return behaviour;
}

/** The inferenceConsumer actor as a supervisor's child: `consumer`, capacity 4, 10 s at shutdown. */
export function inferenceConsumerSpec(
  options: InferenceConsumerOptions,
  props: Partial<ActorProps> = {},
): ChildSpec<InferenceConsumerMsg> {
  return childSpec(inferenceConsumer(options), { name: "consumer", capacity: 4, shutdownMs: 10_000 }, props);
}
