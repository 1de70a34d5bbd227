/**
 * The db role's Kafka consumer: a consumer-group member on the images and
 * inferences topics. Each fetched partition batch is decoded; bad records go to
 * the dead-letter topic with the reason (protocols/deadletter.ts), good ones go
 * to the upserter in chunks through its bounded mailbox. While that mailbox is
 * full, every assigned partition is paused (shown as `paused` in `/actors`) and
 * the group session is kept alive; fetching resumes once the chunk is accepted.
 * An offset is committed only after the upserter reports the rows up to it as
 * committed in PostgreSQL (see _offsets.ts), so a crash anywhere replays rows,
 * which the idempotent upsert absorbs, and never skips one.
 */
import type { PartitionBatch } from "../kafka/mod.ts";
import type { ImageRow, InferenceRow } from "./pg_writes.ts";
import type { DeadLetterReason } from "../../protocols/deadletter.ts";
import { decodeImageEnvelope } from "../../protocols/image_envelope.ts";
import { decodeInferenceEnvelope } from "../../protocols/inference_envelope.ts";
import { ask, type ActorContext, type ActorRef, type Behaviour, errorMessage, type Readiness, TroupeError } from "../../system/mod.ts";
import { ConsumerCrashed, type GroupMember, joinGroup, type Rejected, memberFigures, sendDeadLetters, sendPausing } from "../kafka/mod.ts";
import { OffsetLedger } from "../kafka/mod.ts";
import type { SourceOffset, UpserterMsg, WrittenNotice } from "./upserter.ts";

/** Messages of the consumer. */
export type ConsumerMsg = WrittenNotice | { type: "consumer.crashed"; error: unknown };

/** Running figures of the consumer, shared with metrics. */
export interface ConsumerStats {
  consumed: number;
  handed: number;
  deadLettered: Partial<Record<DeadLetterReason, number>>;
  commits: number;
  pauses: number;
  /** Records handed to the upserter and not yet reported written. */
  inFlight: number;
}

/** Zeroed stats. */
export function newConsumerStats(): ConsumerStats {
  return { consumed: 0, handed: 0, deadLettered: {}, commits: 0, pauses: 0, inFlight: 0 };
}

/** Options of {@link kafkaConsumer}. */
export interface KafkaConsumerOptions {
  brokers: readonly string[];
  groupId: string;
  topics: { images: string; inferences: string; deadletter: string };
  upserter: ActorRef<UpserterMsg>;
  /** Records per chunk handed to the upserter. */
  chunk: number;
  maxMessageBytes: number;
  readiness?: Readiness;
  /** @default "kafka-consumer" */
  dependency?: string;
  stats?: ConsumerStats;
  /** Session timeout of the group member. @default 30000 */
  sessionTimeoutMs?: number;
}

interface State extends GroupMember {
  ledger: OffsetLedger;
  pausedSince: string | null;
}

