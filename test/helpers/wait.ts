/** Thrown by an `until` check that knows the wait is lost (a member crashed, say): `until` fails at once with it. */
export class GiveUp extends Error {
  override name = "GiveUp";
}

/**
 * Polls `check` until it returns a truthy value; fails with `what` after `timeoutMs`, or at once when `check` throws
 * {@link GiveUp} (any other error it throws means "not yet", and is told if the time runs out).
 */
export async function until<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 30_000,
  everyMs = 10,
): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v) return v as NonNullable<T>;
    } catch (err) {
      if (err instanceof GiveUp) throw new Error(`gave up waiting for ${what}: ${err.message}`);
      last = err;
    }
    if (Date.now() > end) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Reads `read` until its value has held for `holdMs` (a read every `everyMs`) and returns it: for a value that
 * something already sent may still change, such as a consumer group's committed offsets while a commit is in flight.
 */
export async function steadyValue<T>(read: () => Promise<T>, holdMs = 1_000, everyMs = 100): Promise<T> {
  let value = await read();
  for (let since = performance.now(); performance.now() - since < holdMs;) {
    await new Promise((r) => setTimeout(r, everyMs));
    const again = await read();
    if (again !== value) since = performance.now();
    value = again;
  }
  return value;
}
