// Supervision on the test kit's virtual clock: backoff, budgets and ask deadlines move only when the test moves
// time, and kit.settle() lets the actors react; nothing waits on real time.
import t, { type Test } from "tap";
import { kitFor as sharedKit } from "../helpers/kit.ts";
import { ask, spawn, supervise } from "../../system/mod.ts";
import { findInSnapshot } from "../../system/observe.ts";
import type { ActorContext, ActorRef, ActorSystem, SupervisorProps } from "../../system/mod.ts";
import { createTestKit, type TestKit } from "../../system/testkit.ts";
import { counter, type CounterMsg } from "../helpers/actors.ts";

/** Restarts 1 ms after a failure, at most 5 ms. */
const fast = { backoff: { minMs: 1, maxMs: 5, jitter: 0 } };
const restartsOf = (sys: ActorSystem, path: string) => findInSnapshot(sys.snapshot(), path)?.restarts ?? -1;

/** A kit whose root has no restart budget unless `root` gives one. */
const kitFor = (t: Test, root: Omit<SupervisorProps, "name" | "restart"> = { intensity: 0 }) => sharedKit(t, root);

/** Past any `fast` backoff: the restarts due have happened. */
const restartsDone = (kit: TestKit) => kit.timePasses(5);

t.test("a crashing child is restarted with fresh state and its mailbox kept", async (t) => {
  const { kit, sys, get } = kitFor(t);
  const events: { name: string; at: number }[] = [];
  const sup = await supervise(sys.root, { name: "s", ...fast });
  const a = await spawn(sup, counter("a", events, () => kit.now), { name: "a", capacity: 10 });
  await a.send({ type: "counter.inc" });
  await a.send({ type: "counter.inc" });
  await a.send({ type: "counter.crash" });
  await a.send({ type: "counter.inc" }); // queued behind the crash: kept by default
  t.equal(await get(a), 1, "state is fresh (0) and the queued inc was kept");
  t.same(events.map((e) => e.at), [0, 1], "restarted after the 1 ms backoff");
  t.equal(events.length, 2, "init ran twice");
  const snap = findInSnapshot(sys.snapshot(), "/troupe/s/a");
  t.equal(snap?.restarts, 1);
  t.equal(snap?.failures, 1);
  t.equal(snap?.status, "running");
  t.match(snap?.lastError?.message, "a crashed on purpose");
});

t.test("keepMailboxOnRestart: false drops what was queued at the crash", async (t) => {
  const { kit, sys, get } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", ...fast });
  const a = await spawn(sup, counter("a", []), { name: "a", capacity: 10, keepMailboxOnRestart: false });
  // The crash and the incs are queued before the actor runs, so all three incs are behind the crash.
  a.trySend({ type: "counter.crash" });
  a.trySend({ type: "counter.inc" });
  a.trySend({ type: "counter.inc" });
  a.trySend({ type: "counter.inc" });
  await restartsDone(kit);
  t.equal(restartsOf(sys, "/troupe/s/a"), 1);
  t.equal(await get(a), 0);
  t.equal(findInSnapshot(sys.snapshot(), "/troupe/s/a")?.mailbox?.dropped, 3);
});

t.test("budget exhaustion escalates to the parent, which restarts the subtree", async (t) => {
  const { kit, sys, get } = kitFor(t, { intensity: 5, ...fast });
  const events: { name: string; at: number }[] = [];
  const sup = await supervise(sys.root, { name: "s", intensity: 2, periodMs: 60_000, ...fast });
  const a = await spawn(sup, counter("a", events), { name: "a", capacity: 10 });
  for (let i = 0; i < 2; i++) {
    await a.send({ type: "counter.crash" });
    await restartsDone(kit);
    t.equal(restartsOf(sys, "/troupe/s/a"), i + 1, `restart ${i + 1}`);
  }
  t.equal(restartsOf(sys, "/troupe/s"), 0, "within budget the supervisor handles it");
  await a.send({ type: "counter.crash" });
  await restartsDone(kit);
  t.equal(restartsOf(sys, "/troupe/s"), 1, "escalation restarts the supervisor");
  const s = findInSnapshot(sys.snapshot(), "/troupe/s");
  t.equal(s?.failures, 1);
  t.equal(s?.lastError?.code, "TROUPE_ERR_ESCALATED");
  t.equal(await get(a), 0, "the subtree runs again with fresh state");
  t.equal(events.length, 4);
  t.equal(sys.status, "running");
});

