/**
 * `npm run bench -- --stages runtime`: the actor runtime alone, in one process, with
 * rounds alternating between troupe, bare nact and a plain bounded async mailbox
 * loop (the physical limit for one actor in this language):
 * (a) one sender into one actor; (b) 100 senders into one actor whose mailbox is
 * full (overflow `wait`); (c) ask round trips one after another; (d) spawning
 * 100,000 actors (rate, and heap per live actor). Set BENCH_RUNTIME_BASELINE to
 * another checkout's `system/mod.ts` to measure it as a fourth side in the same run.
 */
import process from "node:process";
import { pathToFileURL } from "node:url";
import type { BenchContext } from "./_context.ts";
import { type Contender, nactContender, plainContender, troupeContender } from "./_runtime_contenders.ts";
import { median, type StageResult, stageResult } from "./_stats.ts";

const gc = (globalThis as { gc?: () => void }).gc;

async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) {
    gc?.();
    await new Promise((r) => setImmediate(r));
  }
}

/** Messages (or round trips, or actors) per second of one run of `work`. */
async function rate(count: number, work: () => Promise<unknown>): Promise<number> {
  await settle();
  const t0 = performance.now();
  await work();
  return count / ((performance.now() - t0) / 1000);
}

/** Spawn rate and heap bytes per actor while `count` actors are alive. */
async function spawnFigures(c: Contender, count: number): Promise<{ rate: number; bytes: number }> {
  await settle();
  const before = process.memoryUsage().heapUsed;
  const t0 = performance.now();
  const held = await c.spawn(count);
  const secs = (performance.now() - t0) / 1000;
  await settle();
  const bytes = (process.memoryUsage().heapUsed - before) / count;
  await held.release();
  return { rate: count / secs, bytes };
}

/** The runtime stages. */
export async function benchRuntime(ctx: BenchContext): Promise<StageResult[]> {
  const quick = ctx.mode === "quick";
  const n = quick ? 1_000_000 : 3_000_000;
  const asks = quick ? 200_000 : 500_000;
  const actors = 100_000;
  const contenders: Contender[] = [await troupeContender("troupe", "../system/mod.ts")];
  const baseline = process.env["BENCH_RUNTIME_BASELINE"];
  if (baseline) contenders.push(await troupeContender("troupe (baseline)", pathToFileURL(baseline).href));
  contenders.push(nactContender(), plainContender());
  if (!gc) ctx.say("runtime: run node with --expose-gc for steadier figures (npm run bench does)");
  // One unmeasured full-size pass per side first (V8 needs a few hundred thousand round
  // trips to optimise the ask path), so no measured round is the JIT's warm-up.
  for (const c of contenders) {
    await c.oneSender(n, 1000);
    await c.manySenders(n, 100, 100);
    await c.ask(asks);
    await (await c.spawn(actors / 100)).release();
  }
  ctx.say("runtime: warmed up");
  const figures = new Map<string, { a: number[]; b: number[]; c: number[]; spawn: number[]; bytes: number[] }>();
  for (const c of contenders) figures.set(c.name, { a: [], b: [], c: [], spawn: [], bytes: [] });
  for (let round = 0; round < ctx.rounds; round++) {
    // Each round starts with a different side, so warm-up and drift are shared out.
    const order = contenders.map((_, i) => contenders[(i + round) % contenders.length] as Contender);
    for (const c of order) {
      const f = figures.get(c.name)!;
      f.a.push(await rate(n, () => c.oneSender(n, 1000)));
      f.b.push(await rate(n, () => c.manySenders(n, 100, 100)));
      f.c.push(await rate(asks, () => c.ask(asks)));
      const s = await spawnFigures(c, actors);
      f.spawn.push(s.rate);
      f.bytes.push(s.bytes);
      ctx.say(
        `runtime round ${round + 1}/${ctx.rounds} ${c.name}: (a) ${m(f.a.at(-1))} msg/s, (b) ${
          m(f.b.at(-1))
        } msg/s, (c) ${m(f.c.at(-1))} asks/s, (d) ${m(s.rate)} spawns/s, ${Math.round(s.bytes)} B/actor`,
      );
    }
  }
  const t = figures.get("troupe")!;
  const plain = figures.get("plain async loop")!;
  const others = (key: "a" | "b" | "c" | "spawn" | "bytes") =>
    Object.fromEntries(
      contenders.filter((c) => c.name !== "troupe").map((c) => [c.name, Math.round(median(figures.get(c.name)![key]))]),
    );
  const baselineRatio = (key: "a" | "b" | "c" | "spawn") => {
    const b = figures.get("troupe (baseline)");
    return b ? { vsBaseline: Math.round((median(t[key]) / median(b[key])) * 100) / 100 } : {};
  };
  return [
    stageResult({
      stage: "runtime (a) 1 sender",
      unit: "msg/s",
      troupe: ["one actor, capacity 1000, await send", t.a],
      anchor: ["plain async mailbox loop", plain.a],
      target: 0.3,
      extra: { ...others("a"), ...baselineRatio("a") },
      notes: ["target also: >= 5,000,000 msg/s"],
    }),
    stageResult({
      stage: "runtime (b) 100 senders",
      unit: "msg/s",
      troupe: ["100 senders, capacity 100 (always full), overflow wait", t.b],
      anchor: ["plain async mailbox loop", plain.b],
      target: null,
      extra: { ...others("b"), ...baselineRatio("b") },
    }),
    stageResult({
      stage: "runtime (c) ask",
      unit: "asks/s",
      troupe: ["ask round trips, one after another", t.c],
      anchor: ["plain async mailbox loop", plain.c],
      target: null,
      extra: { ...others("c"), ...baselineRatio("c") },
      notes: ["target: >= 10x the troupe of before this change"],
    }),
    stageResult({
      stage: "runtime (d) spawn",
      unit: "actors/s",
      troupe: [`${actors.toLocaleString("en-US")} actors under one supervisor`, t.spawn],
      anchor: ["plain async mailbox loop", plain.spawn],
      target: null,
      extra: {
        bytesPerActor: Math.round(median(t.bytes)),
        ...Object.fromEntries(Object.entries(others("bytes")).map(([k, v]) => [`${k} bytes`, v])),
        ...others("spawn"),
        ...baselineRatio("spawn"),
      },
    }),
  ];
}

function m(x: number | undefined): string {
  return x === undefined ? "—" : x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : `${(x / 1e3).toFixed(1)}k`;
}
