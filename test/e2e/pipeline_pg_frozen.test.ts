import t from "tap";
import { signalPostgres } from "../../infra/postgres_local.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { expectRecovered, imageCount, pipelineEnv, privatePostgres, testSql } from "../helpers/pipeline.ts";
import { until } from "../helpers/wait.ts";

t.test("PostgreSQL frozen (SIGSTOP) mid-run: found by the timeouts, the consumer pauses, the node answers", async (t) => {
  const { dir, url } = await privatePostgres(t, "pg-frozen");
  const env = { ...pipelineEnv("frozen"), DATABASE_URL: url };
  const N = 1500;
  const devices = 5;
  const sql = testSql(env);
  t.teardown(() => sql.end());
  const db = await startNodeProcess(t, {
    ...env,
    ROLE: "db",
    UPSERT_BATCH: "100",
    DB_STATEMENT_TIMEOUT_MS: "1000",
    DB_CONNECT_TIMEOUT_S: "2",
  });
  const sim = await startNodeProcess(t, {
    ...env,
    ROLE: "simulator",
    SIM_DEVICES: String(devices),
    SIM_RATE: "25",
    SIM_COUNT: String(N),
  });
  await until("some rows written", async () => (await imageCount(sql)) >= 200, 120_000, 20);

  const processes = signalPostgres(dir, "SIGSTOP");
  t.comment(`froze ${processes} PostgreSQL processes`);
  const upserter = await until(
    "upserter failed on a timeout",
    async () => {
      const u = await db.actor("/troupe/db/upserter");
      return u?.lastError?.code === "TROUPE_ERR_DATABASE_TIMEOUT" ? u : undefined;
    },
    60_000,
    100,
  );
  t.match(upserter.lastError?.message, /did not answer .* within 2000 ms/);
  await until(
    "consumer paused",
    async () => {
      const c = await db.actor("/troupe/db/consumer");
      return ((c?.info?.["paused"] as string[] | undefined) ?? []).length > 0;
    },
    60_000,
    100,
  );
  const ready = await fetch(`${db.base}/readyz`);
  t.equal(ready.status, 503, "not ready while PostgreSQL does not answer");
  t.equal(
    ((await ready.json()) as { dependencies: Record<string, { ok: boolean }> }).dependencies["postgres"]?.ok,
    false,
  );

  signalPostgres(dir, "SIGCONT");
  const thawed = Date.now();
  await expectRecovered(t, { sim, db, sql, images: N, devices });
  t.comment(`recovered ${((Date.now() - thawed) / 1000).toFixed(1)} s after the thaw`);
  sim.proc.kill("SIGTERM");
  db.proc.kill("SIGTERM");
  t.equal(await db.exited, 0);
});
