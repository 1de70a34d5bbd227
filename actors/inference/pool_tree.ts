/**
 * Assembles a model pool: a supervisor holding N model workers (one thread and
 * session each) and the pool that batches for them. Used by the inference role,
 * and by services embedding the pool.
 */
import { type ModelPoolMsg, modelPoolSpec, newPoolStats, type PoolObserver, type PoolStats } from "./model_pool.ts";
import { modelWorkerSpec } from "./model_worker.ts";
import type { ModelInfo } from "./engine.ts";
import type { InputSpec } from "./preprocess.ts";
import type { WorkerSpec } from "./worker_protocol.ts";
import { pinTfjsNative } from "./tfjs_module.ts";
import { type ActorRef, startChild, supervise, type Supervisor } from "../../system/mod.ts";
import { moduleBeside } from "../../system/platform.ts";

const TFJS_ENGINE_MODULE = moduleBeside(import.meta.url, "./tfjs_worker_engine").href;

/** Options of {@link startModelPoolTree}. */
export interface ModelPoolTreeOptions {
  /** Supervisor name. @default "model_pool" */
  name?: string;
  /** The model file (ONNX for the default engine; a SavedModel directory for tfjs). */
  modelPath: string;
  /** The model's name in replies and figures. */
  modelName: string;
  /** Input size and normalisation (`IMAGENET_INPUT` for ResNet50). */
  input: InputSpec;
  /** Largest image side accepted, in pixels. @default 4096 */
  maxSide?: number;
  /** Model workers: one thread and session each. @default 1 */
  workers?: number;
  /** Threads of one session. @default 1 */
  intraOpThreads?: number;
  /** Idle session threads spin. @default false */
  spin?: boolean;
  /** Images run together at most. @default 8 */
  maxBatch?: number;
  /** How long the first image of a batch waits for more, ms. @default 5 */
  maxDelayMs?: number;
  /** Longest a batch may take before its worker is restarted, ms. @default 30000 */
  batchTimeoutMs?: number;
  /** Requests waiting in the pool's mailbox (backpressure beyond it). @default 64 */
  queue?: number;
  /** Classes in each answer. @default 5 */
  topK?: number;
  /** Class names; missing ones are `class_<index>`. @default [] */
  labels?: readonly string[];
  /** What the model outputs. @default "logits" */
  outputs?: "logits" | "probabilities";
  /** Engine module URL for the threads. @default models/onnx_worker_engine.ts */
  engineModule?: string;
  /** Options of the engine module (see tfjs_worker_engine.ts). */
  engineOptions?: Record<string, string>;
  /** Sees requests, batches and outcomes (serving metrics). */
  observer?: PoolObserver;
  /** Worker restarts allowed within a minute before the pool gives up. @default 5 */
  restarts?: number;
}

/** A started pool. */
export interface ModelPoolTree {
  /** The pool: ask it, or use {@link infer}. */
  pool: ActorRef<ModelPoolMsg>;
  /** What the workers loaded: the model's input and output. */
  info: ModelInfo;
  /** The pool's running figures. */
  stats: PoolStats;
}

/** Starts the workers (each loads the model), then the pool. Rejects if the model cannot load. */
export async function startModelPoolTree(parent: Supervisor, given: ModelPoolTreeOptions): Promise<ModelPoolTree> {
  const options = {
    workers: 1,
    intraOpThreads: 1,
    maxBatch: 8,
    maxDelayMs: 5,
    batchTimeoutMs: 30_000,
    queue: 64,
    topK: 5,
    labels: [] as readonly string[],
    outputs: "logits" as const,
    ...given,
  };
  const sup = await supervise(parent, {
    name: options.name ?? "model_pool",
    strategy: "one_for_one",
    intensity: options.restarts ?? 5,
    periodMs: 60_000,
    backoff: { minMs: 100, maxMs: 5_000, jitter: 0.2 },
  });
  const spec: WorkerSpec = {
    engineModule: options.engineModule ?? moduleBeside(import.meta.url, "./onnx_worker_engine").href,
    modelPath: options.modelPath,
    modelName: options.modelName,
    input: options.input,
    maxSide: options.maxSide ?? 4096,
    intraOpThreads: options.intraOpThreads,
    spin: options.spin ?? false,
    ...(options.engineOptions ? { options: options.engineOptions } : {}),
  };
  // Node unloads tfjs-node when a worker thread that loaded it ends, and the process then dies at exit.
  if (spec.engineModule === TFJS_ENGINE_MODULE) pinTfjsNative(options.engineOptions?.["tfjsDir"] ?? null);
  let info: ModelInfo | null = null;
  const workers = [];
  for (let i = 0; i < options.workers; i++) {
    workers.push(
      await startChild(
        sup,
        modelWorkerSpec({ spec, batchTimeoutMs: options.batchTimeoutMs, onReady: (i) => (info ??= i) }, {
          name: `worker_${i}`,
        }),
      ),
    );
  }
  const loaded = info as ModelInfo | null;
  if (!loaded) throw new Error("no model worker reported the model");
  const stats = newPoolStats();
  const pool = await startChild(
    sup,
    modelPoolSpec({
      workers,
      model: options.modelName,
      classes: loaded.output.classes,
      labels: options.labels,
      outputs: options.outputs,
      topK: options.topK,
      maxBatch: loaded.maxBatch ? Math.min(options.maxBatch, loaded.maxBatch) : options.maxBatch,
      maxDelayMs: options.maxDelayMs,
      batchTimeoutMs: options.batchTimeoutMs,
      stats,
      ...(options.observer ? { observer: options.observer } : {}),
    }, { capacity: options.queue }),
  );
  return { pool, info: loaded, stats };
}
