// troupe/testkit: the virtual clock drives timers, restart backoff and ask deadlines; probes expect on it; a
// behaviour runs alone with its state, incarnations, handovers and dead letters in view. No real time is waited.
import t from "tap";
import { type ActorContext, type ActorRef, ask, type Behaviour, spawn, supervise } from "../../system/mod.ts";
import { createTestKit } from "../../system/testkit.ts";
import { counter, type CounterMsg } from "../helpers/actors.ts";

type TickMsg = { type: "start"; everyMs: number; to: ActorRef<number> } | { type: "tick" };

const ticker: Behaviour<TickMsg, { to: ActorRef<number> | null; n: number }> = {
  init: () => ({ to: null, n: 0 }),
  receive: (s, msg, ctx: ActorContext<TickMsg>) => {
    if (msg.type === "start") {
      ctx.timers.startPeriodic("tick", msg.everyMs, { type: "tick" });
      return { to: msg.to, n: 0 };
    }
    s.to?.trySend(++s.n);
    return s;
  },
};

t.test("timers fire at their virtual times, and only when time passes", async (t) => {
  const kit = createTestKit();
  t.teardown(() => kit.shutdown());
  const ticks = kit.probe<number>("ticks");
  const run = await kit.run(ticker);
  await run.send({ type: "start", everyMs: 30, to: ticks });
  await ticks.expectNoMessage();
  await kit.timePasses(29);
  await ticks.expectNoMessage();
  await kit.timePasses(1);
  await ticks.expectMessage(1);
  t.equal(kit.now, 30);
  // withinMs lets time pass up to the next message: the second tick comes at 60.
  await ticks.expectMessage(2, { withinMs: 100 });
  t.equal(kit.now, 60, "time stopped where the message came");
  await kit.within(90, 90, () => ticks.receiveMessages(3, { withinMs: 30 }));
  t.same(ticks.received, [1, 2, 3, 4, 5]);
  t.equal(run.state?.n, 5, "the state is in view");
});

t.test("restart backoff doubles on virtual time, exactly (no jitter)", async (t) => {
  const kit = createTestKit();
  t.teardown(() => kit.shutdown());
  const events: { name: string; at: number }[] = [];
  const sup = await supervise(kit.system.root, {
    name: "s",
    intensity: 10,
    backoff: { minMs: 40, maxMs: 10_000, jitter: 0 },
  });
  const a = await spawn(sup, counter("a", events, () => kit.now), { name: "a", capacity: 10 });
  const crashedAt: number[] = [];
  for (let i = 0; i < 4; i++) {
    crashedAt.push(kit.now);
    a.trySend({ type: "counter.crash" });
    await kit.settle();
    const due = 40 * 2 ** i;
    await kit.timePasses(due - 1);
    t.equal(events.length, i + 1, `restart ${i + 1} not before ${due} ms`);
    await kit.timePasses(1);
    t.equal(events.length, i + 2, `restart ${i + 1} at ${due} ms`);
  }
  t.same(events.slice(1).map((e, i) => e.at - crashedAt[i]!), [40, 80, 160, 320], "40, 80, 160, 320 ms");
});

t.test("an ask times out at its deadline on the virtual clock, not before", async (t) => {
  const kit = createTestKit();
  t.teardown(() => kit.shutdown());
  const silent = await spawn(kit.system.root, { init: () => null, receive: (s: null) => s }, {
    name: "silent",
    capacity: 1,
  });
  let outcome: unknown = "pending";
  ask(silent, () => null, { timeoutMs: 50 }).then((v) => (outcome = v), (e) => (outcome = e));
  await kit.timePasses(49);
  t.equal(outcome, "pending", "still waiting at 49 ms");
  await kit.timePasses(1);
  t.match(outcome, { name: "AskTimeout", code: "TROUPE_ERR_ASK_TIMEOUT", timeoutMs: 50, path: "/test/silent" });
});

t.test("a probe's expectations name what came instead", async (t) => {
  const kit = createTestKit();
  t.teardown(() => kit.shutdown());
  const p = kit.probe<{ n: number }>("p");
  await t.rejects(p.expectMessage({ n: 1 }), { message: "/probe/p: expected { n: 1 }, got none (virtual time 0 ms)" });
  p.trySend({ n: 2 });
  await t.rejects(p.expectNoMessage(), { message: "/probe/p: expected no message, got { n: 2 }" });
  await t.rejects(p.expectMessage({ n: 1 }), { message: "/probe/p: expected { n: 1 }, got { n: 2 }" });
  p.trySend({ n: 3 });
  t.same(await p.expectMessage((m) => m.n > 2), { n: 3 }, "a predicate");
  await t.rejects(kit.within(10, 20, () => kit.timePasses(5)), {
    message: "within: the block took 5 ms of virtual time, expected 10 to 20 ms",
  });
});

type Batch = { type: "add"; n: number } | { type: "crash" };

t.test("a behaviour alone: its state, incarnations, what it handed over, what it threw, its dead letters", async (t) => {
  const kit = createTestKit();
  t.teardown(() => kit.shutdown());
  const batcher: Behaviour<Batch, { items: number[] }, number[]> = {
    init: (_ctx, carried) => ({ items: [...(carried ?? [])] }),
    receive: (s, msg) => {
      if (msg.type === "crash") throw new Error("crashed on purpose");
      s.items.push(msg.n);
      return s;
    },
    handover: (s) => (s.items.length > 0 ? s.items : undefined),
  };
  const run = await kit.run(batcher, { supervisor: { backoff: { minMs: 10, jitter: 0 } } });
  await run.send({ type: "add", n: 1 });
  await run.send({ type: "add", n: 2 });
  t.same(run.state, { items: [1, 2] });
  await run.send({ type: "crash" });
  t.equal(run.failures.length, 1);
  t.match(run.failures[0], { message: "crashed on purpose" });
  t.same(run.handedOver, [[1, 2]], "what the ending incarnation passed on");
  await kit.timePasses(10);
  t.same(run.incarnations, [{ atMs: 0, carried: undefined }, { atMs: 10, carried: [1, 2] }], "restarted at 10 ms");
  t.same(run.state, { items: [1, 2] }, "nothing lost");
  await run.stop();
  await run.send({ type: "add", n: 3 });
  t.same(run.deadLetters, [{ msg: { type: "add", n: 3 }, reason: "closed", atMs: 10 }]);
  t.ok(kit.logged("restarting", "warn").length === 1, "the restart was logged");
});

t.test("a counter answers a probe given as its reply address", async (t) => {
  const kit = createTestKit();
  t.teardown(() => kit.shutdown());
  const replies = kit.probe<number>();
  const run = await kit.run<CounterMsg, { n: number }>(counter("c", [], () => kit.now));
  await run.send({ type: "counter.inc" });
  await run.send({ type: "counter.get", replyTo: replies });
  await replies.expectMessage(1);
  t.equal(await run.ask<number>((replyTo) => ({ type: "counter.get", replyTo })), 1, "or asked");
});
