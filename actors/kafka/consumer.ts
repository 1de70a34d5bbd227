/**
 * A Kafka consumer actor for any topic: a consumer-group member that decodes each
 * record, hands the good ones to a downstream actor (a sink) in chunks through its
 * bounded mailbox, each with an opaque acknowledgement token (protocols/ack.ts), and
 * sends the bad ones to a dead-letter topic with the reason. While the downstream
 * mailbox is full every assigned partition is paused (`paused` in `/actors`) and the
 * group session is kept alive. An offset is committed only after the sink answered
 * that the records up to it are done or refused (refused ones are dead-lettered
 * first; see offsets.ts), so a crash anywhere replays records and never skips one.
 *
 * Records the sink asks to retry are handed again after `retryMs`, then after twice
 * as long each time (up to `retryMaxMs`), and dead-lettered (`retries_exhausted`)
 * once the sink asked `maxRetries` times, so a sink that cannot take one record never
 * holds its partition's commits back. The consumer watches its sink
 * (`ActorContext.watch`): when an incarnation of the sink ends without handing
 * anything over (it failed and is restarted alone, say under `one_for_one`), the
 * records it had not answered are handed again as if it had asked to retry them,
 * one to a chunk (consumer_redelivery.ts). Under `rest_for_one`, with the consumer
 * after its sink, the consumer is restarted with it and consumes again from the last
 * commit.
 *
 * The db role's consumer is this actor feeding the upserter; a service embedding
 * troupe feeds its own actor the same way, and the sink imports nothing of Kafka.
 */
import type { Ack, AckRefusal, AckReply } from "../../protocols/ack.ts";
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
  type IncarnationEnded,
  InvalidSpec,
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
import { ackOf, heldKey, type Holdings, redelivery, sourceOf } from "./consumer_redelivery.ts";

/** A record's decoded value, or why it goes to the dead-letter topic. */
export type DecodedRecord<T> = { ok: true; value: T } | { ok: false; reason: DeadLetterReason; detail: string };

/** Messages of the consumer: the sink's answers. */
export type TopicConsumerMsg = AckReply;

/**
 * The consumer's own: the client stopped it for good; records the sink asked to retry are due again; an incarnation of
 * the sink ended.
 */
type Msg =
  | TopicConsumerMsg
  | { type: "consumer.crashed"; error: unknown }
  | { type: "consumer.retry"; acks: Ack[] }
  | { type: "consumer.sinkEnded"; ended: IncarnationEnded };

/** Running figures of a consumer. */
export interface TopicConsumerStats {
  /** Records read from Kafka (handed downstream or dead-lettered). */
  consumed: number;
  /** Records handed downstream (the first time; see `retried`). */
  handed: number;
  /**
   * Records handed again because the sink asked to retry them or restarted without them (each time; not those
   * answered or dead-lettered before their turn came).
   */
  retried: number;
  /** Records sent to the dead-letter topic, by reason. */
  deadLettered: Partial<Record<DeadLetterReason, number>>;
  /** Offset commits made. */
  commits: number;
  /** Times the downstream's mailbox was full when a chunk came (the consumer waited for room: backpressure). */
  waits: number;
  /** Times it stayed full long enough (250 ms) for the partitions to be paused. */
  pauses: number;
  /** Records handed downstream and not yet reported handled. */
  inFlight: number;
  /**
   * Times an incarnation of the sink ended without handing its work over while this consumer watched it (what it
   * had not answered was handed again).
   */
  sinkRestarts: number;
}

/** Zeroed stats. */
export function newTopicConsumerStats(): TopicConsumerStats {
  return {
    consumed: 0,
    handed: 0,
    retried: 0,
    deadLettered: {},
    commits: 0,
    waits: 0,
    pauses: 0,
    inFlight: 0,
    sinkRestarts: 0,
  };
}

