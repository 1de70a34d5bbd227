/**
 * Overload: all roles on one node, cameras offering 3x the end-to-end capacity
 * for a while. Sampled every 500 ms: the model pool's mailbox depth against its
 * capacity, whether the inference consumer is paused, and RSS. Then the cameras
 * stop, the backlog drains, and every image must have its row and its inference.
 * The pool holds less than the inference consumer hands it at once: with
 * POOL_MAX_BATCH 2 and POOL_QUEUE 2 it holds a batch on its worker, one forming and
 * two queued (6), and the consumer's chunk is 8 (2 x POOL_MAX_BATCH x POOL_WORKERS,
 * at least 8), so the overload reaches the queue's bound and the consumer pauses its
 * partitions (the full run of 2026-12-06 with POOL_QUEUE 8 and batches of 8 never did: the
 * pool took a whole chunk and the excess only waited in Kafka); the stage
 * fails (and with it the run) unless the queue reached its bound and never went
 * past it, the consumer paused, RSS stayed flat and nothing was lost.
 */
import process from "node:process";
import type { BenchContext } from "./_context.ts";
import { benchNode, isolated, waitFor } from "./_nodes.ts";
import { type StageResult, stageResult } from "./_stats.ts";
import { findInSnapshot, walkSnapshot } from "../system/observe.ts";
import { connectPostgres } from "../actors/db/postgres.ts";

const POOL_QUEUE = 2;

/** Runs the stage at 3x `capacity` images/s. */
export async function benchOverload(ctx: BenchContext, capacity: number): Promise<StageResult> {
  const secs = ctx.mode === "quick" ? 5 : 60;
  const offered = capacity * 3;
  const env = isolated(ctx, "overload");
  const node = await benchNode(ctx, {
    ...env,
    ROLE: "db,inference,simulator",
    SIM_DEVICES: "10",
    SIM_RATE: (offered / 10).toFixed(3),
    SIM_COUNT: String(Math.round(offered * secs)),
    POOL_QUEUE: String(POOL_QUEUE),
    POOL_MAX_BATCH: "2",
  });
  const samples: {
    t: number;
    depth: number;
    capacity: number;
    paused: number;
    rssMiB: number;
    fullest: number;
    backlog: number;
  }[] = [];
  const t0 = performance.now();
  try {
    const sim = node.roles.simulator!;
    const timer = setInterval(() => {
      const pool = findInSnapshot(node.system.snapshot(), "/troupe/inference/model_pool/pool");
      const tree = node.system.snapshot();
      const consumer = findInSnapshot(tree, "/troupe/inference/consumer");
      // The fullest mailbox anywhere in the tree, as a fraction of its capacity.
      let fullest = 0;
      walkSnapshot(tree, (n) => {
        if (n.mailbox && n.mailbox.capacity > 0) fullest = Math.max(fullest, n.mailbox.depth / n.mailbox.capacity);
      });
      const backlog = sim.figures().producer.sent - node.roles.inference!.figures().consumer.inferred;
      samples.push({
        t: (performance.now() - t0) / 1000,
        depth: pool?.mailbox?.depth ?? 0,
        capacity: pool?.mailbox?.capacity ?? 0,
        paused: ((consumer?.info?.["paused"] as string[]) ?? []).length,
        rssMiB: process.memoryUsage().rss / 1048576,
        fullest,
        backlog,
      });
    }, 500);
    await waitFor(
      "the cameras done",
      () => sim.figures().fleet.finished && sim.figures().producer.sent >= (sim.figures().fleet.target ?? 0),
      (secs + 60) * 1000,
    );
    clearInterval(timer);
    const sent = sim.figures().producer.sent;
    ctx.say(
      `overload: ${sent} images offered in ${((performance.now() - t0) / 1000).toFixed(1)} s at ~${
        offered.toFixed(0)
      }/s; draining`,
    );
    await waitFor(
      "the backlog drained",
      () =>
        node.roles.db!.figures().upserter.inferences >= sent &&
        node.roles.db!.figures().upserter.imagesInserted >= sent,
      Math.max(120, (sent / capacity) * 3) * 1000,
    );
    const sql = connectPostgres(ctx.databaseUrl, { schema: env.DATABASE_SCHEMA!, max: 1 });
    const [c] = await sql<
      { images: number; inferences: number }[]
    >`SELECT (SELECT count(*)::int FROM images) AS images, (SELECT count(*)::int FROM inferences) AS inferences`;
    await sql.unsafe(`DROP SCHEMA "${env.DATABASE_SCHEMA}" CASCADE`);
    await sql.end();
    const half = Math.floor(samples.length / 2);
    const maxRss = (xs: typeof samples) => Math.max(...xs.map((s) => s.rssMiB));
    const firstHalf = maxRss(samples.slice(0, half));
    const secondHalf = maxRss(samples.slice(half));
    const maxDepth = Math.max(...samples.map((s) => s.depth));
    const cap = samples[0]?.capacity ?? 0;
    const lost = sent - Math.min(c!.images, c!.inferences);
    const pauses = node.roles.inference!.figures().consumer.pauses;
    const checks: [boolean, string][] = [
      [cap === POOL_QUEUE, `the pool's queue has capacity ${cap}, not ${POOL_QUEUE}`],
      [maxDepth <= cap, `the pool's queue held ${maxDepth}, past its capacity ${cap}`],
      [maxDepth === cap, `the pool's queue never reached its bound (at most ${maxDepth} of ${cap})`],
      [pauses > 0, "the inference consumer never paused"],
      [lost === 0, `${lost} images lost`],
      [secondHalf <= firstHalf * 1.2, `RSS grew from ${firstHalf.toFixed(0)} to ${secondHalf.toFixed(0)} MiB`],
    ];
    const failed = checks.filter(([holds]) => !holds).map(([, why]) => why);
    const ok = failed.length === 0;
    const result = stageResult({
      stage: "overload",
      unit: "images/s offered",
      troupe: [`3x capacity for ${secs} s`, [offered]],
      anchor: null,
      target: null,
      extra: {
        sent,
        imageRows: c!.images,
        inferenceRows: c!.inferences,
        lost,
        poolQueueMaxDepth: maxDepth,
        poolQueueCapacity: cap,
        fullestMailboxMax: Math.max(...samples.map((s) => s.fullest)),
        kafkaBacklogMax: Math.max(...samples.map((s) => s.backlog)),
        pausedSamples: samples.filter((s) => s.paused > 0).length,
        consumerPauses: pauses,
        samples: samples.length,
        rssMaxFirstHalfMiB: firstHalf,
        rssMaxSecondHalfMiB: secondHalf,
        verdict: ok ? "bound reached and held, consumer paused, nothing lost" : failed.join("; "),
      },
      notes: [
        "RSS flat means the second half's peak is within 20% of the first half's",
        "the excess waits in Kafka (kafkaBacklogMax) while the consumer is paused, not in any mailbox; fullestMailboxMax is the fullest mailbox of the tree as a fraction of its capacity",
      ],
    });
    return { ...result, met: ok };
  } finally {
    await node.stop();
  }
}
