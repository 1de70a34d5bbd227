/**
 * kafkajs 2.2.4 (its last release, 2023) re-arms a timer every millisecond on each
 * broker connection once the connection has answered a request, for as long as it is
 * open, even with nothing to send: `scheduleCheckPendingRequests` schedules a check
 * at `throttledUntil - now`, which is negative when the connection is not throttled
 * (kafkajs issues #1556, #1704, #1751; the fixes were never released). An idle node
 * spent about 5% of a core on it per process here, every process that has a client.
 *
 * This makes the check a no-op when there is nothing to check: no pending request
 * and no throttle in force. A request pushed later is sent at once or queued with a
 * check of its own, a response checks the queue, and a throttle still schedules its
 * check, so no request waits longer than before. Installed when `client.ts` loads; it
 * goes when kafkajs does.
 */
import { createRequire } from "node:module";

interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
}

const PATCHED = Symbol.for("troupe.kafkajs.idleLoopPatched");

/** kafkajs' request queue class, or undefined for a kafkajs laid out differently. */
function requestQueue(): { prototype: Record<string | symbol, unknown> } | undefined {
  try {
    return createRequire(import.meta.url)("kafkajs/src/network/requestQueue/index.js");
  } catch {
    return undefined;
  }
}

/**
 * Counts the queue checks kafkajs makes from now on (for the test that an idle client
 * makes none); `stop` puts the method back.
 */
export function countQueueChecks(): { count(): number; reset(): void; stop(): void } {
  const proto = requestQueue()?.prototype;
  const original = proto?.["checkPendingRequests"];
  if (!proto || typeof original !== "function") throw new Error("kafkajs has no request queue to watch");
  let n = 0;
  proto["checkPendingRequests"] = function (this: unknown) {
    n++;
    return (original as (this: unknown) => unknown).call(this);
  };
  return { count: () => n, reset: () => void (n = 0), stop: () => void (proto["checkPendingRequests"] = original) };
}

/** Installs the guard once per kafkajs module instance; returns whether it is in place. */
export function patchKafkajsIdleLoop(): boolean {
  const proto = requestQueue()?.prototype;
  const original = proto?.["scheduleCheckPendingRequests"];
  if (!proto || typeof original !== "function") return false;
  if (proto[PATCHED]) return true;
  proto["scheduleCheckPendingRequests"] = function (this: RequestQueueLike) {
    if (this.pending.length === 0 && !(this.throttledUntil > Date.now())) return;
    return (original as (this: RequestQueueLike) => unknown).call(this);
  };
  proto[PATCHED] = true;
  return true;
}
