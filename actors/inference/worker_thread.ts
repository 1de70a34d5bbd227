/**
 * Entry of a model worker thread: loads the engine named in `workerData`, says
 * `ready` (or `fatal`), then for each batch preprocesses the PNGs and runs the
 * ones that decoded as one inference.
 */
import process from "node:process";
import { parentPort, workerData } from "node:worker_threads";
import type { InferenceEngine } from "./engine.ts";
import { preprocessPng } from "./preprocess.ts";
import type { FromThread, ToThread, WorkerSpec } from "./worker_protocol.ts";

const spec = workerData as WorkerSpec;
const port = parentPort!;
const post = (m: FromThread, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);
const perImage = 3 * spec.input.width * spec.input.height;

let engine: InferenceEngine;
try {
  const mod = (await import(spec.engineModule)) as { load(spec: WorkerSpec): Promise<InferenceEngine> };
  engine = await mod.load(spec);
  post({ type: "ready", info: engine.info });
} catch (err) {
  post({ type: "fatal", message: (err as Error).message, code: (err as { code?: string }).code ?? null });
  process.exit(1);
}

port.on("message", (m: ToThread) => {
  const t0 = performance.now();
  const errors: (string | null)[] = [];
  const batch = new Float32Array(m.images.length * perImage);
  let n = 0;
  for (const image of m.images) {
    try {
      if (image instanceof Float32Array) {
        if (image.length !== perImage) {
          throw new Error(`an input tensor of ${image.length} values: the model takes ${perImage} per image`);
        }
        batch.set(image, n * perImage);
      } else batch.set(preprocessPng(image, spec.input, { maxSide: spec.maxSide }), n * perImage);
      errors.push(null);
      n++;
    } catch (err) {
      errors.push((err as Error).message);
    }
  }
  const t1 = performance.now();
  if (n === 0) {
    post({ type: "result", id: m.id, out: new Float32Array(0), errors, preprocessMs: t1 - t0, inferMs: 0 });
    return;
  }
  engine.run(batch.subarray(0, n * perImage), n).then(
    (out) => {
      const copy = new Float32Array(out);
      post({ type: "result", id: m.id, out: copy, errors, preprocessMs: t1 - t0, inferMs: performance.now() - t1 }, [
        copy.buffer,
      ]);
    },
    (err: unknown) => post({ type: "error", id: m.id, message: (err as Error).message }),
  );
});
