/**
 * The `inference` role: the model (MODEL_PATH, or the generated untrained
 * ResNet50), a pool of model workers, the predict API, and the Kafka loop
 * (images -> pool -> inferences).
 */
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import {
  inferenceConsumerSpec,
  type InferenceConsumerStats,
  newInferenceConsumerStats,
} from "../actors/inference_kafka/mod.ts";
import type { PoolStats } from "../actors/inference/mod.ts";
import { createPredictApp, type PredictStats } from "../actors/inference/mod.ts";
import { ensureResNet50, SYNTHETIC_RESNET50 } from "../actors/inference/mod.ts";
import type { ModelDescription } from "../protocols/predict.ts";
import { type ActorSystem, type HttpServer, serveHttp, spawn, startChild, supervise } from "../system/mod.ts";
import type { TroupeConfig } from "./config.ts";
import { startModelPoolTree } from "../actors/inference/mod.ts";
import { ensurePipelineTopics, kafkaBrokersOf } from "./_kafka.ts";

/** Live figures of an inference role. */
export interface InferenceFigures {
  model: ModelDescription;
  apiUrl: string;
  pool: PoolStats;
  consumer: InferenceConsumerStats;
  api: PredictStats;
}

/** A started inference role. */
export interface InferenceRole {
  figures(): InferenceFigures;
}

/** Starts the inference subtree; rejects if the model cannot be loaded or does not fit. */
export async function startInferenceRole(system: ActorSystem, config: TroupeConfig): Promise<InferenceRole> {
  const inf = config.inference;
  let path = inf.modelPath;
  if (path === null) {
    const g = await ensureResNet50(inf.modelDir, 1);
    system.log.warn(
      "UNTRAINED MODEL: no MODEL_PATH was given, so the node serves a generated ResNet50 v1 with seeded random weights; its classes mean nothing (set MODEL_PATH to a trained ONNX classifier)",
      {
        path: g.path,
        sha256: g.sha256,
        generatedNow: g.generated,
      },
    );
    path = g.path;
  }
  const untrained = inf.modelPath === null;
  const name = inf.modelName ?? (untrained ? SYNTHETIC_RESNET50 : basename(path).replace(/\.onnx$/i, ""));
  const labels = inf.labelsPath
    ? (await readFile(inf.labelsPath, "utf8")).split(/\r?\n/).map((l) => l.trim()).filter(Boolean)
    : [];
  const sup = await supervise(system.root, {
    name: "inference",
    strategy: "one_for_one",
    intensity: 5,
    periodMs: 60_000,
    backoff: { minMs: 250, maxMs: 10_000, jitter: 0.2 },
  });
  const tree = await startModelPoolTree(sup, {
    modelPath: path,
    ...(inf.engineModule ? { engineModule: inf.engineModule } : {}),
    modelName: name,
    input: inf.input,
    maxSide: inf.api.maxSide,
    workers: inf.pool.workers,
    intraOpThreads: inf.pool.intraOpThreads,
    spin: inf.pool.spin,
    maxBatch: inf.pool.maxBatch,
    maxDelayMs: inf.pool.maxDelayMs,
    batchTimeoutMs: inf.pool.batchTimeoutMs,
    queue: inf.pool.queue,
    topK: inf.topK,
    labels,
    outputs: inf.outputs,
  });
  if (inf.labelsPath && labels.length !== tree.info.output.classes) {
    system.log.warn("LABELS_PATH has a different number of names than the model has classes", {
      labels: labels.length,
      classes: tree.info.output.classes,
    });
  }
  const model: ModelDescription = {
    name,
    untrained,
    path,
    input: { ...inf.input },
    classes: tree.info.output.classes,
    outputs: inf.outputs,
    labels: inf.labelsPath ?? "class_<index>",
    topK: inf.topK,
    pool: {
      workers: inf.pool.workers,
      intraOpThreads: inf.pool.intraOpThreads,
      maxBatch: inf.pool.maxBatch,
      maxDelayMs: inf.pool.maxDelayMs,
      queue: inf.pool.queue,
    },
    limits: { maxBodyBytes: inf.api.maxBodyBytes, maxSide: inf.api.maxSide, timeoutMs: inf.api.timeoutMs },
  };
  const apiStats: PredictStats = {};
  const app = createPredictApp({ pool: tree.pool, model, stats: apiStats });
  let apiUrl = "";
  await spawn(sup, {
    async init() {
      const server = await serveHttp(app.fetch, { host: inf.api.host, port: inf.api.port });
      apiUrl = `http://${server.host.includes(":") ? `[${server.host}]` : server.host}:${server.port}`;
      system.log.info("predict API listening", { url: `${apiUrl}/v1/predict`, model: name, untrained });
      return server;
    },
    receive: (server: HttpServer) => server,
    stop: (server: HttpServer) => server.close(),
    describe: () => ({ url: apiUrl, ...apiStats }),
  }, { name: "api", capacity: 1 });
  await ensurePipelineTopics(config, system.log);
  const consumerStats = newInferenceConsumerStats();
  await startChild(
    sup,
    inferenceConsumerSpec({
      brokers: kafkaBrokersOf(config),
      groupId: inf.groupId,
      topics: config.topics,
      pool: tree.pool,
      chunk: Math.max(inf.pool.maxBatch * inf.pool.workers * 2, 8),
      maxMessageBytes: config.db.maxMessageBytes,
      timeoutMs: inf.api.timeoutMs,
      readiness: system.readiness,
      stats: consumerStats,
    }),
  );
  return {
    figures: () => ({
      model,
      apiUrl,
      pool: { ...tree.stats },
      consumer: { ...consumerStats, deadLettered: { ...consumerStats.deadLettered } },
      api: { ...apiStats },
    }),
  };
}
