/** Operator actions on a live tree, their refusals, and message tracing. */
import t from "tap";
import { kitFor } from "../helpers/kit.ts";
import { type ActorSnapshot, ControlRefused, MailboxClosed, NoSuchActor, spawn, supervise } from "../../system/mod.ts";
import { findInSnapshot, summarise } from "../../system/observe.ts";
import { counter, type CounterMsg } from "../helpers/actors.ts";

const node = (tree: ActorSnapshot, path: string) => findInSnapshot(tree, path)!;

t.test("suspend holds messages in the mailbox; resume handles them", async (t) => {
  const { sys, get } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s" });
  const a = await spawn(sup, counter("a", []), { name: "a", capacity: 8 });
  const b = await spawn(sup, counter("b", []), { name: "b", capacity: 8 });
  const after = await sys.control("/troupe/s", "suspend");
  t.equal(after.status, "suspended");
  t.same(after.children.map((c) => c.status), ["suspended", "suspended"], "a supervisor suspends its subtree");
  for (let i = 0; i < 5; i++) t.ok(a.trySend({ type: "counter.inc" }));
  b.trySend({ type: "counter.inc" });
  // A turn would run as a microtask; a macrotask later none has.
  await new Promise((r) => setImmediate(r));
  t.equal(node(sys.snapshot(), "/troupe/s/a").mailbox!.depth, 5, "nothing handled while suspended");
  await sys.control("/troupe/s/a", "resume");
  t.equal(await get(a), 5);
  t.equal(node(sys.snapshot(), "/troupe/s/b").status, "suspended", "resuming a leaves its sibling suspended");
  await sys.control("/troupe/s", "resume");
  t.equal(await get(b), 1);
  t.equal(node(sys.snapshot(), "/troupe/s").status, "running");
});

t.test("restart gives a fresh state, is not counted against the budget, and is in the history", async (t) => {
  const { sys, get } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", intensity: 1 });
  const events: { name: string; at: number }[] = [];
  const a = await spawn(sup, counter("a", events), { name: "a", capacity: 8 });
  await a.send({ type: "counter.inc" });
  for (let i = 0; i < 3; i++) {
    const after = await sys.control("/troupe/s/a", "restart");
    t.equal(after.restarts, i + 1);
    t.equal(after.status, "running");
  }
  t.equal(await get(a), 0, "fresh state");
  t.equal(events.length, 4, "init ran once more per restart");
  const s = node(sys.snapshot(), "/troupe/s");
  t.equal(s.supervision!.budgetLeft, 1, "operator restarts leave the budget alone");
  t.match(node(sys.snapshot(), "/troupe/s/a").history!.at(-1), {
    action: "operator",
    by: "operator",
    message: "restart by an operator",
  });
  const sub = await sys.control("/troupe/s", "restart");
  t.equal(sub.restarts, 1, "a subtree restarts as one");
  t.equal(node(sys.snapshot(), "/troupe/s/a").restarts, 4);
});

t.test("stop drains the actor and keeps it in the tree as stopped; senders are refused", async (t) => {
  const { sys, get } = kitFor(t);
  const a = await spawn(sys.root, counter("a", []), { name: "a", capacity: 8 });
  const b = await spawn(sys.root, counter("b", []), { name: "b", capacity: 8 });
  for (let i = 0; i < 4; i++) a.trySend({ type: "counter.inc" });
  const after = await sys.control("/troupe/a", "stop");
  t.equal(after.status, "stopped");
  t.equal(after.processed, 4, "what was queued was handled first");
  await t.rejects(a.send({ type: "counter.inc" }), MailboxClosed);
  t.equal(await get(b), 0, "its sibling goes on");
  t.equal(sys.status, "running");
});

t.test("refusals name what was wrong", async (t) => {
  const { sys } = kitFor(t);
  await spawn(sys.root, counter("a", []), { name: "a", capacity: 8 });
  await t.rejects(sys.control("/troupe", "stop"), {
    code: "TROUPE_ERR_CONTROL_REFUSED",
    message: /root supervisor; stopping it stops the node/,
  });
  await t.rejects(sys.control("/troupe", "restart"), ControlRefused);
  await t.rejects(sys.control("/troupe/nope", "restart"), NoSuchActor);
  await t.rejects(sys.control("/elsewhere/a", "restart"), NoSuchActor);
  await t.rejects(sys.control("/troupe/a/deeper", "restart"), NoSuchActor);
  // deno-lint-ignore no-explicit-any
  await t.rejects(sys.control("/troupe/a", "explode" as any), {
    message: /must be one of restart, stop, suspend, resume/,
  });
  await sys.control("/troupe/a", "stop");
  await t.rejects(sys.control("/troupe/a", "restart"), { message: "cannot restart /troupe/a: it is stopped" });
  t.throws(() => sys.startTrace("/troupe"), { message: /is a supervisor/ });
  const suspended = await sys.control("/troupe", "suspend");
  t.equal(suspended.status, "suspended", "the root may be suspended");
  await sys.control("/troupe", "resume");
  await sys.shutdown({ deadlineMs: 1000 });
  await t.rejects(sys.control("/troupe", "suspend"), { message: /the system is stopped/ });
});

