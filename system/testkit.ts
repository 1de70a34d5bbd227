/**
 * `troupe/testkit`: testing actors without waiting on real time (Akka's ActorTestKit,
 * TestProbe and ManualTime in one).
 *
 * - {@link createTestKit} starts an actor system on a virtual clock: actor timers,
 *   restart backoff, restart budget windows and `ask` deadlines move only when the
 *   test calls `kit.timePasses(ms)`; `kit.settle()` lets the actors handle what they
 *   were sent; `kit.within(min, max, block)` checks the virtual time a block took.
 * - `kit.probe<M>()` is a reference that records what it is sent, with
 *   `expectMessage(expected?, { withinMs })`, `expectNoMessage(forMs?)` and
 *   `receiveMessages(n)`.
 * - `kit.run(behaviour)` runs one behaviour alone and shows its state, its
 *   incarnations, what it handed over, what it threw and the messages it refused.
 *
 * @example
 * ```ts
 * import { createTestKit } from "troupe/testkit";
 *
 * const kit = createTestKit();
 * const replies = kit.probe<number>();
 * const run = await kit.run(counter);
 * await run.send({ type: "add", n: 2 });
 * await run.send({ type: "get", replyTo: replies });
 * await replies.expectMessage(2);
 * await kit.shutdown();
 * ```
 * @module
 */
export { createTestKit, type LoggedLine, TestKit, type TestKitOptions } from "./test_kit.ts";
export { type Expected, type ExpectOptions, TestProbe } from "./test_probe.ts";
export { type BehaviourRun, type DeadLetter, type IncarnationRecord, type RunOptions } from "./behaviour_run.ts";
export { ManualClock } from "./clock.ts";
