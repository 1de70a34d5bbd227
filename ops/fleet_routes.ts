/**
 * The fleet's routes on a node's ops endpoint: `GET /fleet` (the whole view, JSON),
 * `GET /fleet/targets` (Prometheus HTTP service discovery) and `GET /fleet/metrics`
 * (the fleet's gauges). The view comes from the node (read from Kafka); a view that
 * cannot be read answers 503 with the reason.
 */
import { type Context, Hono } from "hono";
import type { FleetView } from "../protocols/fleet_view.ts";
import { prometheusTargets, renderFleetMetrics } from "./fleet_targets.ts";

/** The routes, given where the view comes from. */
export function fleetRoutes(view: () => Promise<FleetView>): Hono {
  const app = new Hono();
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
  return app;
}
