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
