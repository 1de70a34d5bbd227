/**
 * The inference part of the node configuration: the model, the worker pool, the
 * predict API and the inference consumer. Parsed by `loadConfig`.
 */
import { availableParallelism } from "node:os";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { z } from "zod";

/** The `inference` role. */
export interface InferenceConfig {
  /** The classifier (`MODEL_PATH`): ONNX file, SavedModel dir or model.json; null: the generated, untrained ResNet50. */
  readonly modelPath: string | null;
  /** Where the generated model is cached (`MODEL_DIR`). */
  readonly modelDir: string;
  /** Name in responses and rows; default: the file name, or resnet50-v1-untrained. */
  readonly modelName: string | null;
  /** Class names, one per line (`LABELS_PATH`); missing: class_<index>. */
  readonly labelsPath: string | null;
  readonly input: {
    width: number;
    height: number;
    layout: "NCHW" | "NHWC";
    mean: [number, number, number];
    std: [number, number, number];
    scale: number;
  };
  readonly outputs: "logits" | "probabilities";
  /** The inference engine (`MODEL_ENGINE`): onnxruntime-node or tfjs-node. */
  readonly engine: "onnx" | "tfjs";
  /** `MODEL_PRECISION`: fp32 serves the model as it is; int8 a static INT8 quantization of it (onnx engine). */
  readonly precision: "fp32" | "int8";
  /** How the INT8 model is made and when it is refused. */
  readonly int8: {
    calibrationImages: number;
    evaluationImages: number;
    minCosine: number;
    minTop1: number;
    /** 7-bit weights; auto: unless the CPU has VNNI. */
    reduceRange: "auto" | "true" | "false";
  };
  /** tfjs engine: where `npm run setup:tfjs` installed tfjs-node (`TFJS_DIR`); null: troupe's cache (`engines/tfjs-node-<version>`), then the project. */
  readonly tfjsDir: string | null;
  /** tfjs engine, SavedModels: meta graph tags, signature, input and output keys; null: discovered. */
  readonly savedModel: {
    tags: string | null;
    signature: string | null;
    inputName: string | null;
    outputName: string | null;
  };
  /**
   * The module each model worker loads its engine from (`MODEL_ENGINE_MODULE`, a
   * file path or URL exporting `load(spec)`); null: onnxruntime-node.
   */
  readonly engineModule: string | null;
  readonly topK: number;
  readonly pool: {
    workers: number;
    intraOpThreads: number;
    spin: boolean;
    maxBatch: number;
    maxDelayMs: number;
    queue: number;
    batchTimeoutMs: number;
  };
  readonly api: { host: string; port: number; maxBodyBytes: number; maxSide: number; timeoutMs: number };
  readonly groupId: string;
}

