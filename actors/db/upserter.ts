/**
 * PostgreSQL upserter: collects rows from the consumer and writes them in
 * batches (`batchSize` rows, or whatever arrived within `lingerMs`), one
 * transaction per batch (contract in pg_writes.ts). After a batch commits it
 * answers each batch's `replyTo` with the rows' acknowledgement tokens
 * (protocols/ack.ts), so their source can let them go (the Kafka consumer commits
 * their offsets). It knows nothing of where the rows came from.
 *
 * Rows PostgreSQL refuses for their own sake (refusals.ts: a value out of range,
 * a constraint, a trigger) are found by splitting the batch under savepoints; the
 * rest is written, and the answer names the refused rows' tokens with their SQLSTATE
 * and the server's message, for the source to dead-letter (`db_rejected`) with
 * the original bytes. Any other failure (PostgreSQL unreachable, or not answering
 * within `writeTimeoutMs`) fails the flush: the actor fails and its supervisor
 * restarts it with backoff; rows already accepted are kept across restarts and
 * written first by the next incarnation, and its full mailbox makes the consumer
 * pause. `upsert.flush` with a `replyTo` writes what is pending now and answers
 * with every token it handled (the source's last request before it stops).
 */
import { traceIdOf } from "../../protocols/trace_context.ts";
import type { HopReporter } from "../../protocols/hops.ts";
import { recordLatencyMs } from "../../protocols/capture_latency.ts";
import type { ImageRow, InferenceRow } from "./pg_writes.ts";
import { writeBatch, writeRows } from "./pg_writes.ts";
import type { Sql } from "./postgres.ts";
import { isRowFault, type Refusal, sqlstateOf, writeIsolating } from "./refusals.ts";
import { type Ack, type AckRefusal, type AckReply, answerSource } from "../../protocols/ack.ts";
import { DEAD_LETTER_HEADERS } from "../../protocols/deadletter.ts";
import {
  type ActorContext,
  type ActorProps,
  type ActorRef,
  type Behaviour,
  type ChildSpec,
  childSpec,
  errorMessage,
  LingerBatch,
  type Readiness,
  TroupeError,
} from "../../system/mod.ts";
import { Histogram } from "../../system/observe.ts";

/** A row and its source's acknowledgement token. */
export type SourcedRow = { ack: Ack } & ({ image: ImageRow } | { inference: InferenceRow });

/**
 * Messages of the upserter. Each answer (to `replyTo`) names the tokens of the rows
 * committed (`done`) and of those PostgreSQL refused for their own sake (`refused`).
 */
export type UpserterMsg =
  | { type: "upsert.rows"; rows: SourcedRow[]; replyTo: ActorRef<AckReply> }
  | { type: "upsert.flush"; replyTo?: ActorRef<AckReply> };

/** PostgreSQL did not take a batch; retriable (the supervisor restarts the upserter). */
export class DatabaseUnavailable extends TroupeError {
  /** An error saying PostgreSQL did not take the batch, with its SQLSTATE when it has one. */
  constructor(cause: unknown) {
    const state = sqlstateOf(cause);
    super(
      "TROUPE_ERR_DATABASE",
      `PostgreSQL did not take the batch${state ? ` (SQLSTATE ${state})` : ""}: ${errorMessage(cause)}`,
      { cause, retriable: true },
    );
  }
}

/** PostgreSQL did not answer within the write timeout (a frozen server, a lock held for long). */
export class DatabaseTimeout extends TroupeError {
  /** An error saying PostgreSQL did not answer `what` within `ms` milliseconds. */
  constructor(what: string, ms: number) {
    super("TROUPE_ERR_DATABASE_TIMEOUT", `PostgreSQL did not answer ${what} within ${ms} ms`, { retriable: true });
  }
}

/** Capture-to-row latencies of the rows an upserter wrote, cumulative (buckets of 2^i ms). */
export interface CaptureLatency {
  /** From capture to the image's row, in milliseconds. */
  imageRow: Histogram;
  /** From capture to the inference's row, in milliseconds. */
  inferenceRow: Histogram;
}

/** Empty latency histograms. */
export function newCaptureLatency(): CaptureLatency {
  return { imageRow: new Histogram(), inferenceRow: new Histogram() };
}

/** Running figures of the upserter, shared with metrics. */
export interface UpserterStats {
  /** Batches written. */
  batches: number;
  /** Image rows inserted. */
  imagesInserted: number;
  /** Image rows updated (replays). */
  imagesUpdated: number;
  /** Inference rows written. */
  inferences: number;
  /** Batches that failed (each retried by a restart). */
  failedFlushes: number;
  /** Rows PostgreSQL refused for their own sake (dead-lettered by the consumer). */
  rejectedRows: number;
}

