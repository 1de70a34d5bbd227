/**
 * Sink stage, with each Kafka client troupe has (KAFKA_CLIENT): rows/s the db role upserts from Kafka into PostgreSQL, beside
 * `COPY` of the same rows into a scratch table of the same shape with psql.
 * The topic is filled once by the simulator; each troupe round consumes it with a
 * fresh group into a fresh schema, timed from its first written batch.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connectPostgres } from "../actors/db/postgres.ts";
import { run } from "../infra/process.ts";
import type { BenchContext } from "./_context.ts";
import { benchNode, fillImages, isolated, waitFor } from "./_nodes.ts";
import { alternate, type StageResult, stageResult } from "./_stats.ts";
import { DEFAULT_KAFKA_CLIENT, KAFKA_CLIENTS, type KafkaClientKind } from "../actors/kafka/client.ts";

async function troupeRound(
  ctx: BenchContext,
  topics: Record<string, string>,
  n: number,
  client: KafkaClientKind,
): Promise<{ rate: number; schema: string }> {
  const own = isolated(ctx, "sink");
  const env = {
    ...topics,
    KAFKA_CLIENT: client,
    DB_GROUP_ID: own.DB_GROUP_ID!,
    DATABASE_SCHEMA: own.DATABASE_SCHEMA!,
  };
  const node = await benchNode(ctx, { ...env, ROLE: "db" });
  try {
    const up = () => node.roles.db!.figures().upserter;
    await waitFor("the first batch", () => up().imagesInserted > 0, 120_000);
    const t0 = performance.now();
    const first = up().imagesInserted;
    await waitFor(`${n} rows`, () => up().imagesInserted >= n, 600_000);
    return { rate: (n - first) / ((performance.now() - t0) / 1000), schema: env.DATABASE_SCHEMA };
  } finally {
    await node.stop();
  }
}

/**
 * Seconds of the COPY alone, as psql's \timing reports it: from the statement's
 * start to its commit, after psql started and connected (as troupe is timed from
 * its first written batch, after its group join).
 */
async function anchorRound(ctx: BenchContext, csv: string, round: number): Promise<number> {
  const table = `bench_copy_${Date.now().toString(36)}_${round}`;
  const psql = (...cmds: string[]) =>
    run("psql", [ctx.databaseUrl, "-v", "ON_ERROR_STOP=1", "-q", ...cmds.flatMap((c) => ["-c", c])]);
  await psql(`CREATE TABLE ${table} (LIKE images_template INCLUDING ALL)`);
  const out = await psql(
    "\\timing on",
    `\\copy ${table} (image_id, device_id, seq, captured_at, fine_label, coarse_label, width, height, png, sha256) FROM '${csv}' CSV`,
  );
  const m = /Time: ([\d.]+) ms/.exec(out.stdout);
  if (!m) throw new Error(`psql printed no timing: ${out.stdout.slice(-300)}`);
  await psql(`DROP TABLE ${table}`);
  return Number(m[1]) / 1000;
}

/** Runs the stage. */
export async function benchSink(ctx: BenchContext): Promise<StageResult[]> {
  const n = ctx.mode === "quick" ? 6000 : 30_000;
  const topics = isolated(ctx, "sinktopic");
  ctx.say(`sink: filling ${topics.TOPIC_IMAGES} with ${n} images`);
  await fillImages(ctx, topics, n);
  const dir = await mkdtemp(join(tmpdir(), "troupe-bench-"));
  const csv = join(dir, "rows.csv");
  const troupe = new Map<KafkaClientKind, number[]>(KAFKA_CLIENTS.map((k) => [k, []]));
  const anchor: number[] = [];
  const schemas: string[] = [];
  try {
    for (let r = 0; r < ctx.rounds; r++) {
      // Which side goes first alternates; round 1 starts with troupe, whose rows the anchor copies.
      await alternate(r, [
        ...KAFKA_CLIENTS.map((k, i) => async () => {
          const t = await troupeRound(ctx, topics, n, k);
          troupe.get(k)!.push(t.rate);
          schemas.push(t.schema);
          ctx.say(`sink round ${r + 1}/${ctx.rounds}: db role on ${k} ${t.rate.toFixed(0)} rows/s`);
          if (r === 0 && i === 0) {
            // The anchor copies the very rows troupe wrote, into a table of the same shape.
            const sql = connectPostgres(ctx.databaseUrl, { max: 1 });
            await sql.unsafe(
              `DROP TABLE IF EXISTS images_template; CREATE TABLE images_template (LIKE "${t.schema}".images INCLUDING ALL)`,
            );
            await sql.end();
            await run("psql", [
              ctx.databaseUrl,
              "-v",
              "ON_ERROR_STOP=1",
              "-qc",
              `\\copy (SELECT image_id, device_id, seq, captured_at, fine_label, coarse_label, width, height, png, sha256 FROM "${t.schema}".images) TO '${csv}' CSV`,
            ]);
          }
        }),
        async () => {
          const secs = await anchorRound(ctx, csv, r);
          anchor.push(n / secs);
          ctx.say(`sink round ${r + 1}/${ctx.rounds}: psql COPY ${(n / secs).toFixed(0)} rows/s`);
        },
      ]);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
    const sql = connectPostgres(ctx.databaseUrl, { max: 1 });
    await sql.unsafe(
      ["DROP TABLE IF EXISTS images_template", ...schemas.map((s) => `DROP SCHEMA IF EXISTS "${s}" CASCADE`)].join(";"),
    );
    await sql.end();
  }
  return KAFKA_CLIENTS.map((k) =>
    stageResult({
      stage: k === DEFAULT_KAFKA_CLIENT ? "sink" : `sink (${k})`,
      unit: "rows/s",
      troupe: [`db role on ${k}: Kafka -> decode, verify -> upsert`, troupe.get(k)!],
      anchor: ["psql \\copy of the same rows (CSV, PNG as bytea hex)", anchor],
      target: 0.5,
      extra: { rows: n, client: k },
      notes: [
        "both timed from the first row to the last commit: troupe from its first written batch (group join excluded), COPY by psql's \\timing (psql start and connection excluded, the file read included)",
      ],
    })
  );
}