t.test("a trace records summaries of the messages handled, with trace ids, and ends by itself", async (t) => {
  const { kit, sys } = kitFor(t);
  type Msg = { type: "img"; traceparent: string; bytes: Uint8Array } | { type: "bad" };
  const a = await spawn(sys.root, {
    init: () => 0,
    receive: (n: number, m: Msg) => {
      if (m.type === "bad") throw Object.assign(new Error("bad message"), { code: "E_BAD" });
      return n + 1;
    },
  }, { name: "a", capacity: 16 });
  const id = "4bf92f3577b34da6a3ce929d0e0e4736";
  const started = sys.startTrace("/troupe/a", { limit: 3 });
  t.equal(started.active, true);
  t.equal(node(sys.snapshot(), "/troupe/a").traced, true);
  await a.send({ type: "img", traceparent: `00-${id}-00f067aa0ba902b7-01`, bytes: new Uint8Array(3072) });
  await a.send({ type: "bad" });
  await kit.timePasses(1_000);
  t.ok(node(sys.snapshot(), "/troupe/a").restarts === 1, "restarted");
  await a.send({ type: "img", traceparent: "not a traceparent", bytes: new Uint8Array(10) });
  await a.send({ type: "img", traceparent: `00-${id}-00f067aa0ba902b7-01`, bytes: new Uint8Array(1) });
  await kit.timePasses(1_000);
  t.ok(node(sys.snapshot(), "/troupe/a").processed === 3, "handled");
  const report = sys.trace("/troupe/a")!;
  t.equal(report.active, false, "ended after its limit");
  t.equal(report.seen, 3);
  t.same(report.entries.map((e) => [e.type, e.outcome, e.error, e.traceIds]), [
    ["img", "ok", null, [id]],
    ["bad", "failed", "E_BAD", []],
    ["img", "ok", null, []],
  ]);
  t.equal(report.entries[0]!.bytes, 3072 + 3 + 55, "bytes and characters counted, never copied");
  t.equal(node(sys.snapshot(), "/troupe/a").traced, false);
  t.equal(sys.stopTrace("/troupe/a")!.seen, 3, "what it recorded stays readable");
});

t.test("summaries find trace ids in batches and Kafka header bytes", async (t) => {
  const tp = (n: number) => `00-${n.toString(16).padStart(32, "0")}-00f067aa0ba902b7-01`;
  const s = summarise({
    type: "batch",
    records: Array.from({ length: 300 }, (_, i) => ({ headers: { traceparent: new TextEncoder().encode(tp(i)) } })),
  });
  t.equal(s.type, "batch");
  t.equal(s.traceIds.length, 256, "at most 256 ids per entry");
  t.equal(s.traceIds[0], "0".repeat(32));
  t.equal(summarise(42).type, "number");
  t.equal(summarise(null).type, "null");
});

t.test("a stopped actor stays stopped when its supervisor restarts its siblings (one_for_all)", async (t) => {
  const { kit, sys, get } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", strategy: "one_for_all", backoff: { minMs: 1, jitter: 0 } });
  const a = await spawn(sup, counter("a", []), { name: "a", capacity: 8 });
  const b = await spawn(sup, counter("b", []), { name: "b", capacity: 8 });
  await sys.control("/troupe/s/b", "stop");
  await a.send({ type: "counter.crash" });
  await kit.timePasses(1_000);
  t.ok(node(sys.snapshot(), "/troupe/s/a").restarts === 1, "a restarted");
  t.equal(await get(a), 0);
  t.equal(node(sys.snapshot(), "/troupe/s/b").status, "stopped");
  t.equal(node(sys.snapshot(), "/troupe/s/b").restarts, 0);
  t.equal(b.trySend({ type: "counter.inc" }), false, "its mailbox stays closed");
});

t.test("suspending a subtree returns while a handler is still blocked on a suspended sibling", async (t) => {
  const { kit, sys, get } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s" });
  const sink = await spawn(sup, counter("sink", []), { name: "sink", capacity: 1 });
  const relay = await spawn(sup, {
    init: () => 0,
    receive: async (n: number, m: CounterMsg, ctx) => {
      await sink.send(m, { signal: ctx.signal });
      return n + 1;
    },
  }, { name: "relay", capacity: 8 });
  await sys.control("/troupe/s/sink", "suspend");
  for (let i = 0; i < 3; i++) relay.trySend({ type: "counter.inc" });
  await kit.timePasses(1_000);
  t.ok(node(sys.snapshot(), "/troupe/s/sink").mailbox!.waitingSenders === 1, "relay blocked on the full sink");
  const after = await sys.control("/troupe/s", "suspend");
  t.same(after.children.map((c) => c.status), ["suspended", "suspended"]);
  await sys.control("/troupe/s", "resume");
  await kit.timePasses(1_000);
  t.ok(node(sys.snapshot(), "/troupe/s/sink").processed === 3, "all three relayed once resumed");
  t.equal(await get(sink), 3);
});
