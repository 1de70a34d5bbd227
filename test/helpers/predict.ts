/** The predict API (v1 and v2) on the tiny ONNX model, in-process, for API tests. */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Registry } from "prom-client";
import type { Test } from "tap";
import { createPredictApp, createServingMetrics, startModelPoolTree } from "../../actors/inference/mod.ts";
import type { ModelDescription } from "../../protocols/mod.ts";
import { type ActorSystem, silentLogger, startSystem } from "../../system/mod.ts";
import { serveHttp } from "../../system/platform.ts";
import { TINY_INPUT, writeTinyModel } from "./tiny_model.ts";

/** A started API. */
export interface PredictServer {
  sys: ActorSystem;
  app: ReturnType<typeof createPredictApp>;
  /** `host:port` of the served app. */
  hostPort: string;
  registry: Registry;
  /** What `GET /v1/models` answers. */
  model: ModelDescription;
}

/** Serves the tiny model (classes cat, dog, eel) with `queue` images of queue and `workers` workers. */
export async function servePredict(
  t: Test,
  over: { queue?: number; workers?: number; engineModule?: string; maxBodyBytes?: number } = {},
): Promise<PredictServer> {
  const dir = mkdtempSync(join(tmpdir(), "troupe-predict-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const modelPath = join(dir, "tiny.onnx");
  writeTinyModel(modelPath);
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown());
  const registry = new Registry();
  const metrics = createServingMetrics(registry, { model: "tiny" });
  const queue = over.queue ?? 64;
  const labels = ["cat", "dog", "eel"];
  const tree = await startModelPoolTree(sys.root, {
    modelPath,
    modelName: "tiny",
    input: TINY_INPUT,
    workers: over.workers ?? 1,
    intraOpThreads: 1,
    maxBatch: 8,
    maxDelayMs: 5,
    batchTimeoutMs: 5_000,
    queue,
    topK: 2,
    labels,
    outputs: "logits",
    observer: metrics,
    ...(over.engineModule ? { engineModule: over.engineModule } : {}),
  });
  const model: ModelDescription = {
    name: "tiny",
    engine: "onnx",
    untrained: false,
    path: modelPath,
    input: { ...TINY_INPUT },
    classes: 3,
    outputs: "logits",
    labels: "test",
    topK: 2,
    pool: { workers: over.workers ?? 1, intraOpThreads: 1, maxBatch: 8, maxDelayMs: 5, queue },
    limits: { maxBodyBytes: over.maxBodyBytes ?? 65_536, maxSide: 64, timeoutMs: 10_000 },
  };
  const app = createPredictApp({ pool: tree.pool, model, info: tree.info, labels, metrics });
  const server = await serveHttp(app.fetch, { host: "127.0.0.1", port: 0 });
  t.teardown(() => server.close());
  return { sys, app, hostPort: `127.0.0.1:${server.port}`, registry, model };
}
