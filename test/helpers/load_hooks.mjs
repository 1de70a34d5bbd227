// Module loader hooks of load_recorder.mjs (they run on the loader's own thread).
import { appendFileSync } from "node:fs";

export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  if (process.env.TROUPE_LOAD_LOG) appendFileSync(process.env.TROUPE_LOAD_LOG, `${resolved.url}\n`);
  return resolved;
}
