/** The default engine module of a worker thread: onnxruntime-node on the model file. */
import type { InferenceEngine } from "./engine.ts";
import { loadOnnxEngine } from "./onnxruntime_engine.ts";
import { inputDims, type WorkerSpec } from "./worker_protocol.ts";

/** Loads the model named in the spec. */
export function load(spec: WorkerSpec): Promise<InferenceEngine> {
  return loadOnnxEngine(spec.modelPath, {
    name: spec.modelName,
    inputDims: inputDims(spec.input),
    intraOpThreads: spec.intraOpThreads,
    spin: spec.spin ?? false,
  });
}
