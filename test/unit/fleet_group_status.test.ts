// A consumer group judged in Burrow's terms (actors/fleet/group_status.ts) on virtual time: OK while it keeps up,
// WARN while its lag grows at every sample, STALL while its committed offset stands with records behind, STOP with no
// live member; the group takes its worst partition's status; too few samples judge no trend.
import t from "tap";
import { type GroupSample, judgeGroup } from "../../actors/fleet/mod.ts";

const T0 = 1_000_000;
/** Samples every 5 s of one partition: [committed, high] pairs. */
const series = (points: [number | null, number][], partition = 0): GroupSample[] =>
  points.map(([committed, high], i) => ({
    atMs: T0 + i * 5_000,
    partitions: [{ topic: "images", partition, committed, high, lag: high - (committed ?? 0) }],
  }));
const now = (samples: GroupSample[]) => samples.at(-1)!.atMs;

t.test("OK: keeping up, or lag that rises and falls", async (t) => {
  const steady = series([[100, 100], [150, 160], [220, 220], [300, 310]]);
  t.equal(judgeGroup(steady, 1, now(steady)).status, "OK");
  const noisy = series([[100, 130], [150, 170], [200, 215], [260, 290]]);
  t.equal(judgeGroup(noisy, 1, now(noisy)).status, "OK", "lag 30, 20, 15, 30: not growing at every sample");
});

t.test("WARN: committing, but the lag grows at every sample", async (t) => {
  const s = series([[100, 110], [120, 150], [140, 200], [160, 260]]);
  const j = judgeGroup(s, 2, now(s));
  t.equal(j.status, "WARN");
  t.equal(j.lag, 100);
  t.match(j.reason, /images\[0\]: lag growing at every sample \(100 now\)/);
});

t.test("STALL: the committed offset stands over the window with records behind", async (t) => {
  const s = series([[100, 110], [100, 110], [100, 110], [100, 110]]);
  const j = judgeGroup(s, 1, now(s));
  t.equal(j.status, "STALL");
  t.match(j.reason, /committed offset not moving for 60 s with 10 records behind/);
  const caughtUp = series([[100, 100], [100, 100], [100, 100]]);
  t.equal(judgeGroup(caughtUp, 1, now(caughtUp)).status, "OK", "standing at the log end is idle, not stalled");
});

t.test("STOP: no live member, whatever the offsets say", async (t) => {
  const s = series([[100, 100], [150, 160], [220, 220]]);
  const j = judgeGroup(s, 0, now(s));
  t.equal(j.status, "STOP");
  t.equal(j.reason, "no live member");
  const behind = series([[100, 100], [100, 160]]);
  t.equal(judgeGroup(behind, 0, now(behind)).reason, "no live member, 60 records behind");
  t.equal(judgeGroup([], 0, T0).status, "STOP", "no offsets read yet and no member: still STOP");
});

t.test("a trend needs three samples in the window; older samples fall out of it", async (t) => {
  const two = series([[100, 110], [100, 110]]);
  t.equal(judgeGroup(two, 1, now(two)).status, "OK", "two samples: no trend judged");
  t.equal(judgeGroup([], 1, T0).reason, "no offsets read yet");
  // Stood still for 15 s, then moved: a 10 s window holds only the moving samples.
  const s = series([[100, 110], [100, 110], [100, 110], [100, 110], [105, 111], [110, 113], [115, 116]]);
  t.equal(judgeGroup(s.slice(0, 4), 1, now(s.slice(0, 4)), { windowMs: 15_000 }).status, "STALL");
  t.equal(judgeGroup(s, 1, now(s), { windowMs: 10_000 }).status, "OK", "lag 6, 3, 1: shrinking");
});

t.test("the group takes its worst partition's status, and every partition is listed", async (t) => {
  const a = series([[100, 100], [150, 150], [200, 200]], 0);
  const b = series([[10, 50], [10, 50], [10, 50]], 1);
  const both = a.map((s, i) => ({ atMs: s.atMs, partitions: [...s.partitions, ...b[i]!.partitions] }));
  const j = judgeGroup(both, 1, now(both));
  t.equal(j.status, "STALL");
  t.equal(j.lag, 40);
  t.same(j.partitions.map((p) => [p.partition, p.status, p.lag]), [[0, "OK", 0], [1, "STALL", 40]]);
});