/** Variables of this section (shown by `--help`). */
export const INFERENCE_VARIABLES: Record<string, string> = {
  MODEL_ENGINE: "onnx (onnxruntime-node) or tfjs (tfjs-node; run npm run setup:tfjs first) (default onnx)",
  MODEL_PATH:
    "classifier to serve: an ONNX file (onnx), a SavedModel directory or TF.js model.json (tfjs) (default: a generated ResNet50 with UNTRAINED weights)",
  MODEL_PRECISION:
    "fp32, or int8: serve a static INT8 quantization of the model, made once and cached in MODEL_DIR (onnx engine) (default fp32)",
  INT8_CALIBRATION_IMAGES: "images of the dataset the INT8 activation ranges are calibrated on (default 64)",
  INT8_EVALUATION_IMAGES: "other images the INT8 model is compared to the fp32 one on (default 128)",
  INT8_MIN_COSINE: "refuse an INT8 model whose mean output cosine similarity is below this (default 0.99)",
  INT8_MIN_TOP1: "refuse an INT8 model whose top-1 agreement with fp32 is below this (default 0.8)",
  INT8_REDUCE_RANGE: "7-bit INT8 weights: auto (unless the CPU has VNNI), true or false (default auto)",
  MODEL_TAGS: "tfjs, SavedModel: meta graph tags, comma-separated (default: the only one, or serve)",
  MODEL_SIGNATURE: "tfjs, SavedModel: signature (default: the only one, or serving_default)",
  MODEL_INPUT_NAME: "tfjs, SavedModel: the signature's input key (default: its only input)",
  MODEL_OUTPUT_NAME: "tfjs, SavedModel: the signature's output key (default: its only output)",
  TFJS_DIR: "tfjs: where npm run setup:tfjs installed tfjs-node (default <cache>/engines/tfjs-node-4.22.0)",
  MODEL_DIR: "where the generated model and its conversions are cached (default <cache>/models)",
  MODEL_NAME: "model name in responses and rows (default: the file name, or resnet50-v1-untrained)",
  LABELS_PATH: "class names, one per line (default class_<index>)",
  MODEL_INPUT_SIZE: "model input size, N or WxH (default 224)",
  MODEL_LAYOUT: "NCHW or NHWC (default NCHW)",
  MODEL_MEAN: "per-channel mean after scaling, r,g,b (default 0.485,0.456,0.406)",
  MODEL_STD: "per-channel std, r,g,b (default 0.229,0.224,0.225)",
  MODEL_SCALE: "multiplies 0..255 pixel values first (default 1/255)",
  MODEL_OUTPUTS: "logits (softmax applied) or probabilities (default logits)",
  MODEL_ENGINE_MODULE: "module each model worker loads its engine from, exporting load(spec) (default: MODEL_ENGINE's)",
  TOP_K: "classes in each result (default 5)",
  POOL_WORKERS: "model worker threads (default: half the cores, at least 1)",
  POOL_INTRA_THREADS: "threads per worker session (default: cores / workers); workers x threads <= cores",
  POOL_SPIN:
    "true: idle session threads spin (faster alone, contends with other work); false: they sleep (default false)",
  POOL_MAX_BATCH: "largest batch (default 8)",
  POOL_MAX_DELAY_MS: "longest wait for a batch to fill (default 10)",
  POOL_QUEUE: "images waiting for a worker; beyond it the API answers 429 (default 64)",
  POOL_BATCH_TIMEOUT_MS: "a batch taking longer is a hung worker (default 30000)",
  API_HOST: "address of the predict API (default 127.0.0.1)",
  API_PORT: "port of the predict API (default 8080; 0 picks a free one)",
  API_MAX_BODY_BYTES: "largest request body (default 5242880)",
  API_MAX_SIDE: "largest image width or height (default 4096)",
  API_TIMEOUT_MS: "longest wait for a prediction (default 30000)",
  INFERENCE_GROUP_ID: "Kafka consumer group of the inference role (default troupe-inference)",
};

type Getter = <T>(name: string, fallback: T, schema: z.ZodType<T>, allowed: string) => T;

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const triple = z.string().regex(/^\s*-?[\d.]+\s*,\s*-?[\d.]+\s*,\s*-?[\d.]+\s*$/).transform((s) =>
  s.split(",").map(Number) as [number, number, number]
);
const size = z.string().regex(/^\d{1,4}(x\d{1,4})?$/).transform((s) => {
  const [w, h] = s.split("x").map(Number);
  return { width: w as number, height: (h ?? w) as number };
});
const scale = z.string().regex(/^(1\/\d+|[\d.]+)$/).transform((
  s,
) => (s.startsWith("1/") ? 1 / Number(s.slice(2)) : Number(s)));

