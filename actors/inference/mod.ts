/**
 * Image classification: a supervised pool of model worker threads (each with its
 * own onnxruntime-node or tfjs-node session) behind a dynamic-batching pool actor,
 * {@link infer} to ask it, the predict API (v1) and the Open Inference Protocol
 * (v2) as Hono apps, serving metrics, preprocessing, the generated ResNet50, and
 * the inference sink that turns images with tokens into result records. Loads no
 * Kafka client.
 *
 * Stable unless marked `@experimental` (INT8 quantization and the tfjs-node engine).
 * @module
 */
import { moduleBeside } from "../../system/platform.ts";
export { type ModelPoolTree, type ModelPoolTreeOptions, startModelPoolTree } from "./pool_tree.ts";
export { infer, type InferOptions } from "./infer.ts";
export {
  modelPool,
  type ModelPoolMsg,
  type ModelPoolOptions,
  modelPoolSpec,
  newPoolStats,
  type PoolFailure,
  type PoolObserver,
  type PoolReply,
  type PoolStats,
} from "./model_pool.ts";
export { type ModelWorkerMsg, WorkerLost, type WorkerReply } from "./model_worker.ts";
export { createPredictApp, type PredictAppOptions, type PredictStats } from "./predict_app.ts";
export { createOipApp, type OipAppOptions } from "./oip_app.ts";
export {
  type FidelityReport,
  QuantizationRefused,
  type Quantized,
  quantizeOnnx,
  type QuantizeOptions,
} from "./int8.ts";
export { inputDims } from "./worker_protocol.ts";
export {
  createServingMetrics,
  type RequestFailure,
  type ServingMetrics,
  type ServingMetricsOptions,
} from "./serving_metrics.ts";
export { type InferenceEngine, type ModelInfo, ModelMismatch } from "./engine.ts";
export {
  ImageError,
  IMAGENET_INPUT,
  type ImageProblem,
  type InputSpec,
  type PreprocessOptions,
  preprocessPng,
} from "./preprocess.ts";
export {
  defaultModelDir,
  ensureResNet50,
  ensureResNet50SavedModel,
  type GeneratedModel,
  SYNTHETIC_RESNET50,
} from "./resnet50.ts";
export { loadTfjsEngine, type TfjsEngineOptions } from "./tfjs_engine.ts";
export { defaultTfjsDir, TFJS_NODE_VERSION, TfjsMissing } from "./tfjs_module.ts";

/** The engine modules a worker thread can load (`WorkerSpec.engineModule`). */
export const ENGINE_MODULES: { readonly onnx: string; readonly tfjs: string } = {
  onnx: moduleBeside(import.meta.url, "./onnx_worker_engine").href,
  tfjs: moduleBeside(import.meta.url, "./tfjs_worker_engine").href,
} as const;
export type { WorkerSpec } from "./worker_protocol.ts";
export { type ImageItem, inferSink, type InferSinkMsg, type InferSinkOptions } from "./infer_sink.ts";
