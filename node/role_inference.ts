/**
 * The `inference` role: the model (MODEL_PATH, or the generated untrained
 * ResNet50), a pool of model workers, the predict API, and the Kafka loop
 * (images -> pool -> inferences).
 */
import { type HopReporter, noHops } from "../protocols/mod.ts";
import { readFile } from "node:fs/promises";
import type { Registry } from "prom-client";
import { basename, dirname } from "node:path";
import process from "node:process";
import {
  type InferenceConsumerStats,
  newInferenceConsumerStats,
  startInferenceConsumer,
} from "../actors/inference_kafka/mod.ts";
import type { PoolStats } from "../actors/inference/mod.ts";
import { createPredictApp, type PredictStats } from "../actors/inference/mod.ts";
import {
  createServingMetrics,
  ENGINE_MODULES,
  ensureResNet50,
  ensureResNet50SavedModel,
  SYNTHETIC_RESNET50,
} from "../actors/inference/mod.ts";
import type { ModelDescription } from "../protocols/predict.ts";
import { type ActorSystem, spawn, supervise } from "../system/mod.ts";
import { type HttpServer, serveHttp } from "../system/platform.ts";
import type { InferenceConfig, TroupeConfig } from "./config.ts";
import { startModelPoolTree } from "../actors/inference/mod.ts";
import { ensurePipelineTopics, groupInstanceIdOf, kafkaBrokersOf, kafkaConnectionOf } from "./_kafka.ts";
import { ensureInt8Model } from "./int8_model.ts";
import { modelHash } from "./model_hash.ts";

/** Live figures of an inference role. */
export interface InferenceFigures {
  model: ModelDescription;
  /** The first 16 hex digits of the served model's sha256 (node/model_hash.ts). */
  modelHash: string;
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
export async function startInferenceRole(
  system: ActorSystem,
  config: TroupeConfig,
  registry: Registry,
  hops: HopReporter = noHops,
): Promise<InferenceRole> {
  const inf = config.inference;
  if (inf.engine === "tfjs") {
    // libtensorflow logs to stderr, unstructured, unless told not to (the worker threads read the process's environment).
    process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
  }
  const fp32 = await resolveModel(system, inf);
  const { untrained } = fp32;
  let path = fp32.path;
  if (inf.precision === "int8") {
    const q = await ensureInt8Model(path, { config, log: system.log });
    system.log.info("serving the INT8 model", { path: q.path, from: path, cachedBefore: !q.generated, ...q.report });
    path = q.path;
  }
  const hash = await modelHash(path);
  const name = inf.modelName ??
    (inf.precision === "int8" ? `${baseName(fp32.path, untrained)}-int8` : baseName(path, untrained));
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
  const metrics = createServingMetrics(registry, { model: name });
  const tree = await startModelPoolTree(sup, {
    observer: metrics,
    modelPath: path,
    engineModule: inf.engineModule ?? ENGINE_MODULES[inf.engine],
    ...(inf.engine === "tfjs" ? { engineOptions: tfjsOptions(inf) } : {}),
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
    engine: inf.engineModule ? "custom" : inf.engine,
    precision: inf.precision,
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
  const app = createPredictApp({
    pool: tree.pool,
    model,
    stats: apiStats,
    info: tree.info,
    labels,
    metrics,
    ready: () => system.ready,
  });
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
  await startInferenceConsumer(
    sup,
    {
      hops,
      brokers: kafkaBrokersOf(config),
      connection: kafkaConnectionOf(config),
      ...groupInstanceIdOf(config, "inference"),
      groupId: inf.groupId,
      topics: config.topics,
      pool: tree.pool,
      chunk: Math.max(inf.pool.maxBatch * inf.pool.workers * 2, 8),
      maxMessageBytes: config.db.maxMessageBytes,
      timeoutMs: inf.api.timeoutMs,
      readiness: system.readiness,
      stats: consumerStats,
    },
  );
  return {
    figures: () => ({
      model,
      modelHash: hash,
      apiUrl,
      pool: { ...tree.stats },
      consumer: { ...consumerStats, deadLettered: { ...consumerStats.deadLettered } },
      api: { ...apiStats },
    }),
  };
}

/** MODEL_PATH, or the generated ResNet50 in the engine's format (ONNX file, or SavedModel translated from it). */
async function resolveModel(system: ActorSystem, inf: InferenceConfig): Promise<{ path: string; untrained: boolean }> {
  if (inf.modelPath !== null) return { path: inf.modelPath, untrained: false };
  const g = inf.engine === "tfjs"
    ? await ensureResNet50SavedModel(inf.modelDir, 1)
    : await ensureResNet50(inf.modelDir, 1);
  system.log.warn(
    "UNTRAINED MODEL: no MODEL_PATH was given, so the node serves a generated ResNet50 v1 with seeded random weights; its classes mean nothing (set MODEL_PATH to a trained classifier)",
    { engine: inf.engine, path: g.path, sha256: g.sha256, generatedNow: g.generated },
  );
  return { path: g.path, untrained: true };
}

/** The tfjs engine's options for its worker threads. */
function tfjsOptions(inf: InferenceConfig): Record<string, string> {
  const o: Record<string, string> = {};
  const { tags, signature, inputName, outputName } = inf.savedModel;
  if (tags) o.tags = tags;
  if (signature) o.signature = signature;
  if (inputName) o.input = inputName;
  if (outputName) o.output = outputName;
  if (inf.tfjsDir) o.tfjsDir = inf.tfjsDir;
  return o;
}

/** A model's default name: the generated one's, or the file's (a TF.js model.json: its folder's). */
function baseName(path: string, untrained: boolean): string {
  if (untrained) return SYNTHETIC_RESNET50;
  return basename(path).replace(/\.onnx$/i, "").replace(/^model\.json$/, basename(dirname(path)));
}
