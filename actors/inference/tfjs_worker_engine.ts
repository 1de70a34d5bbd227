/**
 * The engine module of a worker thread for the TensorFlow engine (`MODEL_ENGINE=tfjs`):
 * tfjs-node on a SavedModel or a TF.js model. Engine options of the spec:
 * `tags` (comma-separated), `signature`, `input`, `output`, `tfjsDir`.
 */
import type { InferenceEngine } from "./engine.ts";
import { loadTfjsEngine } from "./tfjs_engine.ts";
import { inputDims, type WorkerSpec } from "./worker_protocol.ts";

/** Loads the model named in the spec. */
export function load(spec: WorkerSpec): Promise<InferenceEngine> {
  const o = spec.options ?? {};
  return loadTfjsEngine(spec.modelPath, {
    name: spec.modelName,
    inputDims: inputDims(spec.input),
    tags: o.tags ? o.tags.split(",").map((t) => t.trim()).filter(Boolean) : null,
    signature: o.signature ?? null,
    inputName: o.input ?? null,
    outputName: o.output ?? null,
    tfjsDir: o.tfjsDir ?? null,
  });
}
