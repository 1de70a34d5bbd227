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
import { type ActorRef, type Behaviour, errorMessage, MailboxClosed, type Readiness, TroupeError } from "../../system/mod.ts";

/** Where a row came from. */
export interface SourceOffset {
  topic: string;
  partition: number;
  offset: string;
}

/** Sent to `replyTo` after the rows of these sources are committed. */
export type WrittenNotice = { type: "upsert.written"; sources: SourceOffset[] };

/** Messages of the upserter. */
export type UpserterMsg =
  | { type: "upsert.rows"; images: ImageRow[]; inferences: InferenceRow[]; sources: SourceOffset[]; replyTo: ActorRef<WrittenNotice> }
  | { type: "upsert.flush"; replyTo?: ActorRef<WrittenNotice> };

/** PostgreSQL did not take a batch; retriable (the supervisor restarts the upserter). */
export class DatabaseUnavailable extends TroupeError {
  constructor(cause: unknown) {
    super("TROUPE_ERR_DATABASE", `PostgreSQL did not take the batch: ${errorMessage(cause)}`, { cause, retriable: true });
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

interface Pending {
  images: ImageRow[];
  inferences: InferenceRow[];
  replies: Map<ActorRef<WrittenNotice>, SourceOffset[]>;
}

interface State {
  sql: Sql;
  timer: ReturnType<typeof setTimeout> | null;
}

/** Zeroed stats. */
export function newUpserterStats(): UpserterStats {
  return { batches: 0, imagesInserted: 0, imagesUpdated: 0, inferences: 0, failedFlushes: 0 };
}

/** The upserter's behaviour. */
export function pgUpserter(options: PgUpserterOptions): Behaviour<UpserterMsg, State> {
  const dep = options.dependency ?? "postgres";
  const stats = options.stats ?? newUpserterStats();
  options.readiness?.declare(dep, "not connected yet");
  // Accepted rows outlive an incarnation: a restart writes them first.
  let pending: Pending = { images: [], inferences: [], replies: new Map() };
  const size = () => pending.images.length + pending.inferences.length;

  const flush = async (state: State, log: { debug(m: string, f?: object): void }): Promise<SourceOffset[]> => {
    if (state.timer) clearTimeout(state.timer);
    state.timer = null;
    if (size() === 0) return [];
    const batch = pending;
    try {
      const r = await writeBatch(state.sql, batch);
      stats.imagesInserted += r.imagesInserted;
      stats.imagesUpdated += r.imagesUpdated;
      stats.inferences += r.inferences;
      stats.batches++;
    } catch (err) {
      stats.failedFlushes++;
      options.readiness?.set(dep, false, `write failed: ${errorMessage(err)}`);
      throw new DatabaseUnavailable(err);
    }
    pending = { images: [], inferences: [], replies: new Map() };
    options.readiness?.set(dep, true, "connected");
    for (const [replyTo, sources] of batch.replies) {
      await replyTo.send({ type: "upsert.written", sources }).catch((err) => {
        // A stopping consumer learns what was written from its final flush request instead.
        if (!(err instanceof MailboxClosed)) throw err;
        log.debug("written notice not delivered: the consumer is stopping", { sources: sources.length });
      });
    }
    return [...batch.replies.values()].flat();
  };

  return {
    async init(ctx) {
      const sql = options.connect();
      const state: State = { sql, timer: null };
      try {
        await sql`SELECT 1`;
      } catch (err) {
        options.readiness?.set(dep, false, `unreachable: ${errorMessage(err)}`);
        await sql.end({ timeout: 1 }).catch(() => {});
        throw new DatabaseUnavailable(err);
      }
      options.readiness?.set(dep, true, "connected");
      if (size() > 0) {
        ctx.log.info("writing rows kept from before the restart", { rows: size() });
        try {
          await flush(state, ctx.log);
        } catch (err) {
          await sql.end({ timeout: 1 }).catch(() => {});
          throw err;
        }
      }
      return state;
    },
    async receive(state, msg, ctx) {
      if (msg.type === "upsert.rows") {
        pending.images.push(...msg.images);
        pending.inferences.push(...msg.inferences);
        pending.replies.set(msg.replyTo, [...(pending.replies.get(msg.replyTo) ?? []), ...msg.sources]);
        if (size() >= options.batchSize) await flush(state, ctx.log);
        else if (!state.timer) {
          state.timer = setTimeout(() => {
            state.timer = null;
            if (!ctx.self.trySend({ type: "upsert.flush" })) state.timer = null;
          }, options.lingerMs);
        }
        return state;
      }
      const written = await flush(state, ctx.log);
      msg.replyTo?.trySend({ type: "upsert.written", sources: written });
      return state;
    },
    async stop(state) {
      // Rows still pending stay in memory for a restart; at shutdown they were not committed in Kafka either, so they are consumed again.
      if (state.timer) clearTimeout(state.timer);
      await state.sql.end({ timeout: 2 }).catch(() => {});
    },
    describe: () => ({ pendingRows: size(), batchSize: options.batchSize, lingerMs: options.lingerMs, ...stats }),
  };
}