t.test("when the root gives up the system fails and tells its give-up handlers", async (t) => {
  const { kit, sys } = kitFor(t);
  const gaveUp: unknown[] = [];
  sys.onGiveUp((err) => gaveUp.push(err));
  const sup = await supervise(sys.root, { name: "s", intensity: 0, ...fast });
  const a = await spawn(sup, counter("a", []), { name: "a", capacity: 10 });
  await a.send({ type: "counter.crash" });
  await kit.settle();
  t.equal(gaveUp.length, 1, "the root gave up");
  t.equal(sys.status, "failed");
  t.equal(sys.ready, false);
  t.match((gaveUp[0] as Error).message, /\/troupe\/s gave up/);
  t.equal(findInSnapshot(sys.snapshot(), "/troupe/s/a")?.status, "failed");
});

t.test("a programming error escalates at once, whatever the budget", async (t) => {
  const { kit, sys } = kitFor(t, { intensity: 5, ...fast });
  const sup = await supervise(sys.root, { name: "s", intensity: 100, ...fast });
  const a = await spawn(sup, counter("a", []), { name: "a", capacity: 10 });
  await a.send({ type: "counter.crash", error: new TypeError("x is not a function") });
  await kit.settle();
  t.equal(restartsOf(sys, "/troupe/s"), 0, "no restart before the root's backoff");
  await restartsDone(kit);
  t.equal(restartsOf(sys, "/troupe/s"), 1, "the supervisor restarted by its parent");
  t.equal(restartsOf(sys, "/troupe/s/a"), 1, "the child came back once, with its supervisor");
});

for (
  const [strategy, expected] of [
    ["one_for_one", ["b"]],
    ["one_for_all", ["c", "b", "a"].reverse()],
    ["rest_for_one", ["b", "c"]],
  ] as const
) {
  t.test(`${strategy} restarts ${expected.join(", ")}`, async (t) => {
    const { kit, sys, get } = kitFor(t);
    const events: { name: string; at: number }[] = [];
    const sup = await supervise(sys.root, { name: "s", strategy, ...fast });
    const refs: Record<string, ActorRef<CounterMsg>> = {};
    for (const name of ["a", "b", "c"]) {
      refs[name] = await spawn(sup, counter(name, events), { name, capacity: 10 });
      await refs[name].send({ type: "counter.inc" });
    }
    events.length = 0;
    await refs["b"]!.send({ type: "counter.crash" });
    await restartsDone(kit);
    t.same(events.map((e) => e.name), expected, "restarted children, in start order");
    for (const name of ["a", "b", "c"]) {
      const restarted = (expected as readonly string[]).includes(name);
      t.equal(await get(refs[name]!), restarted ? 0 : 1, `${name} ${restarted ? "has fresh" : "kept its"} state`);
      t.equal(restartsOf(sys, `/troupe/s/${name}`), restarted ? 1 : 0);
    }
  });
}

t.test("backoff doubles between restarts: 40, 80, 160, 320 ms of virtual time", async (t) => {
  const { kit, sys } = kitFor(t);
  const events: { name: string; at: number }[] = [];
  const sup = await supervise(sys.root, { name: "s", intensity: 10, backoff: { minMs: 40, maxMs: 10_000, jitter: 0 } });
  const a = await spawn(sup, counter("a", events, () => kit.now), { name: "a", capacity: 10 });
  const crashes: number[] = [];
  for (let i = 1; i <= 4; i++) {
    crashes.push(kit.now);
    await a.send({ type: "counter.crash" });
    await kit.timePasses(40 * 2 ** (i - 1) - 1);
    t.equal(events.length, i, `restart ${i}: not 1 ms early`);
    await kit.timePasses(1);
    t.equal(events.length, i + 1, `restart ${i}: on time`);
  }
  t.same(events.slice(1).map((e, i) => e.at - crashes[i]!), [40, 80, 160, 320]);
});

