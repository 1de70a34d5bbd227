/**
 * Image classification: a supervised pool of model worker threads (each with its
 * own onnxruntime session) behind a dynamic-batching pool actor, the predict API
 * as a Hono app, preprocessing, and the generated ResNet50. Loads no Kafka client.
 * @module
 */
export { type ModelPoolTree, type ModelPoolTreeOptions, startModelPoolTree } from "./pool_tree.ts";
export {
  modelPool,
  type ModelPoolMsg,
  type ModelPoolOptions,
  modelPoolSpec,
  newPoolStats,
  type PoolFailure,
  type PoolReply,
  type PoolStats,
} from "./model_pool.ts";
export {
  modelWorker,
  type ModelWorkerMsg,
  type ModelWorkerOptions,
  modelWorkerSpec,
  WorkerLost,
  type WorkerReply,
} from "./model_worker.ts";
export { createPredictApp, type PredictAppOptions, type PredictStats } from "./predict_app.ts";
export { type InferenceEngine, type ModelInfo, ModelMismatch } from "./engine.ts";
export { ImageError, IMAGENET_INPUT, type InputSpec, pngSize, preprocessPng, softmax, topK } from "./preprocess.ts";
export { buildResNet50, ensureResNet50, type GeneratedModel, SYNTHETIC_RESNET50 } from "./resnet50.ts";
export type { WorkerSpec } from "./worker_protocol.ts";
