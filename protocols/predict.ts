/**
 * The predict API's wire contract (HTTP, JSON).
 *
 * `POST /v1/predict` with an `image/png` body, or `application/json`
 * `{ "image": "<base64 PNG>" }` -> 200 {@link PredictResponse}. Errors are
 * `{ "error": { "code", "message" } }` with 400 (bad input), 413 (body too large),
 * 415 (content type), 429 (queue full; `Retry-After` in seconds), 503 (a worker
 * failed the image twice), 504 (no answer in time).
 *
 * `GET /v1/models` -> {@link ModelDescription}.
 */
import type { TopClass } from "./inference_envelope.ts";

/** A prediction. */
export interface PredictResponse {
  /** The model that answered. */
  model: string;
  /** True when the model's weights are the generated, untrained ones: the classes mean nothing. */
  untrained: boolean;
  /** The best classes, best first. */
  top: TopClass[];
  /** From the request's arrival in the pool to its result. */
  latencyMs: number;
}

/** What `GET /v1/models` says of the loaded model. */
export interface ModelDescription {
  /** The model's name. */
  name: string;
  /** The engine serving it: onnxruntime-node, tfjs-node, or a MODEL_ENGINE_MODULE. */
  engine: "onnx" | "tfjs" | "custom";
  /** fp32, or int8: a static INT8 quantization of the configured model (MODEL_PRECISION). */
  precision?: "fp32" | "int8";
  /** True when the weights are the generated, untrained ones: the classes mean nothing. */
  untrained: boolean;
  /** The model file. */
  path: string;
  /** What the model takes: side, layout and normalization (`(pixel * scale - mean) / std` per channel). */
  input: { width: number; height: number; layout: "NCHW" | "NHWC"; mean: number[]; std: number[]; scale: number };
  /** How many classes it tells apart. */
  classes: number;
  /** Whether its output is logits (troupe applies softmax) or probabilities. */
  outputs: "logits" | "probabilities";
  /** Where the class names come from: the labels file, or `class_<index>` when there is none. */
  labels: string;
  /** How many classes a prediction returns. */
  topK: number;
  /** The model pool: workers, threads per worker, batching and queue. */
  pool: { workers: number; intraOpThreads: number; maxBatch: number; maxDelayMs: number; queue: number };
  /** What a request may be: body size, image side, and how long it may take. */
  limits: { maxBodyBytes: number; maxSide: number; timeoutMs: number };
}

/** Error codes of the predict API. */
export type PredictErrorCode =
  | "bad_request"
  | "bad_base64"
  | "not_png"
  | "too_large"
  | "body_too_large"
  | "unsupported_media_type"
  | "overloaded"
  | "bad_image"
  | "worker_crashed"
  | "worker_hung"
  | "engine_error"
  | "timeout"
  | "internal";

/** An error response body. */
export interface PredictError {
  /** A code for programs and a message for people. */
  error: { code: PredictErrorCode; message: string };
}
