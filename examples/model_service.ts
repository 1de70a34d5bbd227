/**
 * A Hono service of its own that embeds troupe's model pool: the pool runs under
 * the service's own supervisor with its own model and worker count, and the
 * service mounts troupe's predict API (v1 and the Open Inference Protocol) and ops
 * routes beside its own routes, with the pool's serving metrics in its /ops/metrics.
 *
 * Run: node --import tsx examples/model_service.ts [model.onnx]   (or deno run -A examples/model_service.ts)
 * Without a model it serves the generated, untrained ResNet50 (see README), kept in troupe's cache. PORT (8090) and
 * MODEL_INPUT_SIZE (224) in the environment; Ctrl-C or SIGTERM stops it with exit 0.
 */
import process from "node:process";
import { pathToFileURL } from "node:url";
import { Hono } from "hono";
import { Registry } from "prom-client";
import {
  createPredictApp,
  createServingMetrics,
  ensureResNet50,
  IMAGENET_INPUT,
  type InputSpec,
  startModelPoolTree,
  SYNTHETIC_RESNET50,
} from "../actors/inference/mod.ts";
import { createOpsApp } from "../ops/mod.ts";
import { type ActorSystem, createLogger, type Logger, startSystem, supervise } from "../system/mod.ts";
import { type HttpServer, serveHttp } from "../system/platform.ts";

/** Options of {@link createModelService}. */
export interface ModelServiceOptions {
  /** An ONNX image classifier. */
  modelPath: string;
  modelName: string;
  /** How images become the model's input. */
  input: InputSpec;
  /** Class names; missing ones are `class_<index>`. @default [] */
  labels?: string[];
  /** Model worker threads. @default 1 */
  workers?: number;
  /** @default a JSON-lines logger on standard error */
  logger?: Logger;
}

/** The service: its own routes, `/v1/predict`, `/v1/models`, the `/v2` routes, and troupe's ops routes under `/ops`. */
export async function createModelService(options: ModelServiceOptions): Promise<{ app: Hono; system: ActorSystem }> {
  const system = startSystem({ name: "classifier", logger: options.logger ?? createLogger() });
  const vision = await supervise(system.root, {
    name: "vision",
    strategy: "one_for_one",
    intensity: 3,
    periodMs: 60_000,
  });
  const workers = options.workers ?? 1;
  const pool = { workers, intraOpThreads: 1, maxBatch: 4, maxDelayMs: 5, queue: 16 };
  const registry = new Registry();
  const metrics = createServingMetrics(registry, { model: options.modelName });
  const tree = await startModelPoolTree(vision, {
    ...pool,
    observer: metrics,
    modelPath: options.modelPath,
    modelName: options.modelName,
    input: options.input,
    batchTimeoutMs: 10_000,
    topK: 3,
    labels: options.labels ?? [],
    outputs: "logits",
  });
  const limits = { maxBodyBytes: 1_048_576, maxSide: 1024, timeoutMs: 10_000 };
  const predict = createPredictApp({
    pool: tree.pool,
    model: {
      name: options.modelName,
      engine: "onnx",
      untrained: options.modelName === SYNTHETIC_RESNET50,
      path: options.modelPath,
      input: { ...options.input },
      classes: tree.info.output.classes,
      outputs: "logits",
      labels: options.labels?.length ? "service labels" : "class_<index>",
      topK: 3,
      pool,
      limits,
    },
    info: tree.info,
    labels: options.labels ?? [],
    metrics,
  });
  const app = new Hono();
  app.get(
    "/",
    (c) =>
      c.json({
        service: "classifier",
        try: ["POST /v1/predict", "GET /v1/models", "POST /v2/models/{name}/infer", "GET /ops/actors"],
      }),
  );
  app.route("/", predict);
  app.route("/ops", createOpsApp(system, { nodeId: "classifier", metrics: () => registry.metrics() }));
  return { app, system };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const given = process.argv[2];
  // The generated model goes to troupe's cache, not this directory.
  const modelPath = given ?? (await ensureResNet50()).path;
  // A model of another input size: MODEL_INPUT_SIZE (square), ImageNet's normalisation otherwise.
  const side = Number(process.env["MODEL_INPUT_SIZE"] ?? IMAGENET_INPUT.width);
  let service: Awaited<ReturnType<typeof createModelService>>;
  try {
    service = await createModelService({
      modelPath,
      modelName: given ? "model" : SYNTHETIC_RESNET50,
      input: { ...IMAGENET_INPUT, width: side, height: side },
    });
  } catch (err) {
    console.error(`model_service: ${(err as Error).message}`);
    process.exit(1);
  }
  const { app, system } = service;
  // Ctrl-C or SIGTERM: no new requests, the pool drains and stops, exit 0. Listened for before the service says it
  // listens: a signal that comes before a listener ends the process at once (exit by signal, not 0).
  let server: HttpServer | null = null;
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    system.log.info("stopping", { signal });
    await server?.close();
    await system.shutdown({ deadlineMs: 10_000 });
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
  server = await serveHttp(app.fetch, { host: "127.0.0.1", port: Number(process.env["PORT"] ?? 8090) });
  system.log.info("classifier service listening", { url: `http://127.0.0.1:${server.port}` });
}
