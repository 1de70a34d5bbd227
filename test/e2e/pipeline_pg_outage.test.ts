import t from "tap";
import { startPostgres, stopPostgres } from "../../infra/postgres_local.ts";
import { silentLogger } from "../../system/mod.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { expectRecovered, imageCount, pipelineEnv, privatePostgres, testSql } from "../helpers/pipeline.ts";
import { until } from "../helpers/wait.ts";

t.test("PostgreSQL stopped mid-run: the consumer pauses, nothing is lost, the flow resumes by itself", async (t) => {
  const { dir, url } = await privatePostgres(t, "pg-outage");
  const env = { ...pipelineEnv("outage"), DATABASE_URL: url };
  const N = 2500;
  const devices = 10;
  const sql = testSql(env);
  t.teardown(() => sql.end());
  const db = await startNodeProcess(t, { ...env, ROLE: "db", UPSERT_BATCH: "100" });
  const sim = await startNodeProcess(t, {
    ...env,
    ROLE: "simulator",
    SIM_DEVICES: String(devices),
    SIM_RATE: "25",
    SIM_COUNT: String(N),
  });
  await until("some rows written", async () => (await imageCount(sql)) >= 300, 120_000, 20);

  await stopPostgres(dir, silentLogger);
  const paused = await until(
    "consumer paused",
    async () => {
      const c = await db.actor("/troupe/db/consumer");
      const p = c?.info?.["paused"] as string[] | undefined;
      return p && p.length > 0 ? p : undefined;
    },
    60_000,
    100,
  );
  t.ok(paused.length >= 3, `the consumer paused its partitions: ${paused.join(", ")}`);
  const ready = (await (await fetch(`${db.base}/readyz`)).json()) as {
    ready: boolean;
    dependencies: Record<string, { ok: boolean }>;
  };
  t.equal(ready.ready, false, "not ready while PostgreSQL is down");
  t.equal(ready.dependencies["postgres"]?.ok, false);
  const upserter = await until(
    "upserter restarting",
    async () => {
      const u = await db.actor("/troupe/db/upserter");
      return u && u.restarts >= 1 ? u : undefined;
    },
    60_000,
    100,
  );
  t.equal(upserter.lastError?.code, "TROUPE_ERR_DATABASE", "the upserter fails with a database error and is restarted");

  await startPostgres(dir, silentLogger);
  await expectRecovered(t, { sim, db, sql, images: N, devices });
  t.ok((await db.actor("/troupe/db/consumer"))!.info!["pauses"]! as number >= 1);
  sim.proc.kill("SIGTERM");
  db.proc.kill("SIGTERM");
  t.equal(await db.exited, 0);
});
