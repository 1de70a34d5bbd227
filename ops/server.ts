/**
 * The ops HTTP endpoint of a node: health, readiness, the live actor tree with its
 * figures (JSON, a server-sent event stream, a live page), top-N lists, Prometheus
 * metrics, the (redacted) configuration, and, when enabled, operator controls and
 * message tracing. A Hono app, so an embedding service can mount it in its own
 * server with `app.route()`, at any path.
 */
import { type Context, Hono } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import type { ActorSystem } from "../system/mod.ts";
import { InvalidSpec } from "../system/mod.ts";
import { type HttpServer, serveHttp } from "../system/platform.ts";
import { renderMetrics } from "./metrics.ts";
import { Observer } from "./observer.ts";
import { controlRoutes } from "./control_routes.ts";
import { treeRoutes } from "./tree_routes.ts";
import { renderPage } from "./page.ts";
import { fleetRoutes, type FleetSource } from "./fleet_routes.ts";
import type { HealthResponse, ReadyResponse } from "../protocols/ops_responses.ts";

/** Options of {@link createOpsApp}. */
export interface OpsAppOptions {
  /** Shown in metrics and the page. @default "troupe" */
  nodeId?: string;
  /** Bearer token required on every route but /healthz, /readyz and the page's shell; null: none. @default null */
  token?: string | null;
  /** Served at `GET /config` (pass it redacted). @default {} */
  config?: Record<string, unknown>;
  /** More Prometheus text appended to `/metrics` (a prom-client registry's `metrics()`, say). */
  metrics?: () => Promise<string> | string;
  /**
   * Operator controls (restart, stop, suspend, resume) and message tracing. Off
   * unless true; true requires a `token` (the routes are always behind it).
   * @default false
   */
  control?: boolean;
  /** Where the figures come from; one sampling every second is made and started if not given. */
  observer?: Observer;
  /**
   * The fleet as this node reads it from Kafka: served at `GET /fleet`, `/fleet/targets` (Prometheus HTTP SD),
   * `/fleet/metrics` and `/fleet/nodes/:id/tree`; those routes answer 404 when not given.
   */
  fleet?: FleetSource;
}

/** Builds the ops routes for a system. */
export function createOpsApp(system: ActorSystem, options: OpsAppOptions = {}): Hono {
  const nodeId = options.nodeId ?? "troupe";
  const token = options.token ?? null;
  const control = options.control ?? false;
  if (control && token === null) {
    throw new InvalidSpec("ops controls need a bearer token: set a token (OPS_TOKEN) or leave controls off");
  }
  const observer = options.observer ?? new Observer(system).start();
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
  // The page's shell holds no figures: it fetches them with the token it asks for.
  const page = (c: Context) =>
    c.html(renderPage({ nodeId, tokenRequired: token !== null, fleet: options.fleet !== undefined }));
  app.get("/", page);

  if (token !== null) {
    const error = { error: "a valid bearer token is required (Authorization: Bearer <OPS_TOKEN>)" };
    const auth = bearerAuth({
      token,
      realm: "troupe-ops",
      noAuthenticationHeaderMessage: error,
      invalidAuthenticationHeaderMessage: error,
      invalidTokenMessage: error,
    });
    // A GET ending in "/" reaches no data route: at most the shell (see the last route) or a 404.
    app.use("*", (c, next) => (c.req.method === "GET" && c.req.path.endsWith("/") ? next() : auth(c, next)));
  }

  app.route("/", treeRoutes(system, observer, { nodeId, control }));
  app.route("/", controlRoutes(system, { enabled: control }));
  app.get("/metrics", async (c) => {
    const more = options.metrics ? await options.metrics() : "";
    const body = await renderMetrics({
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
  if (options.fleet) app.route("/", fleetRoutes(options.fleet, { nodeId, tokenRequired: token !== null }));
  const notFound = (c: Context) => c.json({ error: `no route ${c.req.method} ${c.req.path}` }, 404);
  // Mounted under a prefix (`/ops`), the page answers at `/ops/` too; the prefix is what the route matched under.
  app.get("/*", (c) => (c.req.path === `${c.req.routePath.replace(/\/\*$/, "")}/` ? page(c) : notFound(c)));
  app.notFound(notFound);
  return app;
}

/** Serves the ops app on `host:port` (port 0 picks a free port). */
export function serveOps(app: Hono, options: { host: string; port: number }): Promise<HttpServer> {
  return serveHttp(app.fetch, options);
}
