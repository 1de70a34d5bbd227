/** The runtime's unit tests on troupe/testkit: a kit per test, and a pause on its virtual clock. */
import type { ActorRef, SupervisorProps } from "../../system/mod.ts";
import { createTestKit, type TestKit } from "../../system/testkit.ts";
import { type CounterMsg, countOf } from "./actors.ts";

/**
 * A test kit whose root is named "troupe" (the paths the tests name), shut down with the
 * test; `root` is the root supervisor's budget; `get` asks a counter (helpers/actors.ts)
 * on the kit's clock.
 */
export function kitFor(t: { teardown(fn: () => unknown): void }, root?: Omit<SupervisorProps, "name" | "restart">) {
  const kit = createTestKit({ name: "troupe", ...(root ? { root } : {}) });
  t.teardown(() => kit.shutdown());
  const get = (ref: ActorRef<CounterMsg>) => kit.result(countOf(ref, 1000), 1000);
  return { kit, sys: kit.system, get };
}

/** Resolves after `ms` of the kit's virtual time (a handler's stand-in for slow work). */
export const pause = (kit: TestKit, ms: number): Promise<void> => new Promise<void>((r) => kit.clock.schedule(ms, r));
