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
 * check, so no request waits longer than before. Loaded by `client.ts`, the only
 * importer of kafkajs; it goes when kafkajs does.
 */
import { createRequire } from "node:module";

interface RequestQueueLike {
  pending: unknown[];
  throttledUntil: number;
}

const PATCHED = Symbol.for("troupe.kafkajs.idleLoopPatched");

/** Installs the guard once per kafkajs module instance; returns whether it is in place. */
export function patchKafkajsIdleLoop(): boolean {
  let queue: { prototype: Record<string | symbol, unknown> } | undefined;
  try {
    queue = createRequire(import.meta.url)("kafkajs/src/network/requestQueue/index.js");
  } catch {
    return false; // a kafkajs laid out differently: nothing to patch
  }
  const proto = queue?.prototype;
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
