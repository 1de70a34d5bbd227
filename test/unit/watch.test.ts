// Death watch (ActorContext.watch), on the test kit's virtual clock: a watcher is told each time an incarnation of
// the watched actor ends (a restart, saying whether it handed something over) and when it stops for good; the watch
// ends with the watcher's incarnation or an unwatch; a ref that is no actor is refused.
import t from "tap";
import { kitFor } from "../helpers/kit.ts";
import { counter, type CounterMsg } from "../helpers/actors.ts";
import {
  type ActorRef,
  type Behaviour,
  type IncarnationEnded,
  InvalidSpec,
  spawn,
  stateless,
  supervise,
} from "../../system/mod.ts";
import type { TestProbe } from "../../system/testkit.ts";

type WatcherMsg =
  | { type: "watch"; ref: ActorRef<unknown> }
  | { type: "unwatch"; ref: ActorRef<unknown> }
  | { type: "crash" }
  | { type: "ended"; ended: IncarnationEnded };

/** An actor that watches what it is told to and forwards what it hears to `probe`. */
function watcher(probe: TestProbe<IncarnationEnded>): Behaviour<WatcherMsg, undefined> {
  return stateless<WatcherMsg>((msg, ctx) => {
    if (msg.type === "watch") ctx.watch(msg.ref, (ended) => ({ type: "ended", ended }));
    else if (msg.type === "unwatch") ctx.unwatch(msg.ref);
    else if (msg.type === "crash") throw new Error("watcher crashed on purpose");
    else probe.trySend(msg.ended);
  });
}

/** A counter that hands its count over when it is at least `carryFrom`. */
function carrying(carryFrom: number): Behaviour<CounterMsg, { n: number }, number> {
  const base = counter("carrying", []);
  return {
    ...base,
    init: (_ctx, carried) => ({ n: carried ?? 0 }),
    handover: (s) => (s.n >= carryFrom ? s.n : undefined),
  };
}

const noBackoff = { backoff: { minMs: 0, maxMs: 0, jitter: 0 }, intensity: 10 };

t.test("told of each restart, whether it carried something, and of the stop; nothing after the stop", async (t) => {
  const { kit, sys } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", ...noBackoff });
  const probe = kit.probe<IncarnationEnded>();
  const watched = await spawn(sup, carrying(1), { name: "watched", capacity: 8 });
  const w = await spawn(sup, watcher(probe), { name: "watcher", capacity: 8 });
  w.trySend({ type: "watch", ref: watched });
  await kit.settle();

  watched.trySend({ type: "counter.crash" });
  t.same(await probe.expectMessage(), { path: "/troupe/s/watched", cause: "restart", carried: false }, "nothing held");
  watched.trySend({ type: "counter.inc" });
  watched.trySend({ type: "counter.crash" });
  t.same(await probe.expectMessage(), { path: "/troupe/s/watched", cause: "restart", carried: true }, "a count held");

  await sys.control("/troupe/s/watched", "stop");
  t.same(await probe.expectMessage(), { path: "/troupe/s/watched", cause: "stop", carried: false });
  await probe.expectNoMessage(1_000);
});

t.test("an operator's restart is told; watching an actor that has stopped is told at once", async (t) => {
  const { kit, sys } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", ...noBackoff });
  const probe = kit.probe<IncarnationEnded>();
  const watched = await spawn(sup, counter("c", []), { name: "watched", capacity: 8, restart: "temporary" });
  const w = await spawn(sup, watcher(probe), { name: "watcher", capacity: 8 });
  w.trySend({ type: "watch", ref: watched });
  await kit.settle();
  await sys.control("/troupe/s/watched", "restart");
  t.same((await probe.expectMessage()).cause, "restart");
  await sys.control("/troupe/s/watched", "stop");
  t.same((await probe.expectMessage()).cause, "stop");

  w.trySend({ type: "watch", ref: watched });
  t.same(await probe.expectMessage(), { path: "/troupe/s/watched", cause: "stop", carried: false }, "at once");
});

t.test("a watch ends with an unwatch, and with the watcher's incarnation", async (t) => {
  const { kit, sys } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", ...noBackoff });
  const probe = kit.probe<IncarnationEnded>();
  const a = await spawn(sup, counter("a", []), { name: "a", capacity: 8 });
  const b = await spawn(sup, counter("b", []), { name: "b", capacity: 8 });
  const w = await spawn(sup, watcher(probe), { name: "watcher", capacity: 8 });
  w.trySend({ type: "watch", ref: a });
  w.trySend({ type: "watch", ref: b });
  w.trySend({ type: "unwatch", ref: a });
  await kit.settle();
  a.trySend({ type: "counter.crash" });
  await kit.settle();
  await probe.expectNoMessage(1_000);
  b.trySend({ type: "counter.crash" });
  t.equal((await probe.expectMessage()).path, "/troupe/s/b", "the other watch stays");

  w.trySend({ type: "crash" });
  await kit.settle();
  b.trySend({ type: "counter.crash" });
  await kit.settle();
  await probe.expectNoMessage(1_000);
  t.equal(sys.snapshot().children[0]?.children.find((c) => c.name === "watcher")?.restarts, 1, "the watcher restarted");
});

t.test("a message function that throws is logged; other watchers are still told", async (t) => {
  const { kit, sys } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", ...noBackoff });
  const probe = kit.probe<IncarnationEnded>();
  const watched = await spawn(sup, counter("c", []), { name: "watched", capacity: 8 });
  const bad = await spawn(
    sup,
    stateless<{ type: "go" }>((_msg, ctx) => {
      ctx.watch(watched, () => {
        throw new Error("no message for you");
      });
    }),
    { name: "bad", capacity: 8 },
  );
  bad.trySend({ type: "go" });
  const w = await spawn(sup, watcher(probe), { name: "watcher", capacity: 8 });
  w.trySend({ type: "watch", ref: watched });
  await kit.settle();
  watched.trySend({ type: "counter.crash" });
  t.equal((await probe.expectMessage()).cause, "restart");
  t.equal(kit.logged("watch message failed", "error").length, 1, kit.logs.map((l) => l.msg).join("; "));
});

t.test("a ref that is no actor cannot be watched", async (t) => {
  const { kit, sys } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", ...noBackoff });
  const seen: unknown[] = [];
  const w = await spawn(
    sup,
    stateless<{ type: "go" }>((_msg, ctx) => {
      try {
        ctx.watch(kit.probe<string>("not-an-actor"), () => ({ type: "go" }));
      } catch (err) {
        seen.push(err);
      }
    }),
    { name: "w", capacity: 8 },
  );
  w.trySend({ type: "go" });
  await kit.settle();
  t.equal(seen.length, 1);
  t.ok(seen[0] instanceof InvalidSpec, String(seen[0]));
  t.match(String((seen[0] as Error).message), /cannot watch .*not-an-actor: it is not an actor of a troupe system/);
});