/** Options of {@link pgUpserter}. */
export interface PgUpserterOptions {
  /** Opens the pool of an incarnation (closed on restart and stop). */
  connect: () => Sql;
  /** Rows per batch: a full batch is written at once. */
  batchSize: number;
  /** How long the first row of a batch waits for more, in milliseconds. */
  lingerMs: number;
  /** Where the upserter says whether PostgreSQL is reachable (under `dependency`). */
  readiness?: Readiness;
  /** Name of the readiness dependency. @default "postgres" */
  dependency?: string;
  /** Figures to count into (shared with whoever shows them). */
  stats?: UpserterStats;
  /**
   * How long a batch's transaction (or the first query of an incarnation) may take
   * before the database counts as unavailable; its connections are then closed.
   * @default 30000
   */
  writeTimeoutMs?: number;
  /** Told each row stored (the node samples and ships them: protocols/hops.ts). */
  hops?: HopReporter;
  /** Capture-to-row latencies of the rows written (protocols/capture_latency.ts). */
  latency?: CaptureLatency;
}

/** Rows accepted from one `upsert.rows` message, waiting for their transaction. */
interface Accepted {
  rows: SourcedRow[];
  replyTo: ActorRef<AckReply>;
}

interface State {
  sql: Sql;
  batch: LingerBatch<Accepted>;
}

/** Zeroed stats. */
export function newUpserterStats(): UpserterStats {
  return { batches: 0, imagesInserted: 0, imagesUpdated: 0, inferences: 0, failedFlushes: 0, rejectedRows: 0 };
}

const FLUSH: UpserterMsg = { type: "upsert.flush" };

/** The power-of-two range a count falls in: 1, 2, 3-4, 5-8, 9-16... */
function sizeRange(n: number): string {
  if (n <= 2) return String(n);
  const hi = 2 ** Math.ceil(Math.log2(n));
  return `${hi / 2 + 1}-${hi}`;
}
const rowsOf = (a: Accepted) => a.rows.length;

/** The images and inferences of `rows`, for one write. */
function tables(rows: SourcedRow[]): { images: ImageRow[]; inferences: InferenceRow[] } {
  const images: ImageRow[] = [];
  const inferences: InferenceRow[] = [];
  for (const r of rows) "image" in r ? images.push(r.image) : inferences.push(r.inference);
  return { images, inferences };
}

/**
 * `work` on `sql`, or a {@link DatabaseTimeout} after `ms`: the pool's connections
 * are then closed, since a frozen server would hold them (and the actor) forever.
 */
