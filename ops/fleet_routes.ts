/**
 * The fleet's routes on a node's ops endpoint: `GET /fleet/` (the fleet page),
 * `GET /fleet` (the whole view, JSON),
 * `GET /fleet/targets` (Prometheus HTTP service discovery), `GET /fleet/metrics`
 * (the fleet's gauges), `GET /fleet/logs` (the fleet's merged log tail, filtered),
 * `GET /fleet/traces/:id` (one image's hops across the fleet; `/fleet/traces`: the latest ids) and
 * `GET /fleet/nodes/:id/tree` (any node's actor tree, as it last sent it). The data comes from the node (read from Kafka); what cannot be
 * read answers 503 with the reason.
 */
import { type Context, Hono } from "hono";
import type { FleetTrace, FleetView } from "../protocols/fleet_view.ts";
import type { ActorsResponse } from "../protocols/ops_responses.ts";
import type { LogFilter, LogRecord } from "../protocols/log_record.ts";
import { badRequest, queryInt } from "./_query.ts";

/** A node's tree as the fleet last heard it. */
export interface FleetTree {
  /** The node's id. */
  nodeId: string;
  /** When the node sent it. */
  sentAt: string;
  /** What the node's `GET /actors` answered. */
  actors: ActorsResponse;
}

/** Where the fleet's routes get their data. */
export interface FleetSource {
  /** The whole view. */
  view(): Promise<FleetView>;
  /** A node's latest tree, or null when the topic has none for it. */
  tree(nodeId: string): Promise<FleetTree | null>;
  /** The fleet's last log lines that pass `filter`, oldest first (at most `limit`). */
  logs(filter: LogQuery, limit: number): Promise<LogRecord[]>;
  /** One image's hops across the fleet. */
  trace(traceId: string): Promise<FleetTrace>;
  /** The trace ids most recently reported, newest first. */
  recentTraces(n: number): Promise<string[]>;
}

/** What `GET /fleet/logs` filters by (its query parameters). */
export type LogQuery = LogFilter;

const LEVELS = ["debug", "info", "warn", "error"] as const;
import { prometheusTargets, renderFleetMetrics } from "./fleet_targets.ts";
import { renderFleetPage } from "./fleet_page.ts";

/** The routes, given where the data comes from. */
export function fleetRoutes(source: FleetSource, options: { nodeId: string; tokenRequired: boolean }): Hono {
  const app = new Hono();
  // The page's shell holds no figures (a GET ending in "/" needs no token): it fetches them with the token it asks for.
  app.get("/fleet/", (c) => c.html(renderFleetPage(options)));
  const view = () => source.view();
  const withView = (answer: (c: Context, v: FleetView) => Response | Promise<Response>) => async (c: Context) => {
    let v: FleetView;
    try {
      v = await view();
    } catch (err) {
      return c.json({ error: (err as Error).message }, 503);
    }
    return answer(c, v);
  };
  app.get("/fleet", withView((c, v) => c.json(v)));
  app.get("/fleet/targets", withView((c, v) => c.json(prometheusTargets(v))));
  app.get(
    "/fleet/metrics",
    withView(async (c, v) =>
      c.body(await renderFleetMetrics(v), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8" })
    ),
  );
  app.get("/fleet/logs", async (c) => {
    const q = (k: string) => c.req.query(k) || undefined;
    const level = q("level");
    if (level !== undefined && !(LEVELS as readonly string[]).includes(level)) {
      return badRequest(c, `level must be one of ${LEVELS.join(", ")}: got '${level}'`);
    }
    const since = q("since");
    const sinceMs = since === undefined ? undefined : Date.parse(since);
    if (sinceMs !== undefined && Number.isNaN(sinceMs)) {
      return badRequest(c, `since must be an ISO 8601 time: got '${since}'`);
    }
    const limit = queryInt(c, "limit", { min: 1, max: 1_000, fallback: 200 });
    if (typeof limit !== "number") return limit;
    const filter: LogQuery = {};
    for (const k of ["node", "role", "actor", "trace"] as const) if (q(k) !== undefined) filter[k] = q(k);
    if (level !== undefined) filter.level = level as LogQuery["level"];
    if (sinceMs !== undefined) filter.sinceMs = sinceMs;
    try {
      return c.json({ lines: await source.logs(filter, limit) });
    } catch (err) {
      return c.json({ error: (err as Error).message }, 503);
    }
  });
  app.get("/fleet/traces", async (c) => {
    const n = queryInt(c, "n", { min: 1, max: 1_000, fallback: 20 });
    if (typeof n !== "number") return n;
    try {
      return c.json({ traces: await source.recentTraces(n) });
    } catch (err) {
      return c.json({ error: (err as Error).message }, 503);
    }
  });
  app.get("/fleet/traces/:id", async (c) => {
    const id = c.req.param("id").toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(id)) return badRequest(c, `a trace id is 32 hex digits: got '${c.req.param("id")}'`);
    try {
      return c.json(await source.trace(id));
    } catch (err) {
      return c.json({ error: (err as Error).message }, 503);
    }
  });
  app.get("/fleet/nodes/:id/tree", async (c) => {
    const id = c.req.param("id");
    let tree: FleetTree | null;
    try {
      tree = await source.tree(id);
    } catch (err) {
      return c.json({ error: (err as Error).message }, 503);
    }
    return tree ? c.json(tree) : c.json({ error: `no actor tree of node '${id}' on the nodes topic` }, 404);
  });
  return app;
}
