// Shipping a node's log lines to the fleet (actors/fleet/log_gate.ts, log_tail.ts, protocols/log_record.ts) on
// virtual time: the level, the rate limit with its one-second burst, the bounded queue, the dropped counts; the
// envelope around a logger's line (cut when too long); the tail's filters and its bound; times given as spans.
import t from "tap";
import { lineLevel, LogGate, LogTail, parseSince } from "../../actors/fleet/mod.ts";
import { decodeLogRecord, encodeLogRecord } from "../../protocols/mod.ts";
import { createLogger } from "../../system/mod.ts";

const T0 = Date.parse("2026-12-07T12:00:00.000Z");
const lines: string[] = [];
const log = createLogger({ level: "debug", fields: { node: "db-1" }, sink: (l) => lines.push(l) });
const line = (level: "debug" | "info" | "warn" | "error", msg = "m", fields: Record<string, unknown> = {}) => {
  log[level](msg, fields);
  return lines.at(-1)!;
};

t.test("a logger's line: its level read without parsing it", async (t) => {
  t.equal(lineLevel(line("warn")), "warn");
  t.equal(lineLevel(line("error", 'with "quotes"')), "error");
  t.equal(lineLevel("not a log line"), null);
});

t.test("the gate: the level, the rate with a second's burst, the queue bound; drops counted by level", async (t) => {
  const g = new LogGate({ level: "warn", ratePerS: 10, maxQueued: 15 });
  t.notOk(g.offer(line("info"), T0), "below the level");
  t.equal(g.stats.belowLevel, 1);
  let passed = 0;
  for (let i = 0; i < 100; i++) if (g.offer(line("error"), T0)) passed++;
  t.equal(passed, 10, "a storm at one instant: one second's worth passes");
  t.same(g.stats.dropped, { error: 90 });
  t.equal(g.offer(line("warn"), T0 + 500), true, "half a second later: five more tokens");
  for (let i = 0; i < 10; i++) g.offer(line("warn"), T0 + 500);
  t.same(g.stats.dropped, { error: 90, warn: 6 }, "four of them passed, six dropped");
  t.equal(g.queued, 15, "the queue is full (its bound)");
  t.notOk(g.offer(line("error"), T0 + 10_000), "tokens but no room: dropped");
  const taken = g.take();
  t.equal(taken.lines.length, 15);
  t.equal(taken.dropped, 97, "dropped since the last take");
  t.equal(g.take().dropped, 0);
  t.ok(g.offer(line("error"), T0 + 10_000), "room again");
  t.equal(g.droppedTotal, 97);
  t.equal(g.stats.passed, 16);
});

t.test("a steady storm: the rate over time, whatever is offered", async (t) => {
  const g = new LogGate({ level: "warn", ratePerS: 50 });
  let passed = 0;
  // 10,000 lines a second for ten seconds, taken every 250 ms.
  for (let ms = 0; ms < 10_000; ms += 1) {
    for (let k = 0; k < 10; k++) if (g.offer(line("error"), T0 + ms)) passed++;
    if (ms % 250 === 0) g.take();
  }
  t.ok(passed <= 50 * 10 + 50, `${passed} lines passed in 10 s at 50/s (a second's burst at most)`);
  t.ok(passed >= 50 * 10, "and the rate is used");
  t.equal(g.droppedTotal, 100_000 - passed);
});

t.test("the envelope: the line, its node and roles; cut when too long, keeping what filters need", async (t) => {
  const trace = "4bf92f3577b34da6a3ce929d0e0e4736";
  const value = encodeLogRecord(
    "db-1",
    ["db"],
    line("warn", "record dead-lettered", { actor: "/troupe/db/consumer", traceId: trace }),
  )!;
  const d = decodeLogRecord(new TextEncoder().encode(value));
  t.ok(d.ok);
  if (!d.ok) return;
  t.match(d.value, {
    v: 1,
    node: "db-1",
    roles: ["db"],
    line: { level: "warn", msg: "record dead-lettered", traceId: trace },
  });
  const long = encodeLogRecord(
    "db-1",
    ["db"],
    line("error", "big", { actor: "/a", traceId: trace, blob: "x".repeat(20_000) }),
  )!;
  t.ok(long.length < 16_384);
  const dl = decodeLogRecord(new TextEncoder().encode(long));
  t.ok(dl.ok && dl.value.line.traceId === trace && dl.value.line.actor === "/a" && !("blob" in dl.value.line));
  t.match(dl.ok && dl.value.line["cut"], /the line was \d+ bytes/);
  t.equal(encodeLogRecord("db-1", [], "not json"), null);
  const bad = decodeLogRecord(
    new TextEncoder().encode(JSON.stringify({ v: 1, node: "x", roles: [], line: { ts: "no" } })),
  );
  t.notOk(bad.ok, "a line without a time is refused");
});

t.test("the tail: filters, its bound, refused records counted", async (t) => {
  const tail = new LogTail(3);
  const rec = (node: string, roles: string[], level: "info" | "warn" | "error", fields: Record<string, unknown> = {}) =>
    new TextEncoder().encode(encodeLogRecord(node, roles, line(level, `${node} ${level}`, fields))!);
  tail.apply(rec("sim-1", ["simulator"], "warn"));
  tail.apply(rec("db-1", ["db"], "error", { actor: "/troupe/db/upserter", traceId: "a".repeat(32) }));
  tail.apply(rec("all-1", ["all"], "info"));
  t.notOk(tail.apply(new TextEncoder().encode("{}")));
  t.equal(tail.refused, 1);
  const msgs = (f: Parameters<LogTail["lines"]>[0]) => tail.lines(f).map((r) => r.line.msg);
  t.same(msgs({}), ["sim-1 warn", "db-1 error", "all-1 info"]);
  t.same(msgs({ role: "db" }), ["db-1 error", "all-1 info"], "a node of every role has the db role");
  t.same(msgs({ level: "warn" }), ["sim-1 warn", "db-1 error"]);
  t.same(msgs({ actor: "/troupe/db" }), ["db-1 error"]);
  t.same(msgs({ trace: "a".repeat(32) }), ["db-1 error"]);
  t.same(msgs({ node: "sim-1" }), ["sim-1 warn"]);
  t.same(tail.lines({}, 2).map((r) => r.line.msg), ["db-1 error", "all-1 info"], "the newest, oldest first");
  tail.apply(rec("db-2", ["db"], "warn"));
  t.same(msgs({}), ["db-1 error", "all-1 info", "db-2 warn"], "three kept");
});

t.test("since: a span back from now, or an ISO time", async (t) => {
  t.equal(parseSince("10m", T0), T0 - 600_000);
  t.equal(parseSince("90s", T0), T0 - 90_000);
  t.equal(parseSince("2h", T0), T0 - 7_200_000);
  t.equal(parseSince("1d", T0), T0 - 86_400_000);
  t.equal(parseSince("2026-12-07T11:00:00Z", T0), T0 - 3_600_000);
  t.equal(parseSince("yesterday", T0), null);
  t.equal(parseSince("10", T0), null);
});
