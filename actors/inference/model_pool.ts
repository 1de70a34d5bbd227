/**
 * Model pool: the front of the model workers. Requests wait in its bounded
 * mailbox (callers that must not wait use `trySend`: the predict API answers 429,
 * the Kafka consumer pauses). Dynamic batching: a batch closes at `maxBatch`
 * images or `maxDelayMs` after its first, whichever comes first, and goes to a
 * free worker; while every worker is busy the pool waits, so its mailbox fills
 * and backpressure reaches the callers. Images of a batch whose worker crashed or
 * hung are retried once, each alone in its batch, so the image that kills a
 * worker fails by itself (with the reason) and its batch-mates get their results.
 */
import type { TopClass } from "../../protocols/inference_envelope.ts";
import { softmax, topK } from "./preprocess.ts";
import {
  type ActorContext,
  type ActorProps,
  type ActorRef,
  ask,
  type Behaviour,
  type ChildSpec,
  childSpec,
  errorMessage,
} from "../../system/mod.ts";
import type { ModelWorkerMsg, WorkerReply } from "./model_worker.ts";

/** Why an image got no result. `bad_image` is the caller's fault; the others are the service's. */
export type PoolFailure = "bad_image" | "worker_crashed" | "worker_hung" | "engine_error";

/** The answer to one image. */
export type PoolReply =
  | { type: "pool.result"; ok: true; model: string; top: TopClass[]; latencyMs: number; batchSize: number }
  | { type: "pool.result"; ok: false; reason: PoolFailure; message: string };

/** Messages of the pool. */
export type ModelPoolMsg = { type: "pool.infer"; png: Uint8Array; replyTo: ActorRef<PoolReply> };

/** The pool's own: a partial batch waited long enough. */
type Msg = ModelPoolMsg | { type: "pool.flush" };

/** Running figures of the pool. */
export interface PoolStats {
  images: number;
  batches: number;
  failed: Partial<Record<PoolFailure, number>>;
  retried: number;
  /** Batch size -> batches of that size. */
  batchSizes: Record<string, number>;
  /** Latest latencies (enqueue to result), ms. */
  recentLatencyMs: number[];
}

/** Options of {@link modelPool}. */
export interface ModelPoolOptions {
  workers: ActorRef<ModelWorkerMsg>[];
  model: string;
  classes: number;
  labels: readonly string[];
  /** Raw outputs are logits (softmax applied here) or probabilities already. */
  outputs: "logits" | "probabilities";
  topK: number;
  maxBatch: number;
  maxDelayMs: number;
  /** Longest wait for a worker's answer beyond its own batch timeout. */
  batchTimeoutMs: number;
  stats?: PoolStats;
}

interface Item {
  png: Uint8Array;
  replyTo: ActorRef<PoolReply>;
  at: number;
  attempts: number;
}

interface State {
  forming: Item[];
  busy: boolean[];
  inflight: Set<Promise<void>>;
}

const LATENCY_WINDOW = 2048;
const FLUSH: Msg = { type: "pool.flush" };

/** Zeroed stats. */
export function newPoolStats(): PoolStats {
  return { images: 0, batches: 0, failed: {}, retried: 0, batchSizes: {}, recentLatencyMs: [] };
}

