/**
 * A topic consumer's records in its sink's hands, and handing them again: records
 * the sink asked to retry go again after their back-off (`retryMs`, doubling up to
 * `retryMaxMs`) and are dead-lettered (`retries_exhausted`) once asked more than
 * `maxRetries` times; when an incarnation of the sink ended without handing its work
 * over, what it had not answered is treated as asked to retry, one record to a chunk
 * (a record that makes the sink fail every time so fails alone). consumer.ts owns the
 * group membership, the batches and the commits.
 */
import type { Ack, AckRefusal, AckReply } from "../../protocols/ack.ts";
import { backoffDelay } from "../../system/backoff.ts";
import type { ActorContext, ActorRef, IncarnationEnded } from "../../system/mod.ts";
import type { ConsumedRecord } from "./batch_consumer.ts";
import type { OffsetLedger } from "./offsets.ts";

/** Where a record came from: what a commit is made of (and what this consumer's acknowledgement tokens stand for). */
export interface SourceOffset {
  /** The topic. */
  topic: string;
  /** The partition. */
  partition: number;
  /** The record's offset. */
  offset: string;
}

/** The token handed with a record: its source, opaque to the sink. */
export const ackOf = (s: SourceOffset): Ack => s as unknown as Ack;
/** The source a token of this consumer stands for. */
export const sourceOf = (a: Ack): SourceOffset => a as unknown as SourceOffset;
/** A held record's key. */
export const heldKey = (s: SourceOffset): string => `${s.topic}\u0000${s.partition}\u0000${s.offset}`;

/** A record handed downstream and not answered yet. */
export interface HeldRecord {
  /** The record (dead-lettered with its bytes if refused; decoded afresh when handed again). */
  record: ConsumedRecord;
  /** Times the sink asked to retry it, or failed holding it. */
  retries: number;
  /** Waiting to be handed again. */
  due: boolean;
  /** A sink incarnation failed holding it: handed again one to a chunk. */
  suspect: boolean;
}

/** What the sink holds, and the offsets its answers let the consumer commit. */
export interface Holdings {
  /** Records handed downstream and not yet handled, by {@link heldKey}: what the sink owes an answer for. */
  held: Map<string, HeldRecord>;
  ledger: OffsetLedger;
}

/** What {@link redelivery} hands records with, and how it dead-letters them. */
export interface RedeliveryOptions<T, D, S extends Holdings, M> {
  /** A record's value for the sink (a record that no longer decodes is left out). */
  decode(record: ConsumedRecord): { ok: true; value: T } | { ok: false };
  downstream: ActorRef<D>;
  deliver(values: T[], acks: Ack[], replyTo: ActorRef<AckReply>): D;
  /** @default 1000 */
  retryMs?: number;
  /** @default 30000 */
  retryMaxMs?: number;
  /** @default 10 */
  maxRetries?: number;
  /** The consumer's figures these count into. */
  stats: { retried: number; sinkRestarts: number };
  /** Dead-letters refused records (those still held), before their offsets may be committed. */
  deadLetter(state: S, ctx: ActorContext<M>, refused: readonly AckRefusal[]): Promise<void>;
  /** Where the sink answers (the consumer itself). */
  replyTo(ctx: ActorContext<M>): ActorRef<AckReply>;
  /** The timer message that brings records due again back to {@link Redelivery.redeliver}. */
  retryMessage(acks: Ack[]): M;
}

/** Handing records again; each function takes the consumer's state and context. */
export interface Redelivery<S extends Holdings, M> {
  /** Hands again records due (decoded afresh, with the same tokens); those answered since are skipped. */
  redeliver(state: S, ctx: ActorContext<M>, acks: readonly Ack[]): void;
  /** The sink asked to retry `acks`: each goes again after its back-off, or is dead-lettered past `maxRetries`. */
  onRetry(state: S, ctx: ActorContext<M>, acks: readonly Ack[]): Promise<void>;
  /** An incarnation of the sink ended: what it forgot is handed again (see the module's comment). */
  onSinkEnded(state: S, ctx: ActorContext<M>, ended: IncarnationEnded): Promise<void>;
  /** Records answered done or refused (dead-lettered): no longer held; their offsets may be committed. */
  settle(state: S, acks: readonly Ack[]): void;
}

