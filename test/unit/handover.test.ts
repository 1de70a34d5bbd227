// Handover across restarts, on the test kit's virtual clock (restarts without backoff; kit.settle() lets them run).
import t from "tap";
import { kitFor } from "../helpers/kit.ts";
import { type Behaviour, spawn, supervise } from "../../system/mod.ts";
import { findInSnapshot } from "../../system/observe.ts";
import { createTestKit } from "../../system/testkit.ts";

type Msg = { type: "take"; item: string } | { type: "crash" } | {
  type: "get";
  replyTo: { trySend(v: string[]): boolean };
};

/** Keeps the items it took; hands them on when an incarnation ends. `failInits` makes the next inits fail. */
function keeper(
  log: { carried: (string[] | undefined)[]; failInits: number; stops: string[] },
): Behaviour<Msg, { items: string[] }, string[]> {
  return {
    init: (_ctx, carried) => {
      log.carried.push(carried);
      if (log.failInits > 0) {
        log.failInits--;
        throw new Error("cannot start yet");
      }
      return { items: [...(carried ?? [])] };
    },
    receive: (state, msg) => {
      if (msg.type === "take") state.items.push(msg.item);
      else if (msg.type === "crash") throw new Error("crash on purpose");
      else msg.replyTo.trySend(state.items);
      return state;
    },
    stop: (state) => void log.stops.push(state.items.join(",")),
    handover: (state) => (state.items.length > 0 ? state.items : undefined),
  };
}

t.test("what an ending incarnation hands over reaches the next init, and /actors shows it", async (t) => {
  const { kit, sys } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", backoff: { minMs: 0, maxMs: 0, jitter: 0 } });
  const log = { carried: [] as (string[] | undefined)[], failInits: 0, stops: [] as string[] };
  const ref = await spawn(sup, keeper(log), { name: "k", capacity: 8 });
  ref.trySend({ type: "take", item: "a" });
  ref.trySend({ type: "take", item: "b" });
  ref.trySend({ type: "crash" });
  await kit.timePasses(0);
  t.same(log.carried, [undefined, ["a", "b"]]);
  t.same(log.stops, ["a,b"], "stop ran before the handover");
  const node = findInSnapshot(sys.snapshot(), "/troupe/s/k");
  t.equal(node?.handover?.count, 1);
  t.equal(node?.handover?.waiting, false, "taken by the running incarnation");
  t.ok(Number.isFinite(Date.parse(node?.handover?.lastAt ?? "")), `lastAt is a date: ${node?.handover?.lastAt}`);
});

t.test("a carried value waits through failed starts until one succeeds", async (t) => {
  const { kit, sys } = kitFor(t);
  const sup = await supervise(sys.root, { name: "s", intensity: 10, backoff: { minMs: 0, maxMs: 0, jitter: 0 } });
  const log = { carried: [] as (string[] | undefined)[], failInits: 0, stops: [] as string[] };
  const ref = await spawn(sup, keeper(log), { name: "k", capacity: 8 });
  ref.trySend({ type: "take", item: "x" });
  log.failInits = 2;
  ref.trySend({ type: "crash" });
  await kit.timePasses(0);
  t.same(log.carried, [undefined, ["x"], ["x"], ["x"]]);
  const node = findInSnapshot(sys.snapshot(), "/troupe/s/k");
  t.equal(node?.status, "running");
  t.equal(node?.handover?.count, 1, "handed over once, kept through two failed starts");
});

t.test("a final stop hands nothing over, and an actor without handover shows none", async (t) => {
  const kit = createTestKit({ name: "troupe" });
  const sys = kit.system;
  const log = { carried: [] as (string[] | undefined)[], failInits: 0, stops: [] as string[] };
  const ref = await spawn(sys.root, keeper(log), { name: "k", capacity: 8 });
  const plain = await spawn(sys.root, { init: () => 0, receive: (s: number) => s }, { name: "p", capacity: 1 });
  ref.trySend({ type: "take", item: "y" });
  plain.trySend(1);
  await kit.settle();
  t.equal(findInSnapshot(sys.snapshot(), "/troupe/k")?.processed, 1);
  t.equal(findInSnapshot(sys.snapshot(), "/troupe/p")?.handover, null);
  await sys.shutdown({ deadlineMs: 1000 });
  t.same(log.stops, ["y"]);
  t.equal(findInSnapshot(sys.snapshot(), "/troupe/k")?.handover, null);
});