async function bounded<T>(sql: Sql, what: string, ms: number, work: Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(ms);
  let onAbort!: () => void;
  const timedOut = new Promise<never>((_, reject) => {
    onAbort = () => reject(new DatabaseTimeout(what, ms));
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, timedOut]);
  } catch (err) {
    if (err instanceof DatabaseTimeout) {
      work.catch(() => {}); // it fails once its connection is closed
      await sql.end({ timeout: 0 }).catch(() => {});
    }
    throw err;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

/**
 * The upserter's behaviour. Rows accepted and not yet written are handed to the
 * next incarnation, which writes them first.
 */
export function pgUpserter(options: PgUpserterOptions): Behaviour<UpserterMsg, unknown, unknown> {
  return upserter(options);
}

function upserter(options: PgUpserterOptions): Behaviour<UpserterMsg, State, Accepted[]> {
  const dep = options.dependency ?? "postgres";
  const stats = options.stats ?? newUpserterStats();
  options.readiness?.declare(dep, "not connected yet");
  /** Time each batch's write took; rows per write in power-of-two ranges (a bounded set of keys). */
  const writeTimes = new Histogram();
  const rowsPerWrite: Record<string, number> = {};

  const timeoutMs = options.writeTimeoutMs ?? 30_000;

  const unavailable = (err: unknown): never => {
    stats.failedFlushes++;
    options.readiness?.set(dep, false, `write failed: ${errorMessage(err)}`);
    throw err instanceof DatabaseTimeout ? err : new DatabaseUnavailable(err);
  };

  /** Writes `rows` in one transaction; the refused ones are left out. Throws when the database is unavailable. */
  const write = async (sql: Sql, rows: SourcedRow[]): Promise<Refusal<SourcedRow>[]> => {
    const count = (r: { imagesInserted: number; imagesUpdated: number; inferences: number }) => {
      stats.imagesInserted += r.imagesInserted;
      stats.imagesUpdated += r.imagesUpdated;
      stats.inferences += r.inferences;
    };
    try {
      count(await bounded(sql, "a batch", timeoutMs, writeBatch(sql, tables(rows))));
      return [];
    } catch (err) {
      if (!isRowFault(err)) unavailable(err);
    }
    try {
      const out = await bounded(
        sql,
        "a batch",
        timeoutMs,
        writeIsolating(sql, rows, (tx, part) => writeRows(tx, tables(part))),
      );
      out.written.forEach(count);
      return out.refused;
    } catch (err) {
      return unavailable(err);
    }
  };

  /** Writes the batch; tells each sender which of its rows are written and which were refused; returns all of it. */
  const flush = async (state: State, ctx: ActorContext<UpserterMsg>): Promise<AckReply> => {
    const accepted = state.batch.items;
    if (accepted.length === 0) return { type: "ack", done: [] };
    const rows = accepted.flatMap((a) => a.rows);
    const t0 = performance.now();
    const refused = await write(state.sql, rows);
    writeTimes.recordMs(performance.now() - t0);
    const range = sizeRange(rows.length);
    rowsPerWrite[range] = (rowsPerWrite[range] ?? 0) + 1;
    stats.batches++;
    stats.rejectedRows += refused.length;
    if (options.hops || options.latency) {
      const storedAt = Date.now();
      const refusedRows = new Set(refused.map((r) => r.item));
      const { hops, latency } = options;
      for (const r of rows) {
        if (refusedRows.has(r)) continue;
        const row = "image" in r ? r.image : r.inference;
        hops?.("image" in r ? "stored" : "result_stored", row.traceparent, storedAt);
        const captured = row.capturedAt === undefined ? NaN : Date.parse(row.capturedAt);
        if (latency && !Number.isNaN(captured)) {
          recordLatencyMs("image" in r ? latency.imageRow : latency.inferenceRow, storedAt - captured);
        }
      }
    }
    const refusedBy = new Map<SourcedRow, AckRefusal>();
    for (const r of refused) {
      const row = "image" in r.item ? r.item.image : r.item.inference;
      const traceId = traceIdOf(row.traceparent);
      ctx.log.warn("row refused by PostgreSQL", {
        sqlstate: r.sqlstate,
        error: r.message,
        imageId: row.imageId,
        ...(traceId ? { traceId } : {}),
      });
      refusedBy.set(r.item, {
        ack: r.item.ack,
        reason: "db_rejected",
        detail: r.message,
        headers: { [DEAD_LETTER_HEADERS.sqlstate]: r.sqlstate },
      });
    }
    const replies = new Map<ActorRef<AckReply>, { type: "ack"; done: Ack[]; refused: AckRefusal[] }>();
    for (const a of accepted) {
      let notice = replies.get(a.replyTo);
      if (!notice) replies.set(a.replyTo, notice = { type: "ack", done: [], refused: [] });
      for (const row of a.rows) {
        const r = refusedBy.get(row);
        if (r) notice.refused.push(r);
        else notice.done.push(row.ack);
      }
    }
    state.batch.clear(ctx.timers);
    options.readiness?.set(dep, true, "connected");
    // A stopping source learns what was written from its final flush request instead.
    for (const [replyTo, notice] of replies) await answerSource(replyTo, notice, ctx.log);
    const all = [...replies.values()];
    return { type: "ack", done: all.flatMap((n) => n.done), refused: all.flatMap((n) => n.refused) };
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
        await bounded(sql, "a first query", timeoutMs, sql`SELECT 1`.execute());
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
        state.batch.add({ rows: msg.rows, replyTo: msg.replyTo });
        if (state.batch.full) await flush(state, ctx);
        else state.batch.linger(ctx.timers, FLUSH);
        return state;
      }
      const written = await flush(state, ctx);
      msg.replyTo?.trySend(written);
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
      writeSeconds: writeTimes.data(),
      rowsPerWrite: { ...rowsPerWrite },
    }),
  };
}

/** The pgUpserter actor as a supervisor's child: `upserter`, capacity 8 chunks (the consumer pauses beyond), 10 s at shutdown. */
export function pgUpserterSpec(options: PgUpserterOptions, props: Partial<ActorProps> = {}): ChildSpec<UpserterMsg> {
  return childSpec(pgUpserter(options), { name: "upserter", capacity: 8, shutdownMs: 10_000 }, props);
}