/** The consumer's behaviour. */
export function kafkaConsumer(options: KafkaConsumerOptions): Behaviour<ConsumerMsg, State> {
  const dep = options.dependency ?? "kafka-consumer";
  const stats = options.stats ?? newConsumerStats();
  options.readiness?.declare(dep, "not connected yet");

  const commitDue = async (state: State, ctx: ActorContext<ConsumerMsg>) => {
    const assigned = new Set(state.consumer.assigned().map((tp) => `${tp.topic}:${tp.partition}`));
    const due = state.ledger.due().filter((p) => assigned.has(`${p.topic}:${p.partition}`));
    if (due.length === 0) return;
    try {
      await state.consumer.commit(due);
      state.ledger.committed(due);
      stats.commits++;
    } catch (err) {
      // Not fatal: a later commit covers these offsets, or the partition's new owner replays them.
      ctx.log.warn("offset commit failed", { error: errorMessage(err), partitions: due.length });
    }
  };

  const onBatch = async (state: State, ctx: ActorContext<ConsumerMsg>, batch: PartitionBatch) => {
    for (let i = 0; i < batch.records.length; i += options.chunk) {
      if (!batch.active() || ctx.signal.aborted) return;
      const chunk = batch.records.slice(i, i + options.chunk);
      const images: ImageRow[] = [];
      const inferences: InferenceRow[] = [];
      const sources: SourceOffset[] = [];
      const rejected: Rejected[] = [];
      for (const r of chunk) {
        state.ledger.add(r.topic, r.partition, r.offset);
        const src = { topic: r.topic, partition: r.partition, offset: r.offset };
        if (r.topic === options.topics.inferences) {
          const d = decodeInferenceEnvelope(r.value, { maxBytes: options.maxMessageBytes });
          if (!d.ok) rejected.push({ record: r, reason: d.reason, detail: d.detail });
          else {
            inferences.push(d.value);
            sources.push(src);
          }
          continue;
        }
        const d = decodeImageEnvelope(r.value, { maxBytes: options.maxMessageBytes });
        if (!d.ok) {
          rejected.push({ record: r, reason: d.reason, detail: d.detail });
          continue;
        }
        const e = d.value.envelope;
        images.push({ imageId: e.imageId, deviceId: e.deviceId, seq: e.seq, capturedAt: e.capturedAt, fine: e.label.fine, coarse: e.label.coarse, width: e.width, height: e.height, png: d.value.png, sha256: e.sha256 });
        sources.push(src);
      }
      await sendDeadLetters(state, ctx, { topic: options.topics.deadletter, groupId: options.groupId, counts: stats.deadLettered }, rejected);
      for (const { record } of rejected) state.ledger.done(record.topic, record.partition, record.offset);
      if (sources.length > 0) {
        const msg: UpserterMsg = { type: "upsert.rows", images, inferences, sources, replyTo: ctx.self };
        if (!(await sendPausing(state, ctx, batch, options.upserter, msg, stats))) return;
        stats.handed += sources.length;
      }
      batch.resolve((chunk[chunk.length - 1] as (typeof chunk)[number]).offset);
      stats.consumed += chunk.length;
      stats.inFlight = state.ledger.inFlight;
      if (rejected.length > 0) await commitDue(state, ctx);
    }
  };

  return {
    async init(ctx) {
      let state!: State;
      const { member, begin } = await joinGroup(ctx, {
        brokers: options.brokers,
        groupId: options.groupId,
        topics: [options.topics.images, options.topics.inferences],
        sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
        readiness: options.readiness,
        dependency: dep,
        onBatch: (b) => onBatch(state, ctx, b),
        onCrash: (error) => ctx.self.trySend({ type: "consumer.crashed", error }),
      });
      state = { ...member, ledger: new OffsetLedger(), pausedSince: null };
      begin();
      return state;
    },
    async receive(state, msg, ctx) {
      if (msg.type === "consumer.crashed") {
        options.readiness?.set(dep, false, `crashed: ${errorMessage(msg.error)}`);
        throw new ConsumerCrashed(msg.error);
      }
      for (const s of msg.sources) state.ledger.done(s.topic, s.partition, s.offset);
      stats.inFlight = state.ledger.inFlight;
      await commitDue(state, ctx);
      return state;
    },
    async stop(state, ctx) {
      options.readiness?.set(dep, false, "stopped");
      state.consumer.pause(state.consumer.assigned());
      try {
        // Last words with the upserter: write what it holds, then commit up to there.
        const final = await ask<UpserterMsg, WrittenNotice>(options.upserter, (replyTo) => ({ type: "upsert.flush", replyTo }), { timeoutMs: 5_000 });
        for (const s of final.sources) state.ledger.done(s.topic, s.partition, s.offset);
        await commitDue(state, ctx);
      } catch (err) {
        ctx.log.warn("final flush and commit skipped: the offsets are consumed again after a restart", { error: errorMessage(err) });
      }
      await state.client.close();
    },
    describe: (state) => ({
      ...memberFigures(options.groupId, state),
      ...stats,
      inFlight: state.ledger.inFlight,
    }),
  };
}
