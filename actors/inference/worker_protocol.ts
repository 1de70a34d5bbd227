/**
 * Messages between a model worker actor and its thread (models/worker_thread.ts).
 * The thread loads an engine module (default: models/onnx_worker_engine.ts) whose
 * `load(spec)` returns an InferenceEngine. PNG bytes go in (small, so queues stay
 * small); the thread decodes and preprocesses them, runs the good ones as one
 * batch, and sends the raw outputs back with a per-image error for the others.
 */
import type { ModelInfo } from "./engine.ts";
import type { InputSpec } from "./preprocess.ts";

/** What a thread is started with (its `workerData`). */
export interface WorkerSpec {
  /** URL of a module exporting `load(spec: WorkerSpec): Promise<InferenceEngine>`. */
  engineModule: string;
  /** Path of the model file. */
  modelPath: string;
  /** The model's name. */
  modelName: string;
  /** How the model wants its input. */
  input: InputSpec;
  /** Largest image side accepted. */
  maxSide: number;
  /** Threads of the engine's session per worker. */
  intraOpThreads: number;
  /** Idle session threads spin instead of sleeping. */
  spin?: boolean;
  /** Options of the engine module (strings; each engine names its own). */
  options?: Record<string, string>;
}

/** Thread to actor. */
export type FromThread =
  | { type: "ready"; info: ModelInfo }
  | { type: "fatal"; message: string; code: string | null }
  /** `out` holds `classes` floats for each image whose `errors` entry is null, in order. */
  | { type: "result"; id: number; out: Float32Array; errors: (string | null)[]; preprocessMs: number; inferMs: number }
  | { type: "error"; id: number; message: string };

/** Actor to thread: PNGs to decode, or float32 inputs of the model's dims, as they come. */
export type ToThread = { type: "run"; id: number; images: (Uint8Array | Float32Array)[] };

/** The model's input dims (without batch) for a spec: [3, H, W] or [H, W, 3]. */
export function inputDims(input: InputSpec): number[] {
  return input.layout === "NCHW" ? [3, input.height, input.width] : [input.height, input.width, 3];
}
