/**
 * A member's join, tried again while the broker answers that the group cannot be
 * joined yet, instead of failing its actor (and a starting node) at once:
 *
 * - The group's coordinator is not ready (`COORDINATOR_LOAD_IN_PROGRESS`,
 *   `COORDINATOR_NOT_AVAILABLE`, `NOT_COORDINATOR`): a new broker creates its offsets
 *   topic on the first group's request, a restarted one loads it again, a moved
 *   coordinator is looked up anew. The package tries a request six times 250 ms apart;
 *   CI saw a new broker on a busy machine refuse a node's first join for longer. Joined
 *   again with back-off, up to `joinWaitMs` (a minute by default).
 * - Under the consumer group protocol (KIP-848) a static member killed without
 *   leaving keeps its group.instance.id until its session ends (the broker's
 *   `group.consumer.session.timeout.ms`, 45 s by default), and its restart is
 *   refused with `UNRELEASED_INSTANCE_ID` until then (the classic protocol hands the
 *   id to the newcomer at once). Joined again every second, up to `releaseWaitMs`
 *   (a minute by default).
 *
 * Any other error fails the join at once.
 */
import { type Clock, type Logger, realClock } from "../../../system/mod.ts";
import { errorText } from "./records.ts";

const RELEASE_WAIT_MS = 60_000;
const RELEASE_RETRY_MS = 1_000;
const COORDINATOR_WAIT_MS = 60_000;
const COORDINATOR_FIRST_RETRY_MS = 250;
const COORDINATOR_MAX_RETRY_MS = 2_000;

/** The member a join is for, and how long it may wait. */
export interface JoiningMember {
  groupId: string;
  groupInstanceId?: string;
  releaseWaitMs?: number;
  joinWaitMs?: number;
}

/** Why a failed join may be tried again: the group still holds the id, or its coordinator is not ready; or null. */
export function joinRefusal(err: unknown): "unreleased" | "coordinator" | null {
  const ids = answers(err);
  if (ids.has("UNRELEASED_INSTANCE_ID")) return "unreleased";
  for (const id of ["COORDINATOR_LOAD_IN_PROGRESS", "COORDINATOR_NOT_AVAILABLE", "NOT_COORDINATOR"]) {
    if (ids.has(id)) return "coordinator";
  }
  return null;
}

/** The broker's error names (`apiId`) in an error, the errors it gathers and its causes. */
function answers(err: unknown, into = new Set<string>(), seen = new Set<unknown>()): Set<string> {
  if (err === null || typeof err !== "object" || seen.has(err)) return into;
  seen.add(err);
  const e = err as { apiId?: unknown; errors?: unknown; cause?: unknown };
  if (typeof e.apiId === "string") into.add(e.apiId);
  if (Array.isArray(e.errors)) { for (const inner of e.errors) answers(inner, into, seen); }
  answers(e.cause, into, seen);
  return into;
}

/** `join()`, tried again while the broker refuses it for a reason that passes (see the module's comment). */
export async function joinPatiently<T>(
  join: () => Promise<T>,
  log: Logger | undefined,
  member: JoiningMember,
  clock: Clock = realClock,
): Promise<T> {
  const started = clock.now();
  const warned = new Set<string>();
  let coordinatorRetries = 0;
  for (;;) {
    try {
      const joined = await join();
      if (warned.size > 0) {
        log?.info("joined the group after waiting", {
          group: member.groupId,
          waitedMs: Math.round(clock.now() - started),
        });
      }
      return joined;
    } catch (err) {
      const why = joinRefusal(err);
      if (why === null) throw err;
      const waitMs = why === "unreleased"
        ? member.releaseWaitMs ?? RELEASE_WAIT_MS
        : member.joinWaitMs ?? COORDINATOR_WAIT_MS;
      const waited = clock.now() - started;
      // The unreleased id's error already says what to do (batch_consumer.ts): it is thrown as it is.
      if (waited >= waitMs) throw why === "unreleased" ? err : coordinatorGaveUp(member, waited, err);
      if (!warned.has(why)) {
        warned.add(why);
        log?.warn(
          why === "unreleased"
            ? "the group still holds this member's group.instance.id (a killed incarnation's session has not " +
              "ended): joining again until it does"
            : "the group's coordinator is not ready (a new or restarted broker loads the group offsets): joining " +
              "again until it is",
          {
            group: member.groupId,
            ...(why === "unreleased" ? { groupInstanceId: member.groupInstanceId } : {}),
            error: errorText(err),
            waitMs,
          },
        );
      }
      const delay = why === "unreleased"
        ? RELEASE_RETRY_MS
        : Math.min(COORDINATOR_MAX_RETRY_MS, COORDINATOR_FIRST_RETRY_MS * 2 ** coordinatorRetries++);
      await new Promise<void>((r) => clock.schedule(Math.min(delay, Math.max(0, started + waitMs - clock.now())), r));
    }
  }
}

function coordinatorGaveUp(member: JoiningMember, waited: number, err: unknown): Error {
  return new Error(
    `group ${member.groupId}: its coordinator refused the join for ${(waited / 1000).toFixed(1)} s (joinWaitMs): ` +
      errorText(err),
    { cause: err },
  );
}
