import t from "tap";
import { type ActorContext, LingerBatch, silentLogger, spawn, startSystem, supervise } from "../../system/mod.ts";
import { ManualClock } from "../../system/clock.ts";
import { findInSnapshot } from "../../system/observe.ts";

type Msg = { type: "arm"; key: string; ms: number; periodic?: boolean } | { type: "cancel"; key: string } | {
  type: "fired";
  key: string;
} | { type: "crash" };

async function rig(t: { teardown(fn: () => unknown): void }) {
  const clock = new ManualClock();
  const sys = startSystem({ logger: silentLogger, clock });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  const sup = await supervise(sys.root, { name: "s", backoff: { minMs: 0, maxMs: 0, jitter: 0 } });
  const fired: string[] = [];
  let inits = 0;
  const ref = await spawn<Msg, null>(sup, {
    init: () => (inits++, null),
    receive: (s, msg, ctx: ActorContext<Msg>) => {
      if (msg.type === "arm") {
        (msg.periodic ? ctx.timers.startPeriodic : ctx.timers.startSingle).call(ctx.timers, msg.key, msg.ms, {
          type: "fired",
          key: msg.key,
        });
      } else if (msg.type === "cancel") ctx.timers.cancel(msg.key);
      else if (msg.type === "fired") fired.push(`${msg.key}@${clock.now()}`);
      else throw new Error("crash on purpose");
      return s;
    },
  }, { name: "a", capacity: 8 });
  const settle = () => new Promise((r) => setImmediate(r));
  return { sys, clock, ref, fired, settle, inits: () => inits };
}

t.test("a single timer sends its message once, at its time on the system's clock", async (t) => {
  const { clock, ref, fired, settle } = await rig(t);
  ref.trySend({ type: "arm", key: "k", ms: 100 });
  await settle();
  clock.advance(99);
  await settle();
  t.same(fired, []);
  clock.advance(1);
  await settle();
  t.same(fired, ["k@100"]);
  clock.advance(1000);
  await settle();
  t.same(fired, ["k@100"], "once only");
});

t.test("a periodic timer repeats until cancelled; starting a key again replaces its timer", async (t) => {
  const { sys, clock, ref, fired, settle } = await rig(t);
  ref.trySend({ type: "arm", key: "p", ms: 30, periodic: true });
  await settle();
  for (let i = 0; i < 3; i++) {
    clock.advance(30);
    await settle();
  }
  t.same(fired, ["p@30", "p@60", "p@90"]);
  t.same(findInSnapshot(sys.snapshot(), "/troupe/s/a")?.timers, ["p"]);
  ref.trySend({ type: "arm", key: "p", ms: 50 });
  await settle();
  clock.advance(50);
  await settle();
  clock.advance(100);
  await settle();
  t.same(fired, ["p@30", "p@60", "p@90", "p@140"], "the single timer replaced the periodic one");
  ref.trySend({ type: "arm", key: "q", ms: 10 });
  ref.trySend({ type: "cancel", key: "q" });
  await settle();
  clock.advance(20);
  await settle();
  t.equal(fired.length, 4, "a cancelled timer stays silent");
  t.equal(clock.pending, 0);
});

t.test("a restart cancels the timers of the ended incarnation", async (t) => {
  const { clock, ref, fired, settle, inits } = await rig(t);
  ref.trySend({ type: "arm", key: "k", ms: 100, periodic: true });
  ref.trySend({ type: "crash" });
  for (let i = 0; i < 5 && inits() < 2; i++) await settle();
  t.equal(inits(), 2, "restarted");
  t.equal(clock.pending, 0, "nothing left on the clock");
  clock.advance(500);
  await settle();
  t.same(fired, []);
});

t.test("a linger batch closes at its size, or when its timer's message arrives, and keeps what was not cleared", async (t) => {
  const clock = new ManualClock();
  const sys = startSystem({ logger: silentLogger, clock });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  type B = { type: "add"; n: number } | { type: "flush" };
  const flushed: number[][] = [];
  const ref = await spawn<B, LingerBatch<number>>(sys.root, {
    init: () => new LingerBatch<number>({ size: 3, lingerMs: 20, weigh: (n) => n }),
    receive: (batch, msg, ctx) => {
      if (msg.type === "add") batch.add(msg.n);
      if (msg.type === "flush" || batch.full) {
        flushed.push([...batch.items]);
        batch.clear(ctx.timers);
      } else batch.linger(ctx.timers, { type: "flush" });
      return batch;
    },
  }, { name: "b", capacity: 8 });
  const settle = () => new Promise((r) => setImmediate(r));
  ref.trySend({ type: "add", n: 1 });
  ref.trySend({ type: "add", n: 2 });
  await settle();
  t.same(flushed, [[1, 2]], "weight 3 reached: flushed without waiting");
  t.equal(clock.pending, 0, "the linger timer was cancelled with the batch");
  ref.trySend({ type: "add", n: 1 });
  await settle();
  clock.advance(19);
  await settle();
  t.equal(flushed.length, 1);
  clock.advance(1);
  await settle();
  t.same(flushed, [[1, 2], [1]], "lingered 20 ms, then flushed");
  const carried = new LingerBatch<number>({ size: 10, lingerMs: 5 }, [4, 5]);
  t.same([carried.items, carried.weight, carried.handover()], [[4, 5], 2, [4, 5]]);
  t.equal(new LingerBatch<number>({ size: 1, lingerMs: 5 }).handover(), undefined);
});
