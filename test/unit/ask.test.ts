import t from "tap";
import { type ActorRef, ask, replyAddress, silentLogger, spawn, startSystem } from "../../system/mod.ts";
import { heldDeadlines } from "../../system/_deadlines.ts";

type Echo = { n: number; replyTo: ActorRef<number> } | { n: number; hold: true; replyTo: ActorRef<number> };

async function rig(t: Tap) {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  const held: Echo[] = [];
  const echo = await spawn<Echo, null>(sys.root, {
    init: () => null,
    receive: (s, msg) => {
      if ("hold" in msg) held.push(msg);
      else msg.replyTo.trySend(msg.n * 2);
      return s;
    },
  }, { name: "echo", capacity: 4 });
  return { echo, held };
}
type Tap = { teardown(fn: () => unknown): void };

t.test("10,000 asks in a row each get their own answer, and leave no timeout behind", async (t) => {
  const { echo } = await rig(t);
  const got: number[] = [];
  for (let i = 0; i < 10_000; i++) {
    got.push(await ask<Echo, number>(echo, (replyTo) => ({ n: i, replyTo }), { timeoutMs: 43 }));
  }
  t.same(got.slice(0, 3), [0, 2, 4]);
  t.equal(got[9_999], 19_998);
  await new Promise((r) => setImmediate(r));
  t.equal(heldDeadlines(43), 0, "none kept past the event loop's next turn");
});

t.test("concurrent asks that get no answer each time out, in order, not before their time", async (t) => {
  const { echo, held } = await rig(t);
  const started = performance.now();
  const outcomes = await Promise.allSettled(
    [0, 1, 2].map((n) => ask<Echo, number>(echo, (replyTo) => ({ n, hold: true, replyTo }), { timeoutMs: 60 })),
  );
  const waited = performance.now() - started;
  t.same(outcomes.map((o) => o.status), ["rejected", "rejected", "rejected"]);
  t.same(outcomes.map((o) => (o as PromiseRejectedResult).reason.code), [
    "TROUPE_ERR_ASK_TIMEOUT",
    "TROUPE_ERR_ASK_TIMEOUT",
    "TROUPE_ERR_ASK_TIMEOUT",
  ]);
  t.ok(waited >= 60, `waited ${waited.toFixed(1)} ms for a 60 ms timeout`);
  t.equal(held.length, 3);
});

t.test("asks with different timeouts fire each at its own time", async (t) => {
  const { echo } = await rig(t);
  const order: number[] = [];
  const started = performance.now();
  await Promise.allSettled(
    [90, 30, 60].map((ms) =>
      ask<Echo, number>(echo, (replyTo) => ({ n: ms, hold: true, replyTo }), { timeoutMs: ms }).catch((e) => {
        order.push(ms);
        t.ok(performance.now() - started >= ms, `${ms} ms timeout did not fire early`);
        throw e;
      })
    ),
  );
  t.same(order, [30, 60, 90]);
});

t.test("a reply address answered before it is armed never times out", async (t) => {
  const { echo } = await rig(t);
  const address = replyAddress<number>(echo, 20);
  address.ref.trySend(7);
  address.arm();
  t.equal(await address.reply, 7);
});
