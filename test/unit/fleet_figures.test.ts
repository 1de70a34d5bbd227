// A node's heartbeat figures (node/fleet_figures.ts) on virtual time: rates since the previous beat, restarts within
// the last five minutes, the model pool's queue, and the newest failure anywhere in the tree.
import t from "tap";
import { FigureRates, MinuteHistograms, RESTART_WINDOW_MS, treeFigures } from "../../node/fleet_figures.ts";
import type { ActorSnapshot } from "../../system/mod.ts";
import { Histogram } from "../../system/observe.ts";

const T0 = 1_000_000;
const actor = (name: string, more: Partial<ActorSnapshot> = {}): ActorSnapshot => ({
  path: `/${name}`,
  name,
  kind: "actor",
  status: "running",
  mailbox: null,
  processed: 0,
  failures: 0,
  restarts: 0,
  lastError: null,
  uptimeMs: 1,
  supervision: null,
  info: null,
  children: [],
  ...more,
});

t.test("rates per second since the previous beat; no rate at the first", async (t) => {
  const r = new FigureRates();
  const tree = { restarts: 0, poolQueue: null, lastError: null };
  t.same(r.sample(T0, { captured: 100 }, tree), { captured: 100, restarts: 0, restarts5m: 0 });
  t.same(r.sample(T0 + 2_000, { captured: 150, inferred: 5 }, tree), {
    captured: 150,
    capturedPerS: 25,
    inferred: 5,
    restarts: 0,
    restarts5m: 0,
  }, "a counter new since the last beat has no rate yet");
  t.equal(r.sample(T0 + 4_000, { captured: 140 }, tree)["capturedPerS"], 0, "a counter that went back (a restart): 0");
});

t.test("restarts within the last five minutes", async (t) => {
  const r = new FigureRates();
  const at = (ms: number, restarts: number) =>
    r.sample(T0 + ms, {}, { restarts, poolQueue: null, lastError: null })["restarts5m"];
  t.equal(at(0, 2), 0, "restarts before the first beat are not in the window");
  t.equal(at(60_000, 5), 3);
  t.equal(at(RESTART_WINDOW_MS, 5), 3, "the window reaches back to the first beat");
  t.equal(at(RESTART_WINDOW_MS + 60_000, 6), 1, "the three of the first minute fell out");
  t.equal(at(2 * RESTART_WINDOW_MS + 60_000, 6), 0);
});

t.test("the tree: restarts summed, pool queue from pools only, the newest error", async (t) => {
  const tree = actor("root", {
    kind: "supervisor",
    restarts: 1,
    children: [
      actor("pool", {
        restarts: 2,
        mailbox: { depth: 7 } as ActorSnapshot["mailbox"],
        info: { computeSeconds: { counts: [], sum: 0, count: 0 }, forming: 3 },
        lastError: { message: "old", code: null, at: "2026-12-07T10:00:00.000Z" },
      }),
      actor("upserter", {
        mailbox: { depth: 50 } as ActorSnapshot["mailbox"],
        lastError: { message: "new", code: "X", at: "2026-12-07T11:00:00.000Z" },
      }),
    ],
  });
  t.same(treeFigures(tree), {
    restarts: 3,
    poolQueue: 10,
    lastError: { message: "new", code: "X", at: "2026-12-07T11:00:00.000Z" },
  });
  t.same(treeFigures(actor("alone")), { restarts: 0, poolQueue: null, lastError: null }, "no pool: no queue figure");
});

t.test("histograms over the last minute: each reading's change since the reading a minute before", async (t) => {
  const m = new MinuteHistograms();
  const h = new Histogram();
  const at = (ms: number) => m.sample(T0 + ms, { x: h.data() })["x"]!.count;
  h.recordMs(1);
  t.equal(at(0), 1, "the first minute: everything since the start");
  h.recordMs(1);
  t.equal(at(30_000), 2);
  h.recordMs(1);
  t.equal(at(60_000), 2, "a minute on: the first reading is the base");
  t.equal(at(90_000), 1, "the reading of 30 s is the base");
  t.equal(at(200_000), 0, "nothing new for over a minute");
});