/** Options of {@link topicConsumer}. */
export interface TopicConsumerOptions<T, D> {
  /** The bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  /** How to reach Kafka beyond the broker list (which client package). @default the default client */
  connection?: KafkaConnection;
  /** The consumer group to join. */
  groupId: string;
  /** The topics to consume. */
  topics: string[];
  /** Where records that do not decode go, with their reason. */
  deadLetterTopic: string;
  /** A record's value for the downstream, or why it is rejected. */
  decode(record: ConsumedRecord): DecodedRecord<T>;
  /** The sink the records go to (in chunks, with their tokens). */
  downstream: ActorRef<D>;
  /**
   * The message handing a chunk downstream, one token per value; the sink answers
   * `replyTo` with the tokens done, refused or to retry (protocols/ack.ts).
   */
  deliver(values: T[], acks: Ack[], replyTo: ActorRef<AckReply>): D;
  /** The request sent at stop: handle what you hold now and answer with every token done. */
  drain?(replyTo: ActorRef<AckReply>): D;
  /**
   * How long a record the sink asked to retry waits before it is handed again; each further retry of the same record
   * waits twice as long, up to `retryMaxMs`. @default 1000
   */
  retryMs?: number;
  /** The longest wait between two retries of one record. @default 30000 */
  retryMaxMs?: number;
  /**
   * How many times one record is handed again at the sink's request; asked once more, the consumer dead-letters it
   * (`retries_exhausted`, with its bytes) instead, and its offset can be committed. Counted per incarnation (a
   * restarted consumer counts afresh). `Infinity`: never. With the defaults a record is retried for about three
   * minutes. @default 10
   */
  maxRetries?: number;
  /** Records per chunk handed downstream. */
  chunk: number;
  /**
   * Whether to watch the sink and hand again what an incarnation of it held unanswered when it ended without handing
   * it over. `false` for a sink that answers every token it was handed even when it fails (passes it on, or answers
   * `retry`), as the inference sink does: watching would only hand records twice. @default true
   */
  watchSink?: boolean;
  /** Where the consumer says whether Kafka is reachable (under `dependency`). */
  readiness?: Readiness;
  /** The dependency's name in `readiness`. @default "kafka-consumer" */
  dependency?: string;
  /** Figures to count into (shared with whoever shows them). */
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
export interface TopicConsumerState extends GroupMember, Holdings {
  pausedSince: string | null;
}

type State = TopicConsumerState;

/** The consumer's behaviour. */
export function topicConsumer<T, D>(options: TopicConsumerOptions<T, D>): Behaviour<TopicConsumerMsg, unknown> {
  return consumer<T, D>(options);
}

function consumer<T, D>(options: TopicConsumerOptions<T, D>): Behaviour<TopicConsumerMsg, State> {
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
  const deadLetterRefused = async (state: State, ctx: ActorContext<Msg>, refused: readonly AckRefusal[]) => {
    const letters: Rejected[] = [];
    for (const r of refused) {
      const source = sourceOf(r.ack);
      const record = state.held.get(heldKey(source))?.record;
      if (record) letters.push({ record, reason: r.reason, detail: r.detail, headers: r.headers ?? {} });
      else ctx.log.info("refused record handed by an earlier incarnation: it is consumed again", { source });
    }
    await sendDeadLetters(state, ctx, {
      topic: options.deadLetterTopic,
      groupId: options.groupId,
      counts: stats.deadLettered,
    }, letters);
  };

  const { redeliver, onRetry, onSinkEnded, settle } = redelivery<T, D, State, Msg>({
    ...options,
    stats,
    deadLetter: deadLetterRefused,
    replyTo: (ctx) => ctx.self,
    retryMessage: (acks) => ({ type: "consumer.retry", acks }),
  });

  const onBatch = async (state: State, ctx: ActorContext<Msg>, batch: PartitionBatch) => {
    for (let i = 0; i < batch.records.length; i += options.chunk) {
      if (!batch.active() || ctx.signal.aborted) return;
      const chunk = batch.records.slice(i, i + options.chunk);
      const values: T[] = [];
      const acks: Ack[] = [];
      const rejected: Rejected[] = [];
      for (const r of chunk) {
        state.ledger.add(r.topic, r.partition, r.offset);
        const d = options.decode(r);
        if (!d.ok) {
          rejected.push({ record: r, reason: d.reason, detail: d.detail });
          continue;
        }
        values.push(d.value);
        acks.push(ackOf({ topic: r.topic, partition: r.partition, offset: r.offset }));
        state.held.set(heldKey(r), { record: r, retries: 0, due: false, suspect: false });
      }
      await sendDeadLetters(state, ctx, {
        topic: options.deadLetterTopic,
        groupId: options.groupId,
        counts: stats.deadLettered,
      }, rejected);
      for (const { record } of rejected) state.ledger.done(record.topic, record.partition, record.offset);
      if (acks.length > 0) {
        if (
          !(await sendPausing(state, ctx, batch, options.downstream, options.deliver(values, acks, ctx.self), stats))
        ) return;
        stats.handed += acks.length;
      }
      batch.resolve((chunk[chunk.length - 1] as ConsumedRecord).offset);
      stats.consumed += chunk.length;
      stats.inFlight = state.ledger.inFlight;
      if (rejected.length > 0) await commitDue(state, ctx);
    }
  };

  /** Watches the sink; one that is no actor of a troupe system (a hand-made ref) answers for itself. */
  const watchSink = (ctx: ActorContext<Msg>) => {
    try {
      ctx.watch(options.downstream, (ended) => ({ type: "consumer.sinkEnded", ended }));
    } catch (err) {
      if (!(err instanceof InvalidSpec)) throw err;
      ctx.log.debug("the sink is not watched: it is no actor", { sink: options.downstream.path });
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
      state = {
        ...member,
        ledger: new OffsetLedger(),
        pausedSince: null,
        held: new Map(),
      };
      if (options.watchSink !== false) watchSink(ctx);
      begin();
      return state;
    },
    async receive(state, msg, ctx) {
      if (msg.type === "consumer.crashed") {
        options.readiness?.set(dep, false, `crashed: ${errorMessage(msg.error)}`);
        throw new ConsumerCrashed(msg.error);
      }
      if (msg.type === "consumer.retry") {
        redeliver(state, ctx, msg.acks);
        return state;
      }
      if (msg.type === "consumer.sinkEnded") {
        await onSinkEnded(state, ctx, msg.ended);
        // Records dead-lettered there (retries exhausted) may be committed now.
        stats.inFlight = state.ledger.inFlight;
        await commitDue(state, ctx);
        return state;
      }
      if (msg.refused && msg.refused.length > 0) await deadLetterRefused(state, ctx, msg.refused);
      settle(state, [...msg.done, ...(msg.refused ?? []).map((r) => r.ack)]);
      if (msg.retry && msg.retry.length > 0) await onRetry(state, ctx, msg.retry);
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
          const final = await ask<D, AckReply>(options.downstream, (replyTo) => drain(replyTo), {
            timeoutMs: 5_000,
          });
          // Refused rows whose answer could not reach this stopping actor are dead-lettered now.
          if (final.refused && final.refused.length > 0) await deadLetterRefused(state, ctx, final.refused);
          settle(state, [...final.done, ...(final.refused ?? []).map((r) => r.ack)]);
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
