/**
 * The chaos suite's inference engine: onnxruntime-node, except that an image whose
 * first four input values are 251, 10, 10, 10 (the poison scenario's killer image)
 * kills its worker thread, so the pool fails it and the consumer dead-letters it as
 * `inference_failed`. Loaded by the inference node through MODEL_ENGINE_MODULE.
 */
import process from "node:process";
import { load as loadOnnx } from "../actors/inference/onnx_worker_engine.ts";
import type { InferenceEngine } from "../actors/inference/engine.ts";
import type { WorkerSpec } from "../actors/inference/worker_protocol.ts";

const KILLER = [251, 10, 10, 10];

export async function load(spec: WorkerSpec): Promise<InferenceEngine> {
  const engine = await loadOnnx(spec);
  const per = 3 * spec.input.width * spec.input.height;
  return {
    info: engine.info,
    run(batch, count) {
      for (let i = 0; i < count; i++) {
        if (KILLER.every((v, k) => batch[i * per + k] === v)) process.exit(3);
      }
      return engine.run(batch, count);
    },
    close: () => engine.close(),
  };
}
