/**
 * Operator routes, off unless the node enables them (and then always behind the
 * token): `POST /control/{restart|stop|suspend|resume}?path=` acts on an actor or
 * a subtree; `POST /trace/start?path=&limit=&forMs=&keep=`, `POST /trace/stop?path=` and
 * `GET /trace?path=` record and read one actor's recent messages. Refusals name
 * what was wrong: 400 bad input, 403 controls off, 404 no such actor, 409 the
 * action would break an invariant.
 */
import { type Context, Hono } from "hono";
import {
  type ActorSystem,
  CONTROL_ACTIONS,
  type ControlAction,
  ControlRefused,
  errorMessage,
  NoSuchActor,
} from "../system/mod.ts";
import { badRequest, queryInt, queryPath } from "./_query.ts";

/** Builds the control and trace routes. */
export function controlRoutes(system: ActorSystem, options: { enabled: boolean }): Hono {
  const app = new Hono();
  for (const path of ["/control/*", "/trace", "/trace/*"]) {
    app.use(path, async (c, next) => (options.enabled ? await next() : off(c)));
  }

  app.post("/control/:action", async (c) => {
    const action = c.req.param("action");
    if (!CONTROL_ACTIONS.includes(action as ControlAction)) {
      return badRequest(c, `the action must be one of ${CONTROL_ACTIONS.join(", ")}: got '${action}'`);
    }
    const path = queryPath(c);
    if (typeof path !== "string") return path;
    return refusals(c, async () => c.json({ path, action, node: await system.control(path, action as ControlAction) }));
  });

  app.post("/trace/start", (c) => {
    const path = queryPath(c);
    if (typeof path !== "string") return path;
    const limit = queryInt(c, "limit", { min: 1, max: 100_000, fallback: 1000 });
    if (typeof limit !== "number") return limit;
    const forMs = queryInt(c, "forMs", { min: 1, max: 3_600_000, fallback: 300_000 });
    if (typeof forMs !== "number") return forMs;
    const keep = queryInt(c, "keep", { min: 1, max: 10_000, fallback: 200 });
    if (typeof keep !== "number") return keep;
    return refusals(c, () => c.json(system.startTrace(path, { limit, forMs, keep })));
  });
  app.post("/trace/stop", (c) => {
    const path = queryPath(c);
    if (typeof path !== "string") return path;
    return refusals(c, () => c.json(system.stopTrace(path) ?? { path, active: false, entries: [] }));
  });
  app.get("/trace", (c) => {
    const path = queryPath(c);
    if (typeof path !== "string") return path;
    return refusals(c, () => {
      const report = system.trace(path);
      return report ? c.json(report) : c.json({ error: `${path} has not been traced` }, 404);
    });
  });
  return app;
}

function off(c: Context): Response {
  return c.json({ error: "operator controls are off: start the node with OPS_CONTROL=on (it needs OPS_TOKEN)" }, 403);
}

async function refusals(c: Context, run: () => Response | Promise<Response>): Promise<Response> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof NoSuchActor) return c.json({ error: err.message, code: err.code }, 404);
    if (err instanceof ControlRefused) return c.json({ error: err.message, code: err.code }, 409);
    if (err instanceof RangeError) return badRequest(c, err.message);
    return c.json({ error: errorMessage(err) }, 500);
  }
}
