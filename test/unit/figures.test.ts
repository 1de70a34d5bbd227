/**
 * The runtime's per-actor figures: mailbox high-water mark and sampled wait,
 * sampled processing time, restart history, and each supervisor's budget.
 */
import t from "tap";
import { kitFor, pause } from "../helpers/kit.ts";
import { type ActorSnapshot, spawn, supervise } from "../../system/mod.ts";
import { Mailbox } from "../../system/mailbox.ts";
import { findInSnapshot, histogramQuantile } from "../../system/observe.ts";
import { counter, countOf } from "../helpers/actors.ts";

const node = (tree: ActorSnapshot, path: string) => findInSnapshot(tree, path)!;

t.test("a mailbox keeps the high-water mark its owner notes, and counts the depth it is read at", async (t) => {
  const mb = new Mailbox<number>("/m", { capacity: 10 });
  for (let i = 0; i < 7; i++) mb.trySend(i);
  mb.noteDepth();
  for (let i = 0; i < 5; i++) mb.shift();
  mb.trySend(7);
  t.equal(mb.stats().depth, 3);
  t.equal(mb.stats().highWater, 7);
  for (let i = 0; i < 6; i++) mb.trySend(i);
  t.equal(mb.stats().highWater, 9, "the depth at the time of reading");
});

t.test("an actor's high-water mark: the deepest its mailbox was when a turn began", async (t) => {
  const { kit, sys } = kitFor(t);
  const ref = await spawn(sys.root, counter("a", []), { name: "a", capacity: 50 });
  for (let i = 0; i < 40; i++) ref.trySend({ type: "counter.inc" });
  await kit.settle();
  t.equal(node(sys.snapshot(), "/troupe/a").processed, 40);
  t.equal(node(sys.snapshot(), "/troupe/a").mailbox!.highWater, 40);
  t.equal(node(sys.snapshot(), "/troupe/a").mailbox!.depth, 0);
});

t.test("a mailbox times the wait of about one message in 64 to 191", async (t) => {
  const mb = new Mailbox<number>("/m", { capacity: 100 });
  for (let round = 0; round < 100; round++) {
    for (let i = 0; i < 100; i++) mb.trySend(i);
    while (mb.shift() !== undefined);
  }
  const wait = mb.stats().wait!;
  t.ok(wait.count >= Math.floor(10_000 / 191) && wait.count <= Math.ceil(10_000 / 64), `${wait.count} timed`);
});

t.test("time spent in a mailbox is measured: messages held by a paused actor wait as long as the pause", async (t) => {
  const { kit, sys } = kitFor(t);
  const ref = await spawn(sys.root, counter("a", []), { name: "a", capacity: 400 });
  await sys.control("/troupe/a", "suspend");
  for (let i = 0; i < 400; i++) ref.trySend({ type: "counter.inc" });
  await kit.timePasses(80); // the pause, on the system's (virtual) clock
  await sys.control("/troupe/a", "resume");
  await kit.settle();
  t.equal(node(sys.snapshot(), "/troupe/a").processed, 400);
  const wait = node(sys.snapshot(), "/troupe/a").mailbox!.wait!;
  // One message is timed at a time: the next probe starts once the timed one is out.
  t.equal(wait.count, 1, "one wait timed across the pause");
  // Buckets are powers of two of a microsecond: a wait of 80 ms lands in the one from 65.5 to 131.1 ms.
  const q = histogramQuantile(wait, 0.5)!;
  t.ok(q > 0.065536 && q <= 0.131072, `80 ms: in the 65.5-131.1 ms bucket (p50 ${q} s)`);
});

