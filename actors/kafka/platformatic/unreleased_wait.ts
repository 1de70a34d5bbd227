/**
 * Under the consumer group protocol (KIP-848) a static member killed without
 * leaving keeps its group.instance.id until its session ends (the broker's
 * `group.consumer.session.timeout.ms`, 45 s by default), and its restart is
 * refused with UNRELEASED_INSTANCE_ID until then (the classic protocol hands the
 * id to the newcomer at once). The restart joins again every second, up to a
 * minute by default, instead of failing its actor into a restart loop.
 */
import type { Logger } from "../../../system/mod.ts";
import { errorText } from "./records.ts";

const WAIT_MS = 60_000;
const RETRY_MS = 1_000;

/** `join()`, tried again while the broker refuses the instance id as still held; other errors at once. */
export async function joinWhenReleased<T>(
  join: () => Promise<T>,
  log: Logger | undefined,
  member: { groupId: string; groupInstanceId?: string; releaseWaitMs?: number },
): Promise<T> {
  const started = Date.now();
  const waitMs = member.releaseWaitMs ?? WAIT_MS;
  for (let attempt = 0;; attempt++) {
    try {
      return await join();
    } catch (err) {
      const unreleased = /UNRELEASED_INSTANCE_ID/.test(errorText((err as { cause?: unknown }).cause ?? err));
      if (!unreleased || Date.now() - started >= waitMs) throw err;
      if (attempt === 0) {
        log?.warn(
          "the group still holds this member's group.instance.id (a killed incarnation's session has not ended): " +
            "joining again until it does",
          { group: member.groupId, groupInstanceId: member.groupInstanceId, waitMs },
        );
      }
      await new Promise((r) => setTimeout(r, Math.min(RETRY_MS, Math.max(0, started + waitMs - Date.now()))));
    }
  }
}
