/** Query-string parsing shared by the ops routes: a bad value is a 400 naming what was wrong. */
import type { Context } from "hono";

/** A 400 response with `{ error }`. */
export function badRequest(c: Context, error: string): Response {
  return c.json({ error }, 400);
}

/** A whole-number query parameter within bounds, its fallback when absent, or a 400 response. */
export function queryInt(
  c: Context,
  name: string,
  bounds: { min: number; max: number; fallback: number },
): number | Response {
  const raw = c.req.query(name);
  if (raw === undefined || raw === "") return bounds.fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < bounds.min || n > bounds.max) {
    return badRequest(c, `${name} must be a whole number from ${bounds.min} to ${bounds.max}: got '${raw}'`);
  }
  return n;
}

/** The required `path` query parameter (an actor path such as /troupe/db/upserter), or a 400 response. */
export function queryPath(c: Context): string | Response {
  const path = c.req.query("path");
  if (!path || !path.startsWith("/")) {
    return badRequest(c, `path must be an actor path such as /troupe/db/upserter: got '${path ?? ""}'`);
  }
  return path;
}
