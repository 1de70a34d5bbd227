/**
 * A Kafka consumer actor for any topic: a consumer-group member that decodes each
 * record, hands the good ones to a downstream actor in chunks through its bounded
 * mailbox, and sends the bad ones to a dead-letter topic with the reason. While
 * the downstream mailbox is full every assigned partition is paused (`paused` in
 * `/actors`) and the group session is kept alive. An offset is committed only
 * after the downstream said the records up to it are handled (`kafka.handled`,
 * see offsets.ts), so a crash anywhere replays records and never skips one.
 * The db role's consumer is this actor feeding the upserter; a service embedding
 * troupe feeds its own actor the same way.
 */
import type { DeadLetterReason } from "../../protocols/deadletter.ts";
import {
  type ActorContext,
  type ActorProps,
  type ActorRef,
  ask,
  type Behaviour,
  type ChildSpec,
  childSpec,
  errorMessage,
  type Readiness,
} from "../../system/mod.ts";
import type { ConsumedRecord, PartitionBatch } from "./batch_consumer.ts";
import type { KafkaConnection } from "./client.ts";
import {
  ConsumerCrashed,
  type GroupMember,
  joinGroup,
  leaveGroup,
  memberFigures,
  type Rejected,
  sendDeadLetters,
  sendPausing,
} from "./group_member.ts";
import { OffsetLedger } from "./offsets.ts";

/** Where a record came from: what a commit is made of. */
export interface SourceOffset {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * A record the downstream refused for the record's own sake (the database refused
 * its row): the consumer sends it to the dead-letter topic with its original bytes.
 */
export interface RefusedSource {
  source: SourceOffset;
  reason: DeadLetterReason;
  detail: string;
  /** More dead-letter headers (e.g. `troupe-sqlstate`). */
  headers?: Record<string, string>;
}

/**
 * The downstream's answer: the records of these sources are handled (written,
 * applied...); those in `refused` go to the dead-letter topic first. Refused
 * sources count as handled once dead-lettered, listed in `sources` or not.
 */
export type HandledNotice = { type: "kafka.handled"; sources: SourceOffset[]; refused?: RefusedSource[] };

/** A record's decoded value, or why it goes to the dead-letter topic. */
export type DecodedRecord<T> = { ok: true; value: T } | { ok: false; reason: DeadLetterReason; detail: string };

/** Messages of the consumer: the downstream's notices. */
export type TopicConsumerMsg = HandledNotice;

/** The consumer's own: kafkajs stopped it for good. */
type Msg = TopicConsumerMsg | { type: "consumer.crashed"; error: unknown };

/** Running figures of a consumer. */
export interface TopicConsumerStats {
  consumed: number;
  handed: number;
  deadLettered: Partial<Record<DeadLetterReason, number>>;
  commits: number;
  pauses: number;
  /** Records handed downstream and not yet reported handled. */
  inFlight: number;
}

/** Zeroed stats. */
export function newTopicConsumerStats(): TopicConsumerStats {
  return { consumed: 0, handed: 0, deadLettered: {}, commits: 0, pauses: 0, inFlight: 0 };
}

/** Options of {@link topicConsumer}. */
export interface TopicConsumerOptions<T, D> {
  brokers: readonly string[];
  /** How to reach Kafka beyond the broker list (which client package). @default the default client */
  connection?: KafkaConnection;
  groupId: string;
  topics: string[];
  /** Where records that do not decode go, with their reason. */
  deadLetterTopic: string;
  /** A record's value for the downstream, or why it is rejected. */
  decode(record: ConsumedRecord): DecodedRecord<T>;
  downstream: ActorRef<D>;
  /** The message handing a chunk downstream; the downstream answers `replyTo` once the records are handled. */
  deliver(values: T[], sources: SourceOffset[], replyTo: ActorRef<HandledNotice>): D;
  /** The request sent at stop: handle what you hold now and answer with every source handled. */
  drain?(replyTo: ActorRef<HandledNotice>): D;
  /** Records per chunk handed downstream. */
  chunk: number;
  readiness?: Readiness;
  /** @default "kafka-consumer" */
  dependency?: string;
  stats?: TopicConsumerStats;
  /** Session timeout of the group member. @default 30000 */
  sessionTimeoutMs?: number;
  /**
   * Static membership (Kafka's `group.instance.id`): a member that comes back under the same id within the session
   * timeout takes its partitions back without a rebalance. Ignored by the kafkajs adapter, which has none.
   */
  groupInstanceId?: string;
}

/** The state of a consumer's incarnation (its group membership and commit ledger). */
export interface TopicConsumerState extends GroupMember {
  ledger: OffsetLedger;
  pausedSince: string | null;
  /** Records handed downstream and not yet handled, for dead-lettering one the downstream refuses. */
  held: Map<string, ConsumedRecord>;
}

const keyOf = (s: { topic: string; partition: number; offset: string }) =>
  `${s.topic}\u0000${s.partition}\u0000${s.offset}`;
type State = TopicConsumerState;

