/**
 * The ops HTTP endpoint of a node: health, readiness, the live actor tree,
 * Prometheus metrics, the (redacted) configuration and a web view. A Hono app, so
 * an embedding service can mount it in its own server with `app.route()`.
 */
import { Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { ActorSystem } from "../system/mod.ts";
import { type HttpServer, serveHttp } from "../system/mod.ts";
import { renderMetrics } from "./metrics.ts";
import { renderWebView } from "./web_view.ts";
import type { ActorsResponse, HealthResponse, ReadyResponse } from "../protocols/ops_responses.ts";

/** Options of {@link createOpsApp}. */
export interface OpsAppOptions {
  /** Shown in metrics and the web view. @default "troupe" */
  nodeId?: string;
  /** Bearer token required on every route but /healthz and /readyz; null: none. @default null */
  token?: string | null;
  /** Served at `GET /config` (pass it redacted). @default {} */
  config?: Record<string, unknown>;
  /** More Prometheus text appended to `/metrics` (a prom-client registry's `metrics()`, say). */
  metrics?: () => Promise<string> | string;
}

/** Builds the ops routes for a system. */
export function createOpsApp(system: ActorSystem, options: OpsAppOptions = {}): Hono {
  const nodeId = options.nodeId ?? "troupe";
  const token = options.token ?? null;
  const app = new Hono();

  app.get("/healthz", (c) => {
    const failed = system.status === "failed";
    const body: HealthResponse = { status: failed ? "failed" : "ok", node: nodeId };
    return c.json(body, failed ? 503 : 200);
  });
  app.get("/readyz", (c) => {
    const body: ReadyResponse = { ready: system.ready, status: system.status, dependencies: system.readiness.report() };
    return c.json(body, body.ready ? 200 : 503);
  });

  if (token !== null) {
    const error = { error: "a valid bearer token is required (Authorization: Bearer <OPS_TOKEN>)" };
    app.use(
      "*",
      bearerAuth({
        token,
        realm: "troupe-ops",
        noAuthenticationHeaderMessage: error,
        invalidAuthenticationHeaderMessage: error,
        invalidTokenMessage: error,
      }),
    );
  }

  app.get("/actors", (c) => {
    const body: ActorsResponse = { node: nodeId, ready: system.ready, status: system.status, tree: system.snapshot() };
    return c.json(body);
  });
  app.get("/metrics", async (c) => {
    const more = options.metrics ? await options.metrics() : "";
    const body = renderMetrics({
      nodeId,
      ready: system.ready,
      tree: system.snapshot(),
      dependencies: system.readiness.report(),
    });
    return c.body(more ? `${body}${body.endsWith("\n") ? "" : "\n"}${more}` : body, 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    });
  });
  app.get("/config", (c) => c.json(options.config ?? {}));
  app.get("/", (c) => c.html(renderWebView(nodeId, system.ready, system.snapshot())));
  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404));
  return app;
}

/** Serves the ops app on `host:port` (port 0 picks a free port). */
export function serveOps(app: Hono, options: { host: string; port: number }): Promise<HttpServer> {
  return serveHttp(app.fetch, options);
}
