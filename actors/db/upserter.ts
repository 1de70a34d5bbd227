/**
 * PostgreSQL upserter: collects rows from the consumer and writes them in
 * batches (`batchSize` rows, or whatever arrived within `lingerMs`), one
 * transaction per batch (contract in clients/pg_writes.ts). After a batch
 * commits it tells each batch's `replyTo` which source offsets are written, so
 * the consumer can commit them. When PostgreSQL is unreachable a flush fails,
 * the actor fails and its supervisor restarts it with backoff; rows already
 * accepted are kept across restarts and written first by the next incarnation,
 * and its full mailbox makes the consumer pause. `upsert.flush` with a `replyTo`
 * writes what is pending now and answers with every source it wrote (the
 * consumer's last request before it stops).
 */
import type { ImageRow, InferenceRow } from "./pg_writes.ts";
import { writeBatch } from "./pg_writes.ts";
import type { Sql } from "./postgres.ts";
import type { HandledNotice, SourceOffset } from "../kafka/mod.ts";
import {
  type ActorContext,
  type ActorProps,
  type ActorRef,
  type Behaviour,
  type ChildSpec,
  childSpec,
  errorMessage,
  LingerBatch,
  MailboxClosed,
  type Readiness,
  TroupeError,
} from "../../system/mod.ts";

/** Sent to `replyTo` after the rows of these sources are committed (the consumer then commits their offsets). */
export type WrittenNotice = HandledNotice;

/** Messages of the upserter. */
export type UpserterMsg =
  | {
    type: "upsert.rows";
    images: ImageRow[];
    inferences: InferenceRow[];
    sources: SourceOffset[];
    replyTo: ActorRef<WrittenNotice>;
  }
  | { type: "upsert.flush"; replyTo?: ActorRef<WrittenNotice> };

/** PostgreSQL did not take a batch; retriable (the supervisor restarts the upserter). */
export class DatabaseUnavailable extends TroupeError {
  constructor(cause: unknown) {
    super("TROUPE_ERR_DATABASE", `PostgreSQL did not take the batch: ${errorMessage(cause)}`, {
      cause,
      retriable: true,
    });
  }
}

/** Running figures of the upserter, shared with metrics. */
export interface UpserterStats {
  batches: number;
  imagesInserted: number;
  imagesUpdated: number;
  inferences: number;
  failedFlushes: number;
}

/** Options of {@link pgUpserter}. */
export interface PgUpserterOptions {
  /** Opens the pool of an incarnation (closed on restart and stop). */
  connect: () => Sql;
  batchSize: number;
  lingerMs: number;
  readiness?: Readiness;
  /** Name of the readiness dependency. @default "postgres" */
  dependency?: string;
  stats?: UpserterStats;
}

/** Rows accepted from one `upsert.rows` message, waiting for their transaction. */
interface Accepted {
  images: ImageRow[];
  inferences: InferenceRow[];
  sources: SourceOffset[];
  replyTo: ActorRef<WrittenNotice>;
}

interface State {
  sql: Sql;
  batch: LingerBatch<Accepted>;
}

/** Zeroed stats. */
export function newUpserterStats(): UpserterStats {
  return { batches: 0, imagesInserted: 0, imagesUpdated: 0, inferences: 0, failedFlushes: 0 };
}

const FLUSH: UpserterMsg = { type: "upsert.flush" };
const rowsOf = (a: Accepted) => a.images.length + a.inferences.length;

/**
 * The upserter's behaviour. Rows accepted and not yet written are handed to the
 * next incarnation, which writes them first.
 */
export function pgUpserter(options: PgUpserterOptions): Behaviour<UpserterMsg, State, Accepted[]> {
  const dep = options.dependency ?? "postgres";
  const stats = options.stats ?? newUpserterStats();
  options.readiness?.declare(dep, "not connected yet");

  /** Writes the batch in one transaction; tells each sender which of its offsets are written. */
  const flush = async (state: State, ctx: ActorContext<UpserterMsg>): Promise<SourceOffset[]> => {
    const accepted = state.batch.items;
    if (accepted.length === 0) return [];
    const replies = new Map<ActorRef<WrittenNotice>, SourceOffset[]>();
    for (const a of accepted) replies.set(a.replyTo, [...(replies.get(a.replyTo) ?? []), ...a.sources]);
    try {
      const r = await writeBatch(state.sql, {
        images: accepted.flatMap((a) => a.images),
        inferences: accepted.flatMap((a) => a.inferences),
      });
      stats.imagesInserted += r.imagesInserted;
      stats.imagesUpdated += r.imagesUpdated;
      stats.inferences += r.inferences;
      stats.batches++;
    } catch (err) {
      stats.failedFlushes++;
      options.readiness?.set(dep, false, `write failed: ${errorMessage(err)}`);
      throw new DatabaseUnavailable(err);
    }
    state.batch.clear(ctx.timers);
    options.readiness?.set(dep, true, "connected");
    for (const [replyTo, sources] of replies) {
      await replyTo.send({ type: "kafka.handled", sources }).catch((err) => {
        // A stopping consumer learns what was written from its final flush request instead.
        if (!(err instanceof MailboxClosed)) throw err;
        ctx.log.debug("written notice not delivered: the consumer is stopping", { sources: sources.length });
      });
    }
    return [...replies.values()].flat();
  };

  return {
    async init(ctx, carried) {
      const sql = options.connect();
      const state: State = {
        sql,
        batch: new LingerBatch<Accepted>(
          { size: options.batchSize, lingerMs: options.lingerMs, weigh: rowsOf },
          carried,
        ),
      };
      try {
        await sql`SELECT 1`;
      } catch (err) {
        options.readiness?.set(dep, false, `unreachable: ${errorMessage(err)}`);
        await sql.end({ timeout: 1 }).catch(() => {});
        throw new DatabaseUnavailable(err);
      }
      options.readiness?.set(dep, true, "connected");
      if (state.batch.weight > 0) {
        ctx.log.info("writing rows kept from before the restart", { rows: state.batch.weight });
        try {
          await flush(state, ctx);
        } catch (err) {
          await sql.end({ timeout: 1 }).catch(() => {});
          throw err;
        }
      }
      return state;
    },
    async receive(state, msg, ctx) {
      if (msg.type === "upsert.rows") {
        state.batch.add({ images: msg.images, inferences: msg.inferences, sources: msg.sources, replyTo: msg.replyTo });
        if (state.batch.full) await flush(state, ctx);
        else state.batch.linger(ctx.timers, FLUSH);
        return state;
      }
      const written = await flush(state, ctx);
      msg.replyTo?.trySend({ type: "kafka.handled", sources: written });
      return state;
    },
    async stop(state) {
      // Rows not yet written go to the next incarnation on a restart; at shutdown their
      // offsets were not committed either, so Kafka delivers them again.
      await state.sql.end({ timeout: 2 }).catch(() => {});
    },
    handover: (state) => state.batch.handover(),
    describe: (state) => ({
      pendingRows: state.batch.weight,
      batchSize: options.batchSize,
      lingerMs: options.lingerMs,
      ...stats,
    }),
  };
}

/** The pgUpserter actor as a supervisor's child: `upserter`, capacity 8 chunks (the consumer pauses beyond), 10 s at shutdown. */
export function pgUpserterSpec(options: PgUpserterOptions, props: Partial<ActorProps> = {}): ChildSpec<UpserterMsg> {
  return childSpec(pgUpserter(options), { name: "upserter", capacity: 8, shutdownMs: 10_000 }, props);
}
