import t from "tap";
import { type ActorRef, silentLogger, spawn, startSystem } from "../../system/mod.ts";

function system(t: { teardown(fn: () => unknown): void }) {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  return sys;
}

t.test("a turn handles at most `throughput` messages, then the other actors get theirs", async (t) => {
  const sys = system(t);
  const order: string[] = [];
  const recorder = (name: string) => ({ init: () => null, receive: (s: null) => (order.push(name), s) });
  const a = await spawn(sys.root, recorder("a"), { name: "a", capacity: 16, throughput: 2 });
  const b = await spawn(sys.root, recorder("b"), { name: "b", capacity: 16, throughput: 2 });
  for (let i = 0; i < 6; i++) a.trySend(i);
  for (let i = 0; i < 6; i++) b.trySend(i);
  await new Promise((r) => setImmediate(r));
  t.equal(order.join(""), "aabbaabbaabb");
});

t.test("actors that keep each other busy do not starve timers and I/O", async (t) => {
  const sys = system(t);
  type Ball = { to: ActorRef<Ball> | null; hits: number };
  let hits = 0;
  const player = {
    init: () => null,
    receive: (s: null, ball: Ball) => {
      hits++;
      ball.to?.trySend(ball);
      return s;
    },
  };
  const ping = await spawn(sys.root, player, { name: "ping", capacity: 4 });
  const pong = await spawn(sys.root, player, { name: "pong", capacity: 4 });
  // Two balls in play, each bouncing between the actors for ever.
  const ball1: Ball = { to: pong, hits: 0 };
  const ball2: Ball = { to: ping, hits: 0 };
  // The event loop's next turn (no time involved): it comes although the actors never stop.
  const timerFired = new Promise<number>((resolve) => setImmediate(() => resolve(hits)));
  ping.trySend(ball1);
  pong.trySend(ball2);
  const seen = await timerFired;
  t.ok(seen > 1000, `the event loop had its turn while the actors played (${seen} hits so far)`);
  ball1.to = null;
  ball2.to = null;
});

t.test("a message sent to an idle actor is handled without waiting for the event loop", async (t) => {
  const sys = system(t);
  let handled = 0;
  const a = await spawn(sys.root, { init: () => null, receive: (s: null) => (handled++, s) }, {
    name: "a",
    capacity: 4,
  });
  a.trySend(1);
  await Promise.resolve();
  await Promise.resolve();
  t.equal(handled, 1);
});
