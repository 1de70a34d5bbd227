/**
 * Encoder: camera captures -> `troupe.images` record values (protocols/capture.ts:
 * PNG, sha256, base64, envelope), handed to the producer keyed by device id in the
 * order they were captured. The encoding runs in worker threads (`threads`; 0: on
 * this thread), so the main thread keeps reading, batching and producing.
 *
 * Batches go to whichever thread is idle (a batch takes what queued meanwhile, up
 * to `chunk`); results are forwarded strictly in capture order. Backpressure: at
 * most `chunk` x (threads + 1) captures wait beyond the threads' batches before the
 * encoder stops taking messages, and forwarding waits on the producer's mailbox.
 * Captures not yet forwarded are kept across a restart (a thread died) and encoded
 * again by the next incarnation; a graceful stop hands every one on first. A capture
 * that cannot be encoded is logged and counted, never retried forever.
 */
import type { Capture } from "../../protocols/capture.ts";
import type { HopReporter } from "../../protocols/hops.ts";
import { traceIdOf, TRACEPARENT_HEADER } from "../../protocols/trace_context.ts";
import {
  type ActorContext,
  type ActorProps,
  type ActorRef,
  type Behaviour,
  type ChildSpec,
  childSpec,
  errorMessage,
} from "../../system/mod.ts";
import { type EncodePool, type EncodeResult, startEncodePool } from "./_encode_pool.ts";
import type { RecordOut } from "../../protocols/record_out.ts";

/** Messages of the encoder. */
export type EncoderMsg = { type: "encoder.encode"; capture: Capture };

/** The encoder's own: a thread finished a batch. */
type Msg = EncoderMsg | { type: "encoder.encoded" };

/** Options of {@link pngEncoder}. */
export interface PngEncoderOptions {
  /** The topic the images' records are for. */
  topic: string;
  /** The sink of records they go to (a Kafka producer actor). */
  producer: ActorRef<RecordOut>;
  /** Worker threads; 0 encodes on the actor's thread. @default 0 */
  threads?: number;
  /** Most captures in one batch to a thread. @default 32 */
  chunk?: number;
  /** The threads' module, speaking actors/_encode_batch.ts (tests use a faulty one). @default actors/_encode_thread.ts */
  threadModule?: URL;
  /** Figures shared with the caller. @default fresh ones */
  stats?: EncoderStats;
  /** Told each image encoded (the node samples and ships them: protocols/hops.ts). */
  hops?: HopReporter;
}

interface Batch {
  captures: Capture[];
  results: EncodeResult[] | null;
  failure: unknown;
  /** Captures of this batch already forwarded. */
  forwarded: number;
  settled: Promise<void>;
}

interface State {
  pool: EncodePool;
  /** Captures taken from the fleet and not yet in a thread's batch. */
  queue: Capture[];
  /** Batches at the threads, in capture order. */
  inflight: Batch[];
  /** The incarnation failed: its stop keeps the captures for the next one instead of draining. */
  failed: boolean;
}

/** Running figures of the encoder. */
export interface EncoderStats {
  /** Captures encoded. */
  encoded: number;
  /** Bytes of the records made. */
  bytes: number;
  /** Captures that could not be encoded. */
  failed: number;
  /** Batches encoded (on a thread or the actor's own). */
  batches: number;
}

/**
 * The encoder's behaviour. Captures not yet handed on when an incarnation ends (a
 * thread died) go to the next one, which encodes them again first: nothing taken
 * from the fleet is dropped.
 */
export function pngEncoder(options: PngEncoderOptions): Behaviour<EncoderMsg, unknown, unknown> {
  return encoder(options);
}