t.test("jitter spreads a delay by its fraction either way (the kit's random is 0.5: none)", async (t) => {
  for (const [r, expected] of [[0, 80], [0.5, 100], [1, 120]] as const) {
    const random = () => r;
    const kit = createTestKit({ name: "troupe", root: { intensity: 0 } });
    t.teardown(() => kit.shutdown());
    const events: { name: string; at: number }[] = [];
    const sup = await supervise(kit.system.root, { name: "s", backoff: { minMs: 100, jitter: 0.2 }, random });
    const a = await spawn(sup, counter("a", events, () => kit.now), { name: "a", capacity: 10 });
    await a.send({ type: "counter.crash" });
    await kit.timePasses(200);
    t.equal(events[1]?.at, expected, `random ${r}: restarted at ${expected} ms`);
  }
});

t.test("a temporary child is removed after a failure, not restarted", async (t) => {
  const { kit, sys } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", ...fast });
  const a = await spawn(sup, counter("a", []), { name: "a", capacity: 10, restart: "temporary" });
  await a.send({ type: "counter.crash" });
  await kit.settle();
  t.equal(findInSnapshot(sys.snapshot(), "/troupe/s/a"), undefined, "removed");
  await t.rejects(a.send({ type: "counter.inc" }), { code: "TROUPE_ERR_MAILBOX_CLOSED" });
});

t.test("init failure at spawn rejects and leaves no child behind", async (t) => {
  const { sys } = kitFor(t);
  await t.rejects(
    spawn(sys.root, {
      init: () => {
        throw new Error("cannot connect");
      },
      receive: (s) => s,
    }, { name: "x", capacity: 1 }),
    { message: "cannot connect" },
  );
  t.equal(sys.snapshot().children.length, 0);
  await t.rejects(spawn(sys.root, counter("d", []), { name: "d", capacity: 1, overflow: "dropOldest" }), {
    code: "TROUPE_ERR_INVALID_SPEC",
  });
});

t.test("ask rejects with a typed AskTimeout when no reply comes", async (t) => {
  const { kit, sys } = kitFor(t);
  const silent = await spawn(sys.root, { init: () => null, receive: (s: null) => s }, { name: "silent", capacity: 1 });
  const asked = ask(silent, () => null, { timeoutMs: 50 });
  await t.rejects(
    kit.result(asked, 49),
    { message: /still pending after 49 ms/ },
    "no answer, no timeout yet at 49 ms",
  );
  await t.rejects(kit.result(asked, 1), {
    code: "TROUPE_ERR_ASK_TIMEOUT",
    name: "AskTimeout",
    timeoutMs: 50,
    path: "/troupe/silent",
  });
  t.equal(kit.now, 50, "timed out at 50 ms");
});

t.test("each incarnation's signal is aborted when it ends, even when first read afterwards", async (t) => {
  const { kit, sys } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", ...fast });
  type Msg = { type: "crash" } | { type: "ctx"; replyTo: ActorRef<ActorContext<Msg>> };
  const a = await spawn<Msg, null>(sup, {
    init: () => null,
    receive: (state, msg, ctx) => {
      if (msg.type === "crash") throw new Error("crashed on purpose");
      msg.replyTo.trySend(ctx);
      return state;
    },
  }, { name: "a", capacity: 10 });
  const ctxOf = () =>
    kit.result(ask<Msg, ActorContext<Msg>>(a, (replyTo) => ({ type: "ctx", replyTo }), { timeoutMs: 1000 }), 1000);
  const readEarly = await ctxOf();
  const early = readEarly.signal;
  const unread = await ctxOf(); // the same incarnation; its signal not read before it ends
  t.equal(unread, readEarly, "one context per incarnation");
  await a.send({ type: "crash" });
  await restartsDone(kit);
  t.equal(restartsOf(sys, "/troupe/s/a"), 1);
  t.ok(early.aborted, "a signal read during the incarnation is aborted when it ends");
  t.ok(unread.signal.aborted, "a signal first read after the incarnation ended is already aborted");
  const next = await ctxOf();
  t.not(next, readEarly, "the next incarnation has its own context");
  t.notOk(next.signal.aborted, "and a live signal");
  t.equal(next.log, readEarly.log, "the actor's logger is made once and kept across incarnations");
});

