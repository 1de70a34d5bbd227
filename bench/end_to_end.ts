/**
 * End to end: all roles on one node. Throughput: a fixed count as fast as
 * possible, timed from the first capture to the last inference row written,
 * beside the slowest stage (inference through Kafka) measured alone in this
 * stage's own rounds, alternating with them. Latency: capture to
 * inference (`inferred_at - captured_at`), p50/p95/p99, at 70% of that throughput.
 */
import { connectPostgres } from "../actors/db/postgres.ts";
import type { BenchContext } from "./_context.ts";
import { benchNode, isolated, waitFor } from "./_nodes.ts";
import { alternate, percentile, type StageResult, stageResult } from "./_stats.ts";
import { inferenceViaKafka } from "./inference.ts";

async function run(
  ctx: BenchContext,
  vars: Record<string, string>,
  n: number,
): Promise<{ rate: number; latencies: number[] }> {
  const env = isolated(ctx, "e2e");
  const node = await benchNode(ctx, {
    ...env,
    ROLE: "db,inference,simulator",
    SIM_DEVICES: "10",
    SIM_COUNT: String(n),
    ...vars,
  });
  try {
    const written = () => node.roles.db!.figures().upserter.inferences;
    const t0 = performance.now();
    await waitFor(`${n} inference rows`, () => written() >= n, 900_000);
    const secs = (performance.now() - t0) / 1000;
    const sql = connectPostgres(ctx.databaseUrl, { schema: env.DATABASE_SCHEMA!, max: 1 });
    const rows = await sql<
      { ms: number }[]
    >`SELECT EXTRACT(EPOCH FROM (i.inferred_at - m.captured_at)) * 1000 AS ms FROM inferences i JOIN images m USING (image_id)`;
    await sql.unsafe(`DROP SCHEMA "${env.DATABASE_SCHEMA}" CASCADE`);
    await sql.end();
    return { rate: n / secs, latencies: rows.map((r) => Number(r.ms)) };
  } finally {
    await node.stop();
  }
}

/**
 * Runs the stage; `slowest` is the slowest stage of the earlier stages. Inference
 * is re-measured alone in each round; another slowest stage is named in a note.
 */
export async function benchEndToEnd(
  ctx: BenchContext,
  slowest: { stage: string; rate: number } | null,
): Promise<StageResult> {
  const n = ctx.mode === "quick" ? 120 : 800;
  const rates: number[] = [];
  const alone: number[] = [];
  for (let r = 0; r < ctx.rounds; r++) {
    await alternate(r, [
      async () => void rates.push((await run(ctx, { SIM_RATE: "0" }, n)).rate),
      async () => void alone.push(await inferenceViaKafka(ctx, n)),
    ]);
    ctx.say(
      `end to end round ${r + 1}/${ctx.rounds}: ${rates[r]!.toFixed(1)} img/s; inference via Kafka alone ${
        alone[r]!.toFixed(1)
      } img/s`,
    );
  }
  const capacity = rates.reduce((a, b) => a + b, 0) / rates.length;
  const perDevice = (capacity * 0.7) / 10;
  const secs = ctx.mode === "quick" ? 6 : 60;
  const steady = await run(
    ctx,
    { SIM_RATE: perDevice.toFixed(3), SIM_JITTER: "0.2" },
    Math.round(capacity * 0.7 * secs),
  );
  const lat = steady.latencies;
  ctx.say(
    `end to end latency at 70% load: p50 ${percentile(lat, 0.5).toFixed(0)} ms, p95 ${
      percentile(lat, 0.95).toFixed(0)
    } ms`,
  );
  return stageResult({
    stage: "end to end",
    unit: "images/s",
    troupe: ["simulator + db + inference on one node, capture to inference row", rates],
    anchor: ["inference via Kafka alone (the slowest stage), in this stage's rounds", alone],
    target: 0.85,
    extra: {
      latencyP50Ms: percentile(lat, 0.5),
      latencyP95Ms: percentile(lat, 0.95),
      latencyP99Ms: percentile(lat, 0.99),
      latencyLoadImagesPerS: capacity * 0.7,
      latencyImages: lat.length,
    },
    notes: [
      ...(slowest && slowest.stage !== "inference via Kafka"
        ? [`the slowest earlier stage was ${slowest.stage} (${slowest.rate.toFixed(1)}/s)`]
        : []),
      "latency is capture to inference (inferred_at - captured_at) at 70% of the measured throughput; every role shares the same cores",
    ],
  });
}
