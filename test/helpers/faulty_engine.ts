/**
 * An engine module for model worker threads in tests: onnxruntime-node on the
 * model, except that an image whose first input value is 251 kills the thread
 * and one whose first value is 252 hangs it (inputs are raw pixels in the tests).
 */
import process from "node:process";
import { load as loadOnnx } from "../../actors/inference/onnx_worker_engine.ts";
import type { InferenceEngine } from "../../actors/inference/engine.ts";
import type { WorkerSpec } from "../../actors/inference/worker_protocol.ts";

export async function load(spec: WorkerSpec): Promise<InferenceEngine> {
  const engine = await loadOnnx(spec);
  const per = 3 * spec.input.width * spec.input.height;
  return {
    info: engine.info,
    run(batch, count) {
      for (let i = 0; i < count; i++) {
        if (batch[i * per] === 251) process.exit(3);
        if (batch[i * per] === 252) return new Promise(() => {});
      }
      return engine.run(batch, count);
    },
    close: () => engine.close(),
  };
}