t.test("a restart does not wait forever on a sibling blocked sending to the failed actor (rest_for_one)", async (t) => {
  const { kit, sys } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", strategy: "rest_for_one", ...fast });
  let fail!: (err: Error) => void;
  const gate = new Promise<never>((_, reject) => (fail = reject));
  gate.catch(() => {});
  // a: its first message waits on the gate, then fails; its mailbox (capacity 1) stays full meanwhile.
  let first = true;
  const a = await spawn<string, null>(sup, {
    init: () => null,
    receive: async (s) => {
      if (first) {
        first = false;
        await gate;
      }
      return s;
    },
  }, { name: "a", capacity: 1 });
  // b: sends to a with its incarnation's signal, so it blocks while a's mailbox is full.
  const b = await spawn<string, null>(sup, {
    init: () => null,
    receive: async (s, msg, ctx) => {
      await a.send(msg, { signal: ctx.signal });
      return s;
    },
  }, { name: "b", capacity: 4 });
  await a.send("slow");
  await a.send("fills the mailbox");
  await b.send("blocked");
  await kit.settle();
  t.equal(findInSnapshot(sys.snapshot(), "/troupe/s/b")?.mailbox?.depth, 0, "b took its message and blocked sending");
  fail(new Error("a failed on purpose"));
  await restartsDone(kit);
  t.equal(restartsOf(sys, "/troupe/s/a"), 1, "a restarted");
  t.equal(restartsOf(sys, "/troupe/s/b"), 1, "b restarted");
  const bSnap = findInSnapshot(sys.snapshot(), "/troupe/s/b");
  t.equal(bSnap?.failures, 0, "b's send, aborted because its incarnation ended, is not a failure of b");
  t.equal(bSnap?.status, "running");
});

t.test("once the system shuts down, a supervisor restarts nothing (its turn to stop has not come yet)", async (t) => {
  const kit = createTestKit({ name: "troupe", root: { intensity: 5, ...fast } });
  const sys = kit.system;
  const events: { name: string; at: number }[] = [];
  // Started first, so stopped last: still running while 'later' stops.
  const early = await supervise(sys.root, { name: "early", ...fast });
  const x = await spawn(early, counter("x", events), { name: "x", capacity: 10 });
  const later = await supervise(sys.root, { name: "later", ...fast });
  let crashed: Promise<void> = Promise.resolve();
  await spawn(later, {
    init: () => ({}),
    receive: (s: Record<string, never>) => s,
    // While it stops, the process x stands for dies (as a broker's JVM killed by the same Ctrl-C).
    stop: async () => {
      crashed = x.send({ type: "counter.crash" });
      await crashed;
      // Until its supervisor acted on the failure: restarted it (past the backoff), or decided not to.
      await kit.timePasses(5);
    },
  }, { name: "y", capacity: 10 });
  await sys.shutdown({ deadlineMs: 2000 });
  await crashed;
  t.equal(events.length, 1, "x's init ran once: no restart during the shutdown");
  const snap = findInSnapshot(sys.snapshot(), "/troupe/early/x");
  t.equal(snap?.restarts, 0);
  t.match(snap?.history, [{
    action: "none",
    message: "x crashed on purpose (not restarted: the system is shutting down)",
  }]);
  t.equal(snap?.status, "stopped");
  t.equal(sys.status, "stopped");
});