/** Reads the inference section; `problems` collects cross-field errors. */
export function readInferenceConfig(get: Getter, problems: string[], cacheDir: string): InferenceConfig {
  const cores = availableParallelism();
  const workers = get("POOL_WORKERS", Math.max(1, Math.floor(cores / 2)), int(1, 256), "a whole number from 1 to 256");
  const intraOpThreads = get(
    "POOL_INTRA_THREADS",
    Math.max(1, Math.floor(cores / workers)),
    int(1, 256),
    "a whole number from 1 to 256",
  );
  if (workers * intraOpThreads > cores) {
    problems.push(
      `POOL_WORKERS x POOL_INTRA_THREADS must not exceed the ${cores} cores of this machine: got ${workers} x ${intraOpThreads}`,
    );
  }
  const engine = get("MODEL_ENGINE", "onnx" as const, z.enum(["onnx", "tfjs"]), "onnx or tfjs");
  const precision = get("MODEL_PRECISION", "fp32" as const, z.enum(["fp32", "int8"]), "fp32 or int8");
  if (precision === "int8" && engine !== "onnx") {
    problems.push("MODEL_PRECISION=int8 quantizes an ONNX model: it needs MODEL_ENGINE=onnx");
  }
  const { width, height } = get(
    "MODEL_INPUT_SIZE",
    { width: 224, height: 224 },
    size as unknown as z.ZodType<{ width: number; height: number }>,
    "a size such as 224 or 299x299",
  );
  return {
    engine,
    precision,
    int8: {
      calibrationImages: get("INT8_CALIBRATION_IMAGES", 64, int(1, 100_000), "a whole number from 1 to 100000"),
      evaluationImages: get("INT8_EVALUATION_IMAGES", 128, int(1, 100_000), "a whole number from 1 to 100000"),
      minCosine: get("INT8_MIN_COSINE", 0.99, z.coerce.number().min(-1).max(1), "a number from -1 to 1"),
      minTop1: get("INT8_MIN_TOP1", 0.8, z.coerce.number().min(0).max(1), "a number from 0 to 1"),
      reduceRange: get("INT8_REDUCE_RANGE", "auto" as const, z.enum(["auto", "true", "false"]), "auto, true or false"),
    },
    tfjsDir: get("TFJS_DIR", null, z.string().min(1), "a directory path"),
    savedModel: {
      tags: get("MODEL_TAGS", null, z.string().regex(/^[A-Za-z0-9_.,-]{1,256}$/), "tags such as serve or serve,gpu"),
      signature: get("MODEL_SIGNATURE", null, z.string().min(1).max(256), "a signature name"),
      inputName: get("MODEL_INPUT_NAME", null, z.string().min(1).max(256), "an input key"),
      outputName: get("MODEL_OUTPUT_NAME", null, z.string().min(1).max(256), "an output key"),
    },
    modelPath: get("MODEL_PATH", null, z.string().min(1), "a file or directory path"),
    modelDir: get("MODEL_DIR", join(cacheDir, "models"), z.string().min(1), "a directory path"),
    modelName: get(
      "MODEL_NAME",
      null,
      z.string().regex(/^[A-Za-z0-9._:-]{1,128}$/),
      "1 to 128 letters, digits, '.', '_', ':' or '-'",
    ),
    labelsPath: get("LABELS_PATH", null, z.string().min(1), "a file path"),
    input: {
      width,
      height,
      layout: get("MODEL_LAYOUT", "NCHW" as const, z.enum(["NCHW", "NHWC"]), "NCHW or NHWC"),
      mean: get(
        "MODEL_MEAN",
        [0.485, 0.456, 0.406] as [number, number, number],
        triple as unknown as z.ZodType<[number, number, number]>,
        "three numbers r,g,b",
      ),
      std: get(
        "MODEL_STD",
        [0.229, 0.224, 0.225] as [number, number, number],
        triple as unknown as z.ZodType<[number, number, number]>,
        "three numbers r,g,b",
      ),
      scale: get("MODEL_SCALE", 1 / 255, scale as unknown as z.ZodType<number>, "a number such as 1/255 or 1"),
    },
    outputs: get("MODEL_OUTPUTS", "logits" as const, z.enum(["logits", "probabilities"]), "logits or probabilities"),
    engineModule: engineModuleUrl(get("MODEL_ENGINE_MODULE", null, z.string().min(1), "a file path or URL")),
    topK: get("TOP_K", 5, int(1, 100), "a whole number from 1 to 100"),
    pool: {
      workers,
      intraOpThreads,
      spin: get(
        "POOL_SPIN",
        false,
        z.enum(["true", "false"]).transform((v) => v === "true") as unknown as z.ZodType<boolean>,
        "true or false",
      ),
      maxBatch: get("POOL_MAX_BATCH", 8, int(1, 256), "a whole number from 1 to 256"),
      maxDelayMs: get("POOL_MAX_DELAY_MS", 10, int(0, 10_000), "a whole number of milliseconds from 0 to 10000"),
      queue: get("POOL_QUEUE", 64, int(1, 100_000), "a whole number from 1 to 100000"),
      batchTimeoutMs: get(
        "POOL_BATCH_TIMEOUT_MS",
        30_000,
        int(100, 600_000),
        "a whole number of milliseconds from 100 to 600000",
      ),
    },
    api: {
      host: get("API_HOST", "127.0.0.1", z.string().regex(/^[A-Za-z0-9.:\-[\]]+$/), "a host name or IP address"),
      port: get("API_PORT", 8080, int(0, 65535), "a port number from 0 to 65535"),
      maxBodyBytes: get(
        "API_MAX_BODY_BYTES",
        5 * 1_048_576,
        int(1024, 1_073_741_824),
        "a number of bytes from 1024 to 1073741824",
      ),
      maxSide: get("API_MAX_SIDE", 4096, int(1, 65535), "a whole number of pixels from 1 to 65535"),
      timeoutMs: get("API_TIMEOUT_MS", 30_000, int(100, 600_000), "a whole number of milliseconds from 100 to 600000"),
    },
    groupId: get(
      "INFERENCE_GROUP_ID",
      "troupe-inference",
      z.string().regex(/^[A-Za-z0-9._-]{1,249}$/),
      "1 to 249 letters, digits, '.', '_' or '-'",
    ),
  };
}

/** A file path (relative to the working directory) or URL as the URL a worker thread imports. */
function engineModuleUrl(value: string | null): string | null {
  if (value === null) return null;
  return /^[a-z][a-z0-9+.-]*:/i.test(value) ? value : pathToFileURL(resolve(value)).href;
}