/** The redelivery of one consumer. */
export function redelivery<T, D, S extends Holdings, M>(options: RedeliveryOptions<T, D, S, M>): Redelivery<S, M> {
  const { stats } = options;
  const backoff = { minMs: options.retryMs ?? 1_000, maxMs: options.retryMaxMs ?? 30_000, jitter: 0 };
  const maxRetries = options.maxRetries ?? 10;
  let timers = 0;

  const settle = (state: S, acks: readonly Ack[]) => {
    for (const a of acks) {
      const s = sourceOf(a);
      state.ledger.done(s.topic, s.partition, s.offset);
      state.held.delete(heldKey(s));
    }
  };

  const retryLater = (state: S, ctx: ActorContext<M>, acks: readonly Ack[], delayMs: number) => {
    for (const a of acks) {
      const held = state.held.get(heldKey(sourceOf(a)));
      if (held) held.due = true;
    }
    ctx.timers.startSingle(`retry-${++timers}`, delayMs, options.retryMessage([...acks]));
  };

  // One this incarnation no longer holds was handed by an earlier one and is consumed again anyway (its offset was
  // never committed): skipped here and in onRetry.
  const redeliver = (state: S, ctx: ActorContext<M>, acks: readonly Ack[]) => {
    // Records a sink failed holding go one to a chunk: one that makes it fail then fails alone, not its neighbours.
    const together: { values: T[]; acks: Ack[] } = { values: [], acks: [] };
    const chunks = [together];
    for (const a of acks) {
      const held = state.held.get(heldKey(sourceOf(a)));
      if (!held) continue;
      held.due = false;
      const d = options.decode(held.record);
      if (!d.ok) continue;
      if (held.suspect) chunks.push({ values: [d.value], acks: [a] });
      else {
        together.values.push(d.value);
        together.acks.push(a);
      }
    }
    const later: Ack[] = [];
    for (const chunk of chunks) {
      if (chunk.acks.length === 0) continue;
      // Never waits on the sink's mailbox (the sink's answers come through the consumer's): when full, later again.
      if (
        later.length > 0 || !options.downstream.trySend(options.deliver(chunk.values, chunk.acks, options.replyTo(ctx)))
      ) {
        later.push(...chunk.acks);
        continue;
      }
      stats.retried += chunk.acks.length;
    }
    if (later.length > 0) retryLater(state, ctx, later, backoff.minMs);
  };

  const onRetry = async (state: S, ctx: ActorContext<M>, acks: readonly Ack[]) => {
    const byAttempt = new Map<number, Ack[]>();
    const exhausted: AckRefusal[] = [];
    for (const a of acks) {
      const held = state.held.get(heldKey(sourceOf(a)));
      if (!held) continue;
      const n = held.retries + 1;
      if (n > maxRetries) {
        exhausted.push({
          ack: a,
          reason: "retries_exhausted",
          detail: held.suspect
            ? `the sink failed holding it, or asked to retry it, ${maxRetries} times`
            : `the sink asked to retry it ${maxRetries} times`,
        });
        continue;
      }
      held.retries = n;
      const group = byAttempt.get(n);
      if (group) group.push(a);
      else byAttempt.set(n, [a]);
    }
    for (const [n, group] of byAttempt) retryLater(state, ctx, group, backoffDelay(n, backoff));
    if (exhausted.length > 0) {
      await options.deadLetter(state, ctx, exhausted);
      settle(state, exhausted.map((r) => r.ack));
    }
  };

  // One that handed its work over answers for it itself. One that handed nothing over forgot what it held: `redeliver`
  // skips what the next incarnation answers meanwhile from the chunks queued in its mailbox.
  const onSinkEnded = async (state: S, ctx: ActorContext<M>, ended: IncarnationEnded) => {
    if (ended.cause === "stop") {
      ctx.log.warn("the sink stopped: records handed to it stay unanswered until this consumer restarts", {
        sink: ended.path,
        held: state.held.size,
      });
      return;
    }
    if (ended.carried) {
      ctx.log.info("the sink restarted with its work handed over", { sink: ended.path, held: state.held.size });
      return;
    }
    stats.sinkRestarts++;
    // Not those already due again (the sink asked to retry them before it failed).
    const unanswered = [...state.held.values()].filter((h) => !h.due);
    for (const h of unanswered) h.suspect = true;
    const acks = unanswered.map(({ record: r }) => ackOf({ topic: r.topic, partition: r.partition, offset: r.offset }));
    ctx.log.info("the sink restarted without its work: records it had not answered are handed again", {
      sink: ended.path,
      held: acks.length,
    });
    // As if the sink had asked to retry them: a record that makes it fail every time ends dead-lettered.
    await onRetry(state, ctx, acks);
  };

  return { redeliver, onRetry, onSinkEnded, settle };
}
