// ask on the real clock (the deadline lanes' own path), and its timeouts on the test kit's virtual clock.
import t from "tap";
import { type ActorRef, ask, replyAddress, silentLogger, spawn, startSystem } from "../../system/mod.ts";
import { heldDeadlines } from "../../system/_deadlines.ts";
import { createTestKit } from "../../system/testkit.ts";

type Echo = { n: number; replyTo: ActorRef<number> } | { n: number; hold: true; replyTo: ActorRef<number> };

const echoing = (held: Echo[]) => ({
  init: () => null,
  receive: (s: null, msg: Echo) => {
    if ("hold" in msg) held.push(msg);
    else msg.replyTo.trySend(msg.n * 2);
    return s;
  },
});

async function rig(t: Tap) {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  const held: Echo[] = [];
  const echo = await spawn<Echo, null>(sys.root, echoing(held), { name: "echo", capacity: 4 });
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

/** The echo on the test kit's virtual clock. */
async function virtualRig(t: Tap) {
  const kit = createTestKit();
  t.teardown(() => kit.shutdown());
  const held: Echo[] = [];
  const echo = await spawn<Echo, null>(kit.system.root, echoing(held), { name: "echo", capacity: 4 });
  return { kit, echo, held };
}

t.test("concurrent asks that get no answer each time out at their time, not before", async (t) => {
  const { kit, echo, held } = await virtualRig(t);
  const outcomes = Promise.allSettled(
    [0, 1, 2].map((n) => ask<Echo, number>(echo, (replyTo) => ({ n, hold: true, replyTo }), { timeoutMs: 60 })),
  );
  await t.rejects(kit.result(outcomes, 59), /still pending after 59 ms/, "none before 60 ms");
  const settled = await kit.result(outcomes, 1);
  t.same(settled.map((o) => o.status), ["rejected", "rejected", "rejected"]);
  t.same(settled.map((o) => (o as PromiseRejectedResult).reason.code), [
    "TROUPE_ERR_ASK_TIMEOUT",
    "TROUPE_ERR_ASK_TIMEOUT",
    "TROUPE_ERR_ASK_TIMEOUT",
  ]);
  t.equal(kit.now, 60);
  t.equal(held.length, 3);
});

t.test("asks with different timeouts fire each at its own time", async (t) => {
  const { kit, echo } = await virtualRig(t);
  const fired: [number, number][] = [];
  const all = Promise.allSettled(
    [90, 30, 60].map((ms) =>
      ask<Echo, number>(echo, (replyTo) => ({ n: ms, hold: true, replyTo }), { timeoutMs: ms }).catch((e) => {
        fired.push([ms, kit.now]);
        throw e;
      })
    ),
  );
  await kit.result(all, 90);
  t.same(fired, [[30, 30], [60, 60], [90, 90]]);
});

t.test("a reply address answered before it is armed never times out", async (t) => {
  const { echo } = await rig(t);
  const address = replyAddress<number>(echo, 20);
  address.ref.trySend(7);
  address.arm();
  t.equal(await address.reply, 7);
});
