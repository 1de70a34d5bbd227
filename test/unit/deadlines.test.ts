// The deadline lanes behind `ask` (system/_deadlines.ts), on a virtual clock: what fires when, what is kept in
// memory. A lane starts the deadlines set in one burst at the event loop's next turn (setImmediate), so the tests
// give it that turn before they move time.
import t from "tap";
import { ManualClock } from "../../system/clock.ts";
import { deadline, heldDeadlines } from "../../system/_deadlines.ts";
import { moduleBeside } from "../../system/platform.ts";

const nextTurn = () => new Promise<void>((r) => setImmediate(r));

t.test("deadlines cancelled in the order they were set leave nothing behind and never fire", async (t) => {
  const clock = new ManualClock();
  let fired = 0;
  for (let i = 0; i < 10_000; i++) deadline(31, () => fired++, clock).cancel();
  await nextTurn();
  t.equal(heldDeadlines(31, clock), 0, "no cancelled deadline is kept past the event loop's next turn");
  deadline(31, () => fired++, clock);
  await nextTurn();
  clock.advance(30);
  t.equal(fired, 0, "not at 30 ms");
  clock.advance(1);
  t.equal(fired, 1, "only the one left live fired, at 31 ms");
  t.equal(heldDeadlines(31, clock), 0);
});

t.test("within one burst, deadlines cancelled before they start are dropped as the burst goes on", async (t) => {
  const clock = new ManualClock();
  let fired = 0;
  const live = deadline(43, () => fired++, clock);
  for (let i = 0; i < 10_000; i++) deadline(43, () => fired++, clock).cancel();
  t.ok(
    heldDeadlines(43, clock) <= 300,
    `held ${heldDeadlines(43, clock)} of 10,001 set before the event loop had a turn`,
  );
  live.cancel();
  await nextTurn();
  t.equal(heldDeadlines(43, clock), 0);
  clock.advance(1_000);
  t.equal(fired, 0);
});

t.test("live deadlines fire in order at their time; cancelled ones in between stay silent", async (t) => {
  const clock = new ManualClock();
  const fired: [number, number][] = [];
  const ds = Array.from({ length: 6 }, (_, i) => deadline(37, () => fired.push([i, clock.now()]), clock));
  ds[1]!.cancel();
  ds[4]!.cancel();
  await nextTurn();
  clock.advance(36);
  t.same(fired, [], "none before 37 ms");
  clock.advance(1);
  t.same(fired, [[0, 37], [2, 37], [3, 37], [5, 37]]);
  t.equal(heldDeadlines(37, clock), 0);
});

t.test("a deadline set after the lane's timer was armed waits for its own time", async (t) => {
  const clock = new ManualClock();
  const at: number[] = [];
  deadline(41, () => at.push(clock.now()), clock);
  await nextTurn();
  clock.advance(20);
  deadline(41, () => at.push(clock.now()), clock);
  await nextTurn();
  clock.advance(21);
  t.same(at, [41], "the first at 41 ms");
  clock.advance(19);
  t.same(at, [41], "the second not before its own 41 ms");
  clock.advance(1);
  t.same(at, [41, 61], "the second at 20 + 41 ms");
});

t.test("a cancelled deadline does not keep the process alive; a live one does", async (t) => {
  const { spawnSync } = await import("node:child_process");
  // The process must end by itself (no signal from spawnSync's 20 s guard): a real timer, so a real process.
  const run = (code: string) => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "--input-type=module", "-e", code], {
      encoding: "utf8",
      timeout: 20_000,
    });
    return { out: r.stdout.trim(), status: r.status, signal: r.signal };
  };
  const mod = JSON.stringify(moduleBeside(import.meta.url, "../../system/_deadlines").href);
  const cancelled = run(
    `const { deadline } = await import(${mod}); deadline(60000, () => console.log("fired")).cancel(); console.log("set")`,
  );
  t.same(cancelled, { out: "set", status: 0, signal: null }, "exited by itself, not after the 60 s deadline");
  const live = run(`const { deadline } = await import(${mod}); deadline(300, () => console.log("fired"));`);
  t.same(live, { out: "fired", status: 0, signal: null }, "the process waited for the live deadline");
});
