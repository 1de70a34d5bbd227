/**
 * The Open Inference Protocol (KServe v2 / Triton HTTP) routes of the predict API:
 * health, server and model metadata, model readiness and inference, with the
 * classification and binary tensor data extensions. An inference request has one
 * input: an FP32 tensor of the model's input shape [N, ...dims] (preprocessed by
 * the client), or a BYTES tensor of N PNG images (base64 strings in JSON, raw
 * bytes in binary) that troupe decodes and preprocesses. Every image goes to the
 * same pool as /v1/predict and the Kafka loop, with the same limits: a full queue
 * answers 429 with Retry-After.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ModelInfo } from "./engine.ts";
import type { ModelPoolMsg, PoolReply } from "./model_pool.ts";
import { ImageError, pngSize } from "./preprocess.ts";
import type { ServingMetrics } from "./serving_metrics.ts";
import { tracedBy, TRACEPARENT_HEADER } from "../../protocols/mod.ts";
import { decodeStrictBase64 } from "../../protocols/base64.ts";
import type {
  OipError,
  OipInferResponse,
  OipModelMetadata,
  OipResponseOutput,
  OipServerMetadata,
} from "../../protocols/mod.ts";
import {
  classify,
  encodeBinaryOutput,
  flattenData,
  INFERENCE_HEADER,
  OipBadRequest,
  parseInferBody,
  readFloats,
  splitBytesElements,
} from "../../protocols/open_inference.ts";
import type { ModelDescription } from "../../protocols/predict.ts";
import { type ActorRef, AskTimeout, tryAsk } from "../../system/mod.ts";

/** Options of {@link createOipApp}. */
export interface OipAppOptions {
  /** The model pool that serves the requests. */
  pool: ActorRef<ModelPoolMsg>;
  /** What the model description routes say of the model. */
  model: ModelDescription;
  /** What the workers loaded: input and output names and dims. */
  info: ModelInfo;
  /** Class names for the classification extension; missing: index only. */
  labels: readonly string[];
  /** Where requests are counted and timed (Prometheus). */
  metrics?: ServingMetrics;
  /** Seconds a client is told to wait after a 429. @default 1 */
  retryAfterS?: number;
  /** Server readiness. @default always */
  ready?: () => boolean;
  /** Counters by outcome (shared with /v1). */
  stats?: Record<string, number>;
  /** Reported by `GET /v2`. @default "0.1.0" */
  version?: string;
}

const VERSION = "1";

type Status = 400 | 404 | 413 | 429 | 500 | 503 | 504;
class OipFailure extends Error {
  constructor(readonly status: Status, message: string, readonly code: string) {
    super(message);
  }
}

function platformOf(model: ModelDescription): string {
  if (model.engine === "onnx") return "onnxruntime_onnx";
  if (model.engine === "tfjs") return model.path.endsWith(".json") ? "tensorflowjs" : "tensorflow_savedmodel";
  return "custom";
}