/** The consumer's behaviour. */
export function topicConsumer<T, D>(options: TopicConsumerOptions<T, D>): Behaviour<TopicConsumerMsg, State> {
  const dep = options.dependency ?? "kafka-consumer";
  const stats = options.stats ?? newTopicConsumerStats();
  options.readiness?.declare(dep, "not connected yet");

  const commitDue = async (state: State, ctx: ActorContext<Msg>) => {
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

  /**
   * Dead-letters what the downstream refused, before its offsets can be committed
   * (a failure here fails the actor: the records are consumed again). A refused
   * record this incarnation no longer holds was handed by an earlier one: it was
   * not committed, so Kafka delivers it again and it is refused again.
   */
  const deadLetterRefused = async (state: State, ctx: ActorContext<Msg>, refused: RefusedSource[]) => {
    const letters: Rejected[] = [];
    for (const r of refused) {
      const record = state.held.get(keyOf(r.source));
      if (record) letters.push({ record, reason: r.reason, detail: r.detail, headers: r.headers ?? {} });
      else ctx.log.info("refused record handed by an earlier incarnation: it is consumed again", { source: r.source });
    }
    await sendDeadLetters(state, ctx, {
      topic: options.deadLetterTopic,
      groupId: options.groupId,
      counts: stats.deadLettered,
    }, letters);
  };

  const onBatch = async (state: State, ctx: ActorContext<Msg>, batch: PartitionBatch) => {
    for (let i = 0; i < batch.records.length; i += options.chunk) {
      if (!batch.active() || ctx.signal.aborted) return;
      const chunk = batch.records.slice(i, i + options.chunk);
      const values: T[] = [];
      const sources: SourceOffset[] = [];
      const rejected: Rejected[] = [];
      for (const r of chunk) {
        state.ledger.add(r.topic, r.partition, r.offset);
        const d = options.decode(r);
        if (!d.ok) {
          rejected.push({ record: r, reason: d.reason, detail: d.detail });
          continue;
        }
        values.push(d.value);
        sources.push({ topic: r.topic, partition: r.partition, offset: r.offset });
        state.held.set(keyOf(r), r);
      }
      await sendDeadLetters(state, ctx, {
        topic: options.deadLetterTopic,
        groupId: options.groupId,
        counts: stats.deadLettered,
      }, rejected);
      for (const { record } of rejected) state.ledger.done(record.topic, record.partition, record.offset);
      if (sources.length > 0) {
        if (
          !(await sendPausing(state, ctx, batch, options.downstream, options.deliver(values, sources, ctx.self), stats))
        ) return;
        stats.handed += sources.length;
      }
      batch.resolve((chunk[chunk.length - 1] as ConsumedRecord).offset);
      stats.consumed += chunk.length;
      stats.inFlight = state.ledger.inFlight;
      if (rejected.length > 0) await commitDue(state, ctx);
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
        deadLetterTopic: options.deadLetterTopic,
        topics: options.topics,
        sessionTimeoutMs: options.sessionTimeoutMs ?? 30_000,
        ...(options.groupInstanceId ? { groupInstanceId: options.groupInstanceId } : {}),
        readiness: options.readiness,
        dependency: dep,
        onBatch: (b) => onBatch(state, ctx, b),
        onCrash: (error) => ctx.self.trySend({ type: "consumer.crashed", error }),
      });
      state = { ...member, ledger: new OffsetLedger(), pausedSince: null, held: new Map() };
      begin();
      return state;
    },
    async receive(state, msg, ctx) {
      if (msg.type === "consumer.crashed") {
        options.readiness?.set(dep, false, `crashed: ${errorMessage(msg.error)}`);
        throw new ConsumerCrashed(msg.error);
      }
      if (msg.refused && msg.refused.length > 0) await deadLetterRefused(state, ctx, msg.refused);
      for (const s of [...msg.sources, ...(msg.refused ?? []).map((r) => r.source)]) {
        state.ledger.done(s.topic, s.partition, s.offset);
        state.held.delete(keyOf(s));
      }
      stats.inFlight = state.ledger.inFlight;
      await commitDue(state, ctx);
      return state;
    },
    async stop(state, ctx) {
      options.readiness?.set(dep, false, "stopped");
      state.consumer.pause(state.consumer.assigned());
      if (options.drain) {
        const drain = options.drain;
        try {
          // Last words with the downstream: handle what it holds, then commit up to there.
          const final = await ask<D, HandledNotice>(options.downstream, (replyTo) => drain(replyTo), {
            timeoutMs: 5_000,
          });
          for (const s of final.sources) state.ledger.done(s.topic, s.partition, s.offset);
          await commitDue(state, ctx);
        } catch (err) {
          ctx.log.warn("final drain and commit skipped: the offsets are consumed again after a restart", {
            error: errorMessage(err),
          });
        }
      }
      await leaveGroup(state);
      ctx.log.info("left the consumer group", { groupId: options.groupId });
    },
    describe: (state) => ({
      ...memberFigures(options.groupId, state),
      ...stats,
      inFlight: state.ledger.inFlight,
    }),
  };
  return behaviour;
}

/** The topicConsumer actor as a supervisor's child: `consumer`, capacity 64, 10 s for the final drain and commit. */
export function topicConsumerSpec<T, D>(
  options: TopicConsumerOptions<T, D>,
  props: Partial<ActorProps> = {},
): ChildSpec<TopicConsumerMsg> {
  return childSpec(topicConsumer(options), { name: "consumer", capacity: 64, shutdownMs: 10_000 }, props);
}