/** The pool's behaviour. */
export function modelPool(options: ModelPoolOptions): Behaviour<ModelPoolMsg, State> {
  const stats = options.stats ?? newPoolStats();

  const fail = (item: Item, reason: PoolFailure, message: string) => {
    stats.failed[reason] = (stats.failed[reason] ?? 0) + 1;
    item.replyTo.trySend({ type: "pool.result", ok: false, reason, message });
  };

  const settle = (state: State, ctx: ActorContext<Msg>, items: Item[], reply: WorkerReply) => {
    if (reply.type === "worker.failed") {
      for (const item of items) {
        if (reply.reason !== "engine_error" && item.attempts === 0) {
          item.attempts++;
          stats.retried++;
          state.forming.unshift(item);
        } else fail(item, reply.reason, reply.message);
      }
      if (state.forming.length > 0) ctx.self.trySend(FLUSH);
      return;
    }
    stats.batches++;
    stats.batchSizes[String(items.length)] = (stats.batchSizes[String(items.length)] ?? 0) + 1;
    let k = 0;
    const now = performance.now();
    items.forEach((item, i) => {
      const error = reply.errors[i];
      if (error) return fail(item, "bad_image", error);
      const raw = reply.out.subarray(k * options.classes, (k + 1) * options.classes);
      k++;
      const probs = options.outputs === "logits" ? softmax(raw) : raw;
      const latencyMs = Math.round((now - item.at) * 10) / 10;
      stats.images++;
      stats.recentLatencyMs.push(latencyMs);
      if (stats.recentLatencyMs.length > LATENCY_WINDOW) stats.recentLatencyMs.shift();
      item.replyTo.trySend({
        type: "pool.result",
        ok: true,
        model: options.model,
        top: topK(probs, options.topK, options.labels),
        latencyMs,
        batchSize: items.length,
      });
    });
  };

  const dispatch = async (state: State, ctx: ActorContext<Msg>) => {
    ctx.timers.cancel("batch");
    while (state.forming.length > 0) {
      let w = state.busy.indexOf(false);
      while (w < 0) {
        await Promise.race(state.inflight);
        w = state.busy.indexOf(false);
      }
      const items = state.forming.splice(0, batchLength(state.forming));
      state.busy[w] = true;
      const worker = options.workers[w] as ActorRef<ModelWorkerMsg>;
      const p: Promise<void> = ask<ModelWorkerMsg, WorkerReply>(
        worker,
        (replyTo) => ({ type: "worker.run", images: items.map((i) => i.png), replyTo }),
        { timeoutMs: options.batchTimeoutMs + 30_000 },
      )
        .catch((err: unknown): WorkerReply => ({
          type: "worker.failed",
          reason: "worker_crashed",
          message: errorMessage(err),
        }))
        .then((reply) => settle(state, ctx, items, reply))
        .finally(() => {
          state.busy[w] = false;
          state.inflight.delete(p);
        });
      state.inflight.add(p);
      // A partial batch waits for company; only full ones (and retries, which go alone) go out back to back.
      if (state.forming.length < options.maxBatch && (state.forming[0]?.attempts ?? 0) === 0) break;
    }
    if (state.forming.length > 0) arm(ctx);
  };

  /** How many of `forming` go in the next batch: a retried image alone, else up to `maxBatch` first tries. */
  const batchLength = (forming: Item[]): number => {
    if ((forming[0] as Item).attempts > 0) return 1;
    let n = 1;
    while (n < options.maxBatch && n < forming.length && (forming[n] as Item).attempts === 0) n++;
    return n;
  };

  /** A partial batch goes out `maxDelayMs` after its first image at the latest. */
  const arm = (ctx: ActorContext<Msg>) => {
    if (!ctx.timers.isActive("batch")) ctx.timers.startSingle("batch", options.maxDelayMs, FLUSH);
  };

  const behaviour: Behaviour<Msg, State> = {
    init: () => ({ forming: [], busy: options.workers.map(() => false), inflight: new Set() }),
    async receive(state, msg, ctx) {
      if (msg.type === "pool.infer") {
        state.forming.push({ png: msg.png, replyTo: msg.replyTo, at: performance.now(), attempts: 0 });
        if (state.forming.length >= options.maxBatch) await dispatch(state, ctx);
        else arm(ctx);
        return state;
      }
      if (state.forming.length > 0) await dispatch(state, ctx);
      return state;
    },
    async stop(state) {
      await Promise.allSettled([...state.inflight]);
      for (const item of state.forming.splice(0)) fail(item, "worker_crashed", "the model pool is stopping");
    },
    describe: (state) => {
      const sorted = [...stats.recentLatencyMs].sort((a, b) => a - b);
      const q = (
        p: number,
      ) => (sorted.length ? (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number) : 0);
      return {
        model: options.model,
        workers: options.workers.length,
        busyWorkers: state.busy.filter(Boolean).length,
        forming: state.forming.length,
        maxBatch: options.maxBatch,
        maxDelayMs: options.maxDelayMs,
        images: stats.images,
        batches: stats.batches,
        meanBatch: stats.batches ? Math.round((stats.images / stats.batches) * 100) / 100 : 0,
        batchSizes: { ...stats.batchSizes },
        latencyP50Ms: q(0.5),
        latencyP95Ms: q(0.95),
        latencyP99Ms: q(0.99),
        retried: stats.retried,
        failed: { ...stats.failed },
      };
    },
  };
  return behaviour;
}

/** The modelPool actor as a supervisor's child: `pool`, a queue of 64 images (override `capacity`), 10 s at shutdown. */
export function modelPoolSpec(options: ModelPoolOptions, props: Partial<ActorProps> = {}): ChildSpec<ModelPoolMsg> {
  return childSpec(modelPool(options), { name: "pool", capacity: 64, shutdownMs: 10_000 }, props);
}