function encoder(options: PngEncoderOptions): Behaviour<EncoderMsg, State, Capture[]> {
  const chunk = options.chunk ?? 32;
  const threads = options.threads ?? 0;
  const maxQueued = chunk * (threads + 1);
  const stats: EncoderStats = options.stats ?? { encoded: 0, bytes: 0, failed: 0, batches: 0 };

  const dispatch = (state: State, ctx: ActorContext<Msg>) => {
    const b: Batch = {
      captures: state.queue.splice(0, chunk),
      results: null,
      failure: null,
      forwarded: 0,
      settled: Promise.resolve(),
    };
    b.settled = state.pool.run(b.captures).then(
      (r) => void (b.results = r),
      (err: unknown) => void (b.failure = err),
    ).finally(() => ctx.self.trySend({ type: "encoder.encoded" }));
    state.inflight.push(b);
    stats.batches++;
  };

  /**
   * Hands a finished batch on. While draining at stop it only offers records
   * (`trySend`): the producer may itself be stopping or restarting, and what it
   * cannot take now stays here. Says whether the whole batch was handed on.
   */
  const forward = async (b: Batch, ctx: ActorContext<Msg>, draining: boolean): Promise<boolean> => {
    const results = b.results as EncodeResult[];
    while (b.forwarded < b.captures.length) {
      const c = b.captures[b.forwarded] as Capture;
      const r = results[b.forwarded] as EncodeResult;
      if ("value" in r) {
        options.hops?.("encoded", c.traceparent, Date.now());
        const msg: RecordOut = {
          type: "producer.record",
          topic: options.topic,
          key: c.deviceId,
          value: r.value,
          ...(c.traceparent ? { headers: { [TRACEPARENT_HEADER]: c.traceparent } } : {}),
        };
        if (!draining) await options.producer.send(msg, { signal: ctx.signal });
        else if (!options.producer.trySend(msg)) return false;
        stats.encoded++;
        stats.bytes += r.value.byteLength;
      } else {
        stats.failed++;
        const traceId = traceIdOf(c.traceparent);
        ctx.log.error("capture could not be encoded; skipped", {
          imageId: c.imageId,
          error: r.error,
          ...(traceId ? { traceId } : {}),
        });
      }
      b.forwarded++;
    }
    return true;
  };

  /**
   * Forwards finished batches in order and hands queued captures to idle threads;
   * waits while too many queue, or, when `draining` (at stop), until every capture
   * is handed on or the producer takes no more. A failure marks the captures as kept
   * for the next incarnation.
   */
  const pump = async (state: State, ctx: ActorContext<Msg>, draining = false) => {
    try {
      for (;;) {
        const head = state.inflight[0];
        if (head?.failure) throw head.failure;
        if (head?.results) {
          if (!(await forward(head, ctx, draining))) return;
          state.inflight.shift();
          continue;
        }
        const broken = state.pool.broken();
        if (broken) throw broken;
        if (state.queue.length > 0 && state.pool.idle() > 0) {
          dispatch(state, ctx);
          continue;
        }
        if (head && (draining || state.queue.length >= maxQueued)) {
          await head.settled;
          continue;
        }
        return;
      }
    } catch (err) {
      state.failed = true;
      throw err;
    }
  };

  /** Captures not yet handed on, in capture order. */
  const left = (
    state: State,
  ): Capture[] => [...state.inflight.flatMap((b) => b.captures.slice(b.forwarded)), ...state.queue];

  const behaviour: Behaviour<Msg, State, Capture[]> = {
    async init(ctx, carried) {
      const pool = await startEncodePool(threads, options.threadModule);
      const state: State = { pool, queue: carried ?? [], inflight: [], failed: false };
      if (state.queue.length > 0) {
        ctx.log.info("encoding captures kept from before the restart", { captures: state.queue.length });
      }
      try {
        if (state.queue.length > 0) await pump(state, ctx);
      } catch (err) {
        await pool.close();
        throw err;
      }
      return state;
    },
    async receive(state, msg, ctx) {
      if (msg.type === "encoder.encode") state.queue.push(msg.capture);
      await pump(state, ctx);
      return state;
    },
    async stop(state, ctx) {
      // Hand on what was taken while the producer's mailbox has room (it stops after the
      // encoder, so a graceful stop loses nothing); what is left is kept for a restart.
      if (!state.failed) {
        await pump(state, ctx, true).catch((err: unknown) =>
          ctx.log.warn("encoding stopped early", { error: errorMessage(err) })
        );
      }
      const n = left(state).length;
      if (n > 0) ctx.log.warn("captures not handed on at stop (kept if the encoder restarts)", { captures: n });
      await state.pool.close();
    },
    handover: (state) => {
      const captures = left(state);
      return captures.length > 0 ? captures : undefined;
    },
    describe: (state) => ({
      threads: state.pool.threads,
      encoded: stats.encoded,
      failed: stats.failed,
      batches: stats.batches,
      meanBatch: stats.batches ? Math.round(((stats.encoded + stats.failed) / stats.batches) * 10) / 10 : 0,
      queued: state.queue.length,
      inFlight: state.inflight.length,
      meanRecordBytes: stats.encoded ? Math.round(stats.bytes / stats.encoded) : 0,
    }),
  };
  return behaviour;
}

/** The pngEncoder actor as a supervisor's child: `encoder`, capacity 64. */
export function pngEncoderSpec(options: PngEncoderOptions, props: Partial<ActorProps> = {}): ChildSpec<EncoderMsg> {
  return childSpec(pngEncoder(options), { name: "encoder", capacity: 64 }, props);
}
