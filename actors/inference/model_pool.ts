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
import { Histogram } from "../../system/observe.ts";
import type { ModelWorkerMsg, WorkerReply } from "./model_worker.ts";

/** Why an image got no result. `bad_image` is the caller's fault; the others are the service's. */
export type PoolFailure = "bad_image" | "worker_crashed" | "worker_hung" | "engine_error";

/** The answer to one image. */
export type PoolReply =
  | {
    type: "pool.result";
    ok: true;
    model: string;
    top: TopClass[];
    latencyMs: number;
    batchSize: number;
    /** Waiting in the pool for a batch and a free worker. */
    queueMs: number;
    /** The batch's preprocessing and inference (shared by its images). */
    computeMs: number;
    /** The model's raw output for this image (`classes` values), when asked with `raw`. */
    raw?: Float32Array;
  }
  | { type: "pool.result"; ok: false; reason: PoolFailure; message: string };

/**
 * Messages of the pool: a PNG (decoded and preprocessed by the worker thread), or
 * an input tensor already preprocessed (the model's input dims, float32).
 * `raw`: the reply carries the model's raw output too.
 */
export type ModelPoolMsg =
  | {
    type: "pool.infer";
    png: Uint8Array;
    raw?: boolean;
    /** The request's W3C trace context, if it has one (seen in message traces; protocols/trace_context.ts). */
    traceparent?: string;
    replyTo: ActorRef<PoolReply>;
  }
  | {
    type: "pool.inferTensor";
    tensor: Float32Array;
    raw?: boolean;
    traceparent?: string;
    replyTo: ActorRef<PoolReply>;
  };

/** Sees each request, batch and outcome of a pool (serving metrics). */
export interface PoolObserver {
  /** A request entered the pool. */
  received(): void;
  /** A batch ran: its size and its worker's preprocessing and inference times. */
  executed(size: number, preprocessMs: number, inferMs: number): void;
  /** A request got its result. */
  succeeded(queueMs: number, preprocessMs: number, inferMs: number): void;
  /** A request failed. */
  failed(reason: PoolFailure): void;
}

/** The pool's own: a partial batch waited long enough. */
type Msg = ModelPoolMsg | { type: "pool.flush" };

/** Running figures of the pool. */
export interface PoolStats {
  /** Images classified. */
  images: number;
  /** Batches run. */
  batches: number;
  /** Requests that failed, by why. */
  failed: Partial<Record<PoolFailure, number>>;
  /** Requests retried alone after their batch failed (a crashed or hung worker). */
  retried: number;
  /** Batch size -> batches of that size. */
  batchSizes: Record<string, number>;
  /** Latest latencies (enqueue to result), ms. */
  recentLatencyMs: number[];
}

/** Options of {@link modelPool}. */
export interface ModelPoolOptions {
  /** The model workers the pool hands batches to. */
  workers: ActorRef<ModelWorkerMsg>[];
  /** The model's name, given in every reply. */
  model: string;
  /** How many classes the model's output has. */
  classes: number;
  /** Class names by index (empty: `class_<index>`). */
  labels: readonly string[];
  /** Raw outputs are logits (softmax applied here) or probabilities already. */
  outputs: "logits" | "probabilities";
  /** How many classes a reply names, best first. */
  topK: number;
  /** The most requests in one batch. */
  maxBatch: number;
  /** How long a partial batch waits for more, in milliseconds. */
  maxDelayMs: number;
  /** Longest wait for a worker's answer beyond its own batch timeout. */
  batchTimeoutMs: number;
  /** Figures to count into (shared with whoever shows them). */
  stats?: PoolStats;
  /** Told of each batch and failure (serving metrics). */
  observer?: PoolObserver;
}

interface Item {
  input: Uint8Array | Float32Array;
  raw: boolean;
  replyTo: ActorRef<PoolReply>;
  at: number;
  /** When its (last) batch went to a worker. */
  sentAt: number;
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
export function modelPool(options: ModelPoolOptions): Behaviour<ModelPoolMsg, unknown> {
  return pool(options);
}

function pool(options: ModelPoolOptions): Behaviour<ModelPoolMsg, State> {
  const stats = options.stats ?? newPoolStats();
  const observer = options.observer;
  /** Time each image waited for a worker; time each batch took on one (decode, resize and inference). */
  const queueTimes = new Histogram();
  const computeTimes = new Histogram();

  const fail = (item: Item, reason: PoolFailure, message: string) => {
    stats.failed[reason] = (stats.failed[reason] ?? 0) + 1;
    observer?.failed(reason);
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
    observer?.executed(items.length, reply.preprocessMs, reply.inferMs);
    computeTimes.recordMs(reply.preprocessMs + reply.inferMs);
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
      const queueMs = Math.round((item.sentAt - item.at) * 10) / 10;
      queueTimes.recordMs(item.sentAt - item.at);
      observer?.succeeded(queueMs, reply.preprocessMs, reply.inferMs);
      item.replyTo.trySend({
        type: "pool.result",
        ok: true,
        model: options.model,
        top: topK(probs, options.topK, options.labels),
        latencyMs,
        batchSize: items.length,
        queueMs,
        computeMs: Math.round((reply.preprocessMs + reply.inferMs) * 10) / 10,
        ...(item.raw ? { raw: raw.slice() } : {}),
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
      const sentAt = performance.now();
      for (const item of items) item.sentAt = sentAt;
      state.busy[w] = true;
      const worker = options.workers[w] as ActorRef<ModelWorkerMsg>;
      const p: Promise<void> = ask<ModelWorkerMsg, WorkerReply>(
        worker,
        (replyTo) => ({ type: "worker.run", images: items.map((i) => i.input), replyTo }),
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
      if (msg.type === "pool.infer" || msg.type === "pool.inferTensor") {
        const at = performance.now();
        const input = msg.type === "pool.infer" ? msg.png : msg.tensor;
        state.forming.push({ input, raw: msg.raw === true, replyTo: msg.replyTo, at, sentAt: at, attempts: 0 });
        observer?.received();
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
        queueSeconds: queueTimes.data(),
        computeSeconds: computeTimes.data(),
      };
    },
  };
  return behaviour;
}

/** The modelPool actor as a supervisor's child: `pool`, a queue of 64 images (override `capacity`), 10 s at shutdown. */
export function modelPoolSpec(options: ModelPoolOptions, props: Partial<ActorProps> = {}): ChildSpec<ModelPoolMsg> {
  return childSpec(modelPool(options), { name: "pool", capacity: 64, shutdownMs: 10_000 }, props);
}