t.test("processing time: every traced message is timed; untraced ones one turn in 32 to 95", async (t) => {
  const { kit, sys } = kitFor(t);
  const slow = await spawn(sys.root, {
    init: () => 0,
    receive: async (n: number) => {
      await pause(kit, 10);
      return n + 1;
    },
  }, { name: "slow", capacity: 20 });
  sys.startTrace("/troupe/slow");
  for (let i = 0; i < 12; i++) await slow.send(i);
  await kit.timePasses(120);
  t.equal(node(sys.snapshot(), "/troupe/slow").processed, 12, "12 messages of 10 ms in 120 ms");
  const p = node(sys.snapshot(), "/troupe/slow").processing!;
  t.equal(p.count, 12);
  const q = histogramQuantile(p, 0.5)!;
  t.ok(q > 0.008192 && q <= 0.016384, `10 ms each: in the 8.2-16.4 ms bucket (p50 ${q} s)`);

  const fast = await spawn(sys.root, { init: () => 0, receive: (n: number) => n + 1 }, {
    name: "fast",
    capacity: 4000,
    throughput: 1,
  });
  for (let i = 0; i < 4000; i++) fast.trySend(i);
  await kit.settle();
  t.equal(node(sys.snapshot(), "/troupe/fast").processed, 4000);
  const f = node(sys.snapshot(), "/troupe/fast").processing!;
  t.ok(f.count >= Math.floor(4000 / 95) - 1 && f.count <= Math.ceil(4000 / 32) + 1, `${f.count} of 4000 timed`);
});

t.test("restart history: each failure with its code and what the supervisor did; the budget left", async (t) => {
  const { kit, sys } = kitFor(t);
  const sup = await supervise(sys.root, {
    name: "s",
    strategy: "one_for_all",
    intensity: 2,
    periodMs: 60_000,
    backoff: { minMs: 5, maxMs: 1000, jitter: 0 },
  });
  const a = await spawn(sup, counter("a", []), { name: "a", capacity: 4 });
  await spawn(sup, counter("b", []), { name: "b", capacity: 4 });
  const crash = (code: string) =>
    a.send({ type: "counter.crash", error: Object.assign(new Error(`boom ${code}`), { code }) });
  await crash("E_ONE");
  await kit.timePasses(5);
  t.equal(node(sys.snapshot(), "/troupe/s/a").restarts, 1, "restarted after its 5 ms backoff");
  let s = node(sys.snapshot(), "/troupe/s");
  t.same(s.supervision, {
    strategy: "one_for_all",
    intensity: 2,
    periodMs: 60_000,
    restartsInWindow: 1,
    budgetLeft: 1,
    nextBackoffMs: 10,
  });
  const h = node(sys.snapshot(), "/troupe/s/a").history!;
  t.equal(h.length, 1);
  t.match(h[0], {
    code: "E_ONE",
    message: "boom E_ONE",
    action: "restart",
    by: "/troupe/s",
    restarted: ["/troupe/s/a", "/troupe/s/b"],
    backoffMs: 5,
  });
  t.same(node(sys.snapshot(), "/troupe/s/b").history, [], "b was restarted, but did not fail");
  await crash("E_TWO");
  await kit.timePasses(10);
  t.equal(node(sys.snapshot(), "/troupe/s/a").restarts, 2, "again after 10 ms");
  s = node(sys.snapshot(), "/troupe/s");
  t.equal(s.supervision!.budgetLeft, 0);
  await crash("E_THREE");
  await kit.timePasses(1_000);
  t.equal(sys.status, "running");
  t.equal(node(sys.snapshot(), "/troupe/s").failures, 1, "escalated: the supervisor failed once");
  const last = node(sys.snapshot(), "/troupe/s/a").history!.at(-1)!;
  t.match(last, { code: "E_THREE", action: "escalate", backoffMs: null });
  t.match(node(sys.snapshot(), "/troupe/s").history!.at(-1), { code: "TROUPE_ERR_ESCALATED", action: "restart" });
});

t.test("a restart keeps the counts and the history; the state is fresh", async (t) => {
  const { kit, sys } = kitFor(t);
  const a = await spawn(sys.root, counter("a", []), { name: "a", capacity: 4 });
  for (let i = 0; i < 3; i++) await a.send({ type: "counter.inc" });
  await a.send({ type: "counter.crash" });
  await kit.timePasses(100); // the root's first backoff
  t.equal(node(sys.snapshot(), "/troupe/a").status, "running");
  t.equal(node(sys.snapshot(), "/troupe/a").restarts, 1);
  t.equal(await kit.result(countOf(a)), 0, "fresh state");
  const n = node(sys.snapshot(), "/troupe/a");
  t.equal(n.processed, 4, "three incs and one get");
  t.equal(n.history!.length, 1);
  t.equal(n.mailbox!.accepted, 5);
});
