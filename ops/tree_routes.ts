/**
 * The routes that read the live tree: `GET /actors` (the tree with each node's
 * figures and the pipeline panel), `GET /actors/top` (recon-style top-N over a
 * window) and `GET /events` (the same body as `/actors`, pushed as server-sent
 * events once per sampling interval, for the page).
 */
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { ActorSystem } from "../system/mod.ts";
import type { ActorsResponse, TopBy, TopResponse } from "../protocols/ops_responses.ts";
import { type Observer, TOP_BY } from "./observer.ts";
import { pipelinePanel } from "./pipeline.ts";
import { badRequest, queryInt } from "./_query.ts";

/** Longest window a figure may be asked over, in seconds (the observer keeps a minute). */
const MAX_WINDOW = 60;

/** The body of `GET /actors`: the tree with each node's figures over `windowSec`, and the pipeline panel. */
export function actorsResponse(
  system: ActorSystem,
  observer: Observer,
  options: { nodeId: string; control: boolean },
  windowSec = 10,
): ActorsResponse {
  const tree = observer.view(windowSec);
  return {
    node: options.nodeId,
    ready: system.ready,
    status: system.status,
    control: options.control,
    windowSec,
    tree,
    pipeline: pipelinePanel(tree),
  };
}

/** Builds the read-only tree routes. */
export function treeRoutes(
  system: ActorSystem,
  observer: Observer,
  options: { nodeId: string; control: boolean },
): Hono {
  const app = new Hono();
  const body = (windowSec: number) => actorsResponse(system, observer, options, windowSec);

  app.get("/actors", (c) => {
    const windowSec = queryInt(c, "window", { min: 1, max: MAX_WINDOW, fallback: 10 });
    return typeof windowSec === "number" ? c.json(body(windowSec)) : windowSec;
  });

  app.get("/actors/top", (c) => {
    const by = c.req.query("by") ?? "depth";
    if (!TOP_BY.includes(by as TopBy)) return badRequest(c, `by must be one of ${TOP_BY.join(", ")}: got '${by}'`);
    const n = queryInt(c, "n", { min: 1, max: 1000, fallback: 10 });
    if (typeof n !== "number") return n;
    const windowSec = queryInt(c, "window", { min: 1, max: MAX_WINDOW, fallback: 10 });
    if (typeof windowSec !== "number") return windowSec;
    const res: TopResponse = { by: by as TopBy, windowSec, top: observer.top(by as TopBy, n, windowSec) };
    return c.json(res);
  });

  app.get("/events", (c) => {
    const windowSec = queryInt(c, "window", { min: 1, max: MAX_WINDOW, fallback: 10 });
    if (typeof windowSec !== "number") return windowSec;
    return streamSSE(c, async (stream) => {
      let id = 0;
      // Ends when the client goes away or the system has stopped.
      while (!stream.aborted && !stream.closed && system.status !== "stopped") {
        await stream.writeSSE({ event: "tree", id: String(id++), data: JSON.stringify(body(windowSec)) });
        await stream.sleep(observer.intervalMs);
      }
    });
  });
  return app;
}
