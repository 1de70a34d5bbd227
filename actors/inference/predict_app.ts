/**
 * The predict API as a Hono app (contract in protocols/predict.ts): bodies are
 * limited, the PNG header is checked before anything is queued, and a full pool
 * queue answers 429 at once instead of waiting.
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { ModelPoolMsg, PoolReply } from "./model_pool.ts";
import type { ModelInfo } from "./engine.ts";
import { createOipApp } from "./oip_app.ts";
import type { ServingMetrics } from "./serving_metrics.ts";
import { ImageError, pngSize } from "./preprocess.ts";
import { tracedBy, TRACEPARENT_HEADER } from "../../protocols/mod.ts";
import { decodeStrictBase64 } from "../../protocols/base64.ts";
import type { ModelDescription, PredictError, PredictErrorCode, PredictResponse } from "../../protocols/predict.ts";
import { type ActorRef, AskTimeout, tryAsk } from "../../system/mod.ts";

/** Counters of the API, by outcome. */
export type PredictStats = Record<string, number>;

/** Options of {@link createPredictApp}. */
export interface PredictAppOptions {
  /** The model pool that serves the requests. */
  pool: ActorRef<ModelPoolMsg>;
  /** What `GET /v1/models` says of the model. */
  model: ModelDescription;
  /** Seconds a client is told to wait after a 429. @default 1 */
  retryAfterS?: number;
  /** Request counts by outcome, counted into (shared with metrics). */
  stats?: PredictStats;
  /** What the workers loaded; given, the Open Inference Protocol routes (/v2) are served too. */
  info?: ModelInfo;
  /** Class names (the v2 classification extension). */
  labels?: readonly string[];
  /** Serving metrics: refusals and timeouts of both APIs are counted here. */
  metrics?: ServingMetrics;
  /** Server readiness for /v2/health/ready. @default always */
  ready?: () => boolean;
}

/** The app: `POST /v1/predict`, `GET /v1/models`, and with `info` the v2 routes (oip_app.ts). */
export function createPredictApp(options: PredictAppOptions): Hono {
  const { model } = options;
  const stats = options.stats ?? {};
  const app = new Hono();
  const fail = (c: Context, status: 400 | 413 | 415 | 429 | 503 | 504, code: PredictErrorCode, message: string) => {
    stats[code] = (stats[code] ?? 0) + 1;
    const body: PredictError = { error: { code, message } };
    return c.json(body, status);
  };

  app.get("/v1/models", (c) => c.json(model));

  app.post(
    "/v1/predict",
    bodyLimit({
      maxSize: model.limits.maxBodyBytes,
      onError: (c) => fail(c, 413, "body_too_large", `the body is larger than ${model.limits.maxBodyBytes} bytes`),
    }),
    async (c) => {
      const type = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
      let png: Uint8Array;
      if (type === "image/png") png = new Uint8Array(await c.req.arrayBuffer());
      else if (type === "application/json") {
        let body: unknown;
        try {
          body = await c.req.json();
        } catch {
          return fail(c, 400, "bad_request", "the body is not valid JSON");
        }
        const image = (body as { image?: unknown } | null)?.image;
        if (typeof image !== "string") {
          return fail(c, 400, "bad_request", 'the JSON body must be { "image": "<base64 PNG>" }');
        }
        const bytes = decodeStrictBase64(image);
        if (!bytes) return fail(c, 400, "bad_base64", "image is not padded base64");
        png = bytes;
      } else {return fail(
          c,
          415,
          "unsupported_media_type",
          `send image/png, or application/json with a base64 image: got '${type || "no content type"}'`,
        );}

      try {
        const { width, height } = pngSize(png);
        if (width < 1 || height < 1 || width > model.limits.maxSide || height > model.limits.maxSide) {
          return fail(
            c,
            400,
            "too_large",
            `image is ${width}x${height}: each side must be 1 to ${model.limits.maxSide} pixels`,
          );
        }
      } catch (err) {
        if (err instanceof ImageError) return fail(c, 400, "not_png", err.message);
        throw err;
      }
      const pending = tryAsk<ModelPoolMsg, PoolReply>(
        options.pool,
        (replyTo) => ({ type: "pool.infer", png, replyTo, ...tracedBy(c.req.header(TRACEPARENT_HEADER)) }),
        { timeoutMs: model.limits.timeoutMs },
      );
      if (!pending) {
        options.metrics?.rejected("overloaded");
        c.header("Retry-After", String(options.retryAfterS ?? 1));
        return fail(c, 429, "overloaded", `the model queue is full (${model.pool.queue} images): retry later`);
      }
      let reply: PoolReply;
      try {
        reply = await pending;
      } catch (err) {
        if (err instanceof AskTimeout) {
          options.metrics?.rejected("timeout");
          return fail(c, 504, "timeout", `no prediction within ${model.limits.timeoutMs} ms`);
        }
        throw err;
      }
      if (!reply.ok) {
        if (reply.reason === "bad_image") return fail(c, 400, "bad_image", reply.message);
        return fail(c, 503, reply.reason, reply.message);
      }
      stats["ok"] = (stats["ok"] ?? 0) + 1;
      const res: PredictResponse = {
        model: reply.model,
        untrained: model.untrained,
        top: reply.top,
        latencyMs: reply.latencyMs,
      };
      return c.json(res);
    },
  );
  if (options.info) {
    const oip = createOipApp({
      pool: options.pool,
      model,
      info: options.info,
      labels: options.labels ?? [],
      stats,
      ...(options.metrics ? { metrics: options.metrics } : {}),
      ...(options.ready ? { ready: options.ready } : {}),
      ...(options.retryAfterS ? { retryAfterS: options.retryAfterS } : {}),
    });
    app.route("/", oip);
  }
  app.onError((err, c) => c.json({ error: { code: "internal", message: err.message } }, 500));
  return app;
}