/** The v2 routes (mount at the predict API's root). */
export function createOipApp(options: OipAppOptions): Hono {
  const { model, info } = options;
  const stats = options.stats ?? {};
  const perImage = info.input.dims.reduce((a, b) => a * b, 1);
  const maxImages = model.pool.queue;
  const app = new Hono();
  const count = (code: string) => (stats[`v2_${code}`] = (stats[`v2_${code}`] ?? 0) + 1);
  const error = (c: Context, status: Status, message: string, code: string) => {
    count(code);
    const body: OipError = { error: message };
    return c.json(body, status);
  };
  const known = (c: Context) => {
    const name = c.req.param("name");
    const version = c.req.param("version");
    if (name !== model.name) return `unknown model '${name}': this server serves '${model.name}'`;
    if (version !== undefined && version !== VERSION) {
      return `unknown version '${version}' of model '${name}': it has version ${VERSION}`;
    }
    return null;
  };
  const metadata: OipModelMetadata = {
    name: model.name,
    versions: [VERSION],
    platform: platformOf(model),
    inputs: [{ name: info.input.name, datatype: "FP32", shape: [-1, ...info.input.dims] }],
    outputs: [{ name: info.output.name, datatype: "FP32", shape: [-1, info.output.classes] }],
  };

  app.get("/v2/health/live", (c) => c.json({ live: true }));
  app.get("/v2/health/ready", (c) => {
    const ready = options.ready?.() ?? true;
    return c.json({ ready }, ready ? 200 : 503);
  });
  app.get("/v2", (c) => {
    const body: OipServerMetadata = {
      name: "troupe",
      version: options.version ?? "0.1.0",
      extensions: ["classification", "binary_tensor_data", "model_configuration"],
    };
    return c.json(body);
  });
  for (const base of ["/v2/models/:name", "/v2/models/:name/versions/:version"]) {
    app.get(base, (c) => {
      const bad = known(c);
      return bad ? error(c, 404, bad, "unknown_model") : c.json(metadata);
    });
    app.get(`${base}/ready`, (c) => {
      const bad = known(c);
      return bad ? error(c, 404, bad, "unknown_model") : c.json({ name: model.name, ready: true });
    });
    // Triton's model configuration (tritonclient's get_model_config): what a client needs to batch.
    app.get(`${base}/config`, (c) => {
      const bad = known(c);
      if (bad) return error(c, 404, bad, "unknown_model");
      return c.json({
        name: model.name,
        platform: metadata.platform,
        max_batch_size: Math.min(info.maxBatch ?? model.pool.maxBatch, model.pool.maxBatch),
        input: [{ name: info.input.name, data_type: "TYPE_FP32", dims: info.input.dims }],
        output: [{ name: info.output.name, data_type: "TYPE_FP32", dims: [info.output.classes] }],
        dynamic_batching: { max_queue_delay_microseconds: model.pool.maxDelayMs * 1000 },
      });
    });
    app.post(
      `${base}/infer`,
      bodyLimit({
        maxSize: model.limits.maxBodyBytes,
        onError: (c) => error(c, 413, `the body is larger than ${model.limits.maxBodyBytes} bytes`, "body_too_large"),
      }),
      async (c) => {
        const bad = known(c);
        if (bad) return error(c, 404, bad, "unknown_model");
        try {
          return await infer(c);
        } catch (err) {
          if (err instanceof OipBadRequest) return error(c, 400, err.message, "bad_request");
          if (err instanceof OipFailure) {
            if (err.status === 429) c.header("Retry-After", String(options.retryAfterS ?? 1));
            return error(c, err.status, err.message, err.code);
          }
          throw err;
        }
      },
    );
  }

  /** The images or tensors of the request's one input. */
  const inputsOf = (input: OipParsedInput): (Uint8Array | Float32Array)[] => {
    const { inp, binary } = input;
    const where = `input '${inp.name}'`;
    const n = inp.shape[0] ?? 0;
    if (n < 1 || n > maxImages) {
      throw new OipBadRequest(`${where}: a batch of ${n}: send 1 to ${maxImages} images per request`);
    }
    if (inp.datatype === "FP32") {
      const want = [n, ...info.input.dims];
      if (inp.shape.length !== want.length || !inp.shape.every((d, i) => d === want[i])) {
        throw new OipBadRequest(
          `${where} has shape [${inp.shape.join(", ")}]: the model takes FP32 [N, ${info.input.dims.join(", ")}]`,
        );
      }
      let values: Float32Array;
      if (binary) values = readFloats(binary, n * perImage, where);
      else {
        const flat = flattenData(inp.data, where);
        if (flat.length !== n * perImage || !flat.every((v) => typeof v === "number")) {
          throw new OipBadRequest(`${where}: "data" must hold ${n * perImage} numbers, got ${flat.length} values`);
        }
        values = Float32Array.from(flat as number[]);
      }
      return Array.from({ length: n }, (_, i) => values.slice(i * perImage, (i + 1) * perImage));
    }
    if (inp.datatype === "BYTES") {
      if (!(inp.shape.length === 1 || (inp.shape.length === 2 && inp.shape[1] === 1))) {
        throw new OipBadRequest(`${where}: BYTES images have shape [N] or [N, 1], got [${inp.shape.join(", ")}]`);
      }
      let pngs: Uint8Array[];
      if (binary) pngs = splitBytesElements(binary, where);
      else {
        pngs = flattenData(inp.data, where).map((v, i) => {
          const bytes = typeof v === "string" ? decodeStrictBase64(v) : null;
          if (!bytes) throw new OipBadRequest(`${where}: element ${i} is not a base64 string of a PNG`);
          return bytes;
        });
      }
      if (pngs.length !== n) throw new OipBadRequest(`${where}: shape says ${n} images, the data holds ${pngs.length}`);
      pngs.forEach((png, i) => {
        try {
          const { width, height } = pngSize(png);
          const max = model.limits.maxSide;
          if (width < 1 || height < 1 || width > max || height > max) {
            throw new OipBadRequest(`${where}: image ${i} is ${width}x${height}: each side must be 1 to ${max} pixels`);
          }
        } catch (err) {
          if (err instanceof ImageError) throw new OipBadRequest(`${where}: image ${i}: ${err.message}`);
          throw err;
        }
      });
      return pngs;
    }
    throw new OipBadRequest(
      `${where} is ${inp.datatype}: send FP32 [N, ${info.input.dims.join(", ")}] or BYTES PNG images`,
    );
  };

  const infer = async (c: Context) => {
    const { request, binary } = parseInferBody(
      new Uint8Array(await c.req.arrayBuffer()),
      c.req.header(INFERENCE_HEADER) ?? null,
    );
    if (request.inputs.length !== 1) {
      throw new OipBadRequest(
        `the model has one input ('${info.input.name}'): the request has ${request.inputs.length}`,
      );
    }
    const inputs = inputsOf({ inp: request.inputs[0]!, binary: binary.get(0) ?? null });
    const wanted = request.outputs ?? [{ name: info.output.name }];
    for (const o of wanted) {
      if (o.name !== info.output.name) {
        throw new OipBadRequest(`unknown output '${o.name}': the model's output is '${info.output.name}'`);
      }
      const k = o.parameters?.classification;
      if (k !== undefined && (!Number.isSafeInteger(k) || k < 1 || k > info.output.classes)) {
        throw new OipBadRequest(`classification must be 1 to ${info.output.classes}, got ${String(k)}`);
      }
    }
    const pending: Promise<PoolReply>[] = [];
    const traced = tracedBy(c.req.header(TRACEPARENT_HEADER));
    for (const x of inputs) {
      const p = tryAsk<ModelPoolMsg, PoolReply>(
        options.pool,
        (replyTo) =>
          x instanceof Float32Array
            ? { type: "pool.inferTensor", tensor: x, raw: true, replyTo, ...traced }
            : { type: "pool.infer", png: x, raw: true, replyTo, ...traced },
        { timeoutMs: model.limits.timeoutMs },
      );
      if (!p) {
        options.metrics?.rejected("overloaded");
        // Images already queued run and are discarded; the client retries the request whole.
        for (const q of pending) q.catch(() => {});
        throw new OipFailure(429, `the model queue is full (${model.pool.queue} images): retry later`, "overloaded");
      }
      pending.push(p);
    }
    let replies: PoolReply[];
    try {
      replies = await Promise.all(pending);
    } catch (err) {
      if (err instanceof AskTimeout) {
        options.metrics?.rejected("timeout");
        throw new OipFailure(504, `no inference within ${model.limits.timeoutMs} ms`, "timeout");
      }
      throw err;
    }
    const rows: Float32Array[] = [];
    replies.forEach((r, i) => {
      if (!r.ok) {
        if (r.reason === "bad_image") throw new OipBadRequest(`image ${i}: ${r.message}`);
        throw new OipFailure(503, `image ${i}: ${r.message}`, r.reason);
      }
      rows.push(r.raw!);
    });
    count("ok");
    const n = rows.length;
    const classes = info.output.classes;
    const binaryAll = request.parameters?.binary_data_output === true;
    const parts: Uint8Array[] = [];
    const outputs: OipResponseOutput[] = wanted.map((o) => {
      const k = o.parameters?.classification;
      const asBinary = o.parameters?.binary_data ?? binaryAll;
      const values: Float32Array | string[] = k !== undefined
        ? rows.flatMap((row) => classify(row, k, options.labels))
        : concat(rows, classes);
      const out: OipResponseOutput = {
        name: o.name,
        shape: k !== undefined ? [n, k] : [n, classes],
        datatype: k !== undefined ? "BYTES" : "FP32",
      };
      if (asBinary) {
        const bytes = encodeBinaryOutput(values);
        parts.push(bytes);
        out.parameters = { binary_data_size: bytes.length };
      } else out.data = values instanceof Float32Array ? Array.from(values) : values;
      return out;
    });
    const body: OipInferResponse = {
      model_name: model.name,
      model_version: VERSION,
      ...(typeof request.id === "string" ? { id: request.id } : {}),
      outputs,
    };
    if (parts.length === 0) return c.json(body);
    const json = new TextEncoder().encode(JSON.stringify(body));
    const whole = new Uint8Array(json.length + parts.reduce((a, p) => a + p.length, 0));
    whole.set(json, 0);
    let at = json.length;
    for (const p of parts) {
      whole.set(p, at);
      at += p.length;
    }
    return c.body(whole, 200, {
      "content-type": "application/octet-stream",
      "inference-header-content-length": String(json.length),
    });
  };
  return app;
}

interface OipParsedInput {
  inp: { name: string; shape: number[]; datatype: string; data?: unknown };
  binary: Uint8Array | null;
}

function concat(rows: Float32Array[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(r, i * width));
  return out;
}
