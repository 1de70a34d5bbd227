import t from "tap";
import { childTraceparent, newTraceparent, parseTraceparent, traceIdOf } from "../../protocols/mod.ts";

t.test("traceparent: new traces, the next hop keeps the trace id, invalid values are refused", async (t) => {
  const a = newTraceparent();
  t.match(a, /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
  t.not(newTraceparent(), a, "each capture starts its own trace");
  const child = childTraceparent(a);
  t.equal(traceIdOf(child), traceIdOf(a), "same trace");
  t.not(parseTraceparent(child)!.spanId, parseTraceparent(a)!.spanId, "new span");
  t.same(parseTraceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"), {
    traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
    spanId: "00f067aa0ba902b7",
    flags: "01",
  });
  for (
    const bad of [
      "",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
      "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
      "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
      "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
    ]
  ) t.equal(parseTraceparent(bad), null, JSON.stringify(bad));
  t.match(childTraceparent("garbage"), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/, "a bad parent starts a new trace");
});

t.test("trace ids stay distinct across refills of the random pool", async (t) => {
  // 1,000 traces take 24 bytes each: several refills of the 4 KiB pool.
  const ids = Array.from({ length: 1000 }, () => newTraceparent());
  t.ok(ids.every((id) => parseTraceparent(id) !== null), "each one valid");
  t.equal(new Set(ids.map((id) => traceIdOf(id))).size, 1000, "no trace id twice");
  t.equal(new Set(ids.map((id) => parseTraceparent(id)!.spanId)).size, 1000, "no span id twice");
});
