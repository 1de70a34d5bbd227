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
  model: string;
  /** True when the model's weights are the generated, untrained ones: the classes mean nothing. */
  untrained: boolean;
  top: TopClass[];
  /** From the request's arrival in the pool to its result. */
  latencyMs: number;
}

/** What `GET /v1/models` says of the loaded model. */
export interface ModelDescription {
  name: string;
  /** The engine serving it: onnxruntime-node, tfjs-node, or a MODEL_ENGINE_MODULE. */
  engine: "onnx" | "tfjs" | "custom";
  /** fp32, or int8: a static INT8 quantization of the configured model (MODEL_PRECISION). */
  precision?: "fp32" | "int8";
  untrained: boolean;
  /** The model file. */
  path: string;
  input: { width: number; height: number; layout: "NCHW" | "NHWC"; mean: number[]; std: number[]; scale: number };
  classes: number;
  outputs: "logits" | "probabilities";
  labels: string;
  topK: number;
  pool: { workers: number; intraOpThreads: number; maxBatch: number; maxDelayMs: number; queue: number };
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
  error: { code: PredictErrorCode; message: string };
}
