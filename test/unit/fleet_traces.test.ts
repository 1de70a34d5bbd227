// One image across the fleet (protocols/hops.ts, actors/fleet/hop_reporter.ts, hop_store.ts): the sample chosen by
// trace id (the same images on every node), hop lines through the gate's own budget, and a trace assembled in hop
// order with times since the capture and the previous hop, a replay counted, and a hop nobody reported marked.
import t from "tap";
import { assembleTrace, hopReporter, HopStore, LogGate } from "../../actors/fleet/mod.ts";
import { decodeLogRecord, encodeLogRecord } from "../../protocols/mod.ts";
import { inTraceSample, sampledTraceId } from "../../protocols/hops.ts";

const T0 = Date.parse("2026-12-07T12:00:00.000Z");
const tp = (traceId: string) => `00-${traceId}-00f067aa0ba902b7-01`;
const low = "0000000a" + "1".repeat(24);
const high = "ffffff00" + "1".repeat(24);

t.test("the sample: by the trace id's first 32 bits, the same answer everywhere", async (t) => {
  t.equal(sampledTraceId(tp(low), 0.01), low);
  t.equal(sampledTraceId(tp(high), 0.01), null);
  t.equal(sampledTraceId(tp(high), 1), high, "1: every image");
  t.equal(sampledTraceId(tp(low), 0), null, "0: none");
  t.equal(sampledTraceId("garbage", 1), null);
  t.equal(sampledTraceId(undefined, 1), null);
  t.ok(inTraceSample("7fffffff" + "0".repeat(24), 0.5));
  t.notOk(inTraceSample("80000000" + "0".repeat(24), 0.5));
});

t.test("the reporter: sampled images only, hop lines in the gate past its level, on their own budget", async (t) => {
  const gate = new LogGate({ level: "error", ratePerS: 2 });
  const report = hopReporter({ gate, nodeId: "sim-1", ratio: 0.01 });
  report("captured", tp(high), T0);
  t.equal(gate.queued, 0, "not in the sample");
  report("captured", tp(low), T0);
  report("encoded", tp(low), T0 + 5);
  report("produced", tp(low), T0 + 9);
  t.equal(gate.queued, 2, "two hops: the budget of two a second");
  t.equal(gate.stats.hopsDropped, 1);
  const { lines } = gate.take();
  const rec = decodeLogRecord(new TextEncoder().encode(encodeLogRecord("sim-1", ["simulator"], lines[0]!)!));
  t.ok(rec.ok);
  t.match(rec.ok && rec.value.line, { msg: "hop", hop: "captured", traceId: low, ts: new Date(T0).toISOString() });
  t.equal(hopReporter({ gate: null, nodeId: "x", ratio: 1 }).name, "noHops", "nothing ships: no reporter");
});

t.test("a trace assembled: hop order, times, a replay, a hop nobody reported", async (t) => {
  const store = new HopStore(2);
  const hop = (hop: string, node: string, roles: string[], ms: number, traceId = low) =>
    store.apply({
      v: 1,
      node,
      roles,
      line: { ts: new Date(T0 + ms).toISOString(), level: "info", msg: "hop", hop, traceId },
    });
  t.notOk(
    store.apply({ v: 1, node: "a", roles: [], line: { ts: new Date(T0).toISOString(), level: "warn", msg: "x" } }),
  );
  hop("stored", "db-1", ["db"], 40);
  hop("captured", "sim-1", ["simulator"], 0);
  hop("encoded", "sim-1", ["simulator"], 3);
  hop("produced", "sim-1", ["simulator"], 25);
  hop("stored", "db-2", ["db"], 900);
  const tr = assembleTrace(low, store.reports(low), true);
  t.same(tr.hops.slice(0, 4).map((h) => [h.hop, h.node, h.sinceCaptureMs, h.sincePreviousMs, h.repeats]), [
    ["captured", "sim-1", 0, null, 0],
    ["encoded", "sim-1", 3, 3, 0],
    ["produced", "sim-1", 25, 22, 0],
    ["stored", "db-1", 40, 15, 1],
  ], "in hop order whatever the order of the reports; a replay counted, the first kept");
  t.same(tr.missing, ["consumed", "inferred", "result_produced", "result_stored"]);
  t.same(tr.hops[4], {
    hop: "consumed",
    reported: false,
    node: null,
    roles: [],
    at: null,
    sinceCaptureMs: null,
    sincePreviousMs: null,
    repeats: 0,
  });
  hop("captured", "sim-1", ["simulator"], 0, high);
  hop("captured", "sim-1", ["simulator"], 0, "1".repeat(32));
  t.same(store.recent(), ["1".repeat(32), high], "two traces kept, newest first");
  t.same(store.reports(low), [], "the oldest went");
});

t.test("two ways after produced: stored and consumed both follow produced; a reported trace is in the sample", async (t) => {
  const at = (hop: string, ms: number) => ({ hop, node: "n", roles: [], atMs: T0 + ms });
  const tr = assembleTrace(low, [at("produced", 10), at("stored", 40), at("consumed", 30), at("inferred", 35)], false);
  const by = Object.fromEntries(tr.hops.map((h) => [h.hop, h.sincePreviousMs]));
  t.same([by["stored"], by["consumed"], by["inferred"]], [30, 20, 5]);
  t.equal(tr.hops.find((h) => h.hop === "produced")!.sincePreviousMs, null, "what it follows was not reported");
  t.ok(tr.sampled, "reported by a node: in the nodes' sample, whatever this node's own setting");
  t.notOk(assembleTrace(low, [], false).sampled);
});

t.test("the quick refusal agrees with the full check, spaces around the header included", async (t) => {
  for (const id of [low, high, "00000000" + "1".repeat(24), "028f5c28" + "a".repeat(24), "028f5c29" + "a".repeat(24)]) {
    t.equal(sampledTraceId(` ${tp(id)} `, 0.01), inTraceSample(id, 0.01) ? id : null, id);
  }
});
