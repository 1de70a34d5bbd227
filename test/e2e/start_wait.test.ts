// Order of start across hosts (issue 21): a db node started before its PostgreSQL waits (START_WAIT_S) instead of
// exiting, says what it waits for on /readyz and, since Kafka answers, in its heartbeat (the fleet shows it), and
// goes on by itself once the database is up: rows flow.
import t from "tap";
import { startPostgres, stopPostgres } from "../../infra/postgres_local.ts";
import type { FleetView } from "../../protocols/mod.ts";
import { silentLogger } from "../../system/mod.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { imageCount, pipelineEnv, privatePostgres } from "../helpers/pipeline.ts";
import { connectPostgres } from "../../actors/db/mod.ts";
import { until } from "../helpers/wait.ts";

t.test("a db node started before its database waits, shows what it waits for, and goes on", async (t) => {
  const pg = await privatePostgres(t, "startwait_pg");
  await stopPostgres(pg.dir, silentLogger);
  const env: Record<string, string> = {
    ...pipelineEnv("startwait"),
    DATABASE_URL: pg.url,
    HEARTBEAT_MS: "300",
    START_WAIT_S: "120",
  };
  const db = await startNodeProcess(t, { ...env, NODE_ID: "wait-db", ROLE: "db" }, { waitReady: false });
  const ready = async () =>
    (await (await fetch(`${db.base}/readyz`)).json()) as {
      ready: boolean;
      dependencies: Record<string, { ok: boolean; detail: string }>;
    };
  const waiting = await until(
    "/readyz says what the node waits for",
    async () => {
      const r = await ready();
      return /waiting for DATABASE_URL=.*: connection refused/.test(r.dependencies["roles"]?.detail ?? "") ? r : null;
    },
    30_000,
    100,
  );
  t.equal(waiting.ready, false);
  t.match(waiting.dependencies["roles"]!.detail, /of START_WAIT_S=120\)$/);
  t.notMatch(waiting.dependencies["roles"]!.detail, /sekret|password/);
  const seen = await until(
    "the fleet sees it waiting",
    async () => {
      const v = (await (await fetch(`${db.base}/fleet`)).json()) as FleetView;
      const me = v.nodes.find((n) => n.nodeId === "wait-db");
      return me && me.waitingFor.some((w) => w.includes("waiting for DATABASE_URL")) ? me : null;
    },
    30_000,
    100,
  );
  t.equal(seen.ready, false);
  t.equal(seen.state, "live", "waiting, and live: it beats");

  await startPostgres(pg.dir, silentLogger);
  await until("ready once the database is up", async () => (await ready()).ready, 60_000, 200);
  t.equal(db.proc.exitCode, null, "it did not exit");
  t.equal(db.stderr().split("waiting for a dependency that is not up yet").length - 1, 1, "said once in the log");
  t.match(db.stderr(), /what the node waited for is up/);

  const sim = await startNodeProcess(t, {
    ...env,
    NODE_ID: "wait-sim",
    ROLE: "simulator",
    SIM_COUNT: "20",
    SIM_RATE: "20",
  });
  const sql = connectPostgres(pg.url, { schema: env["DATABASE_SCHEMA"]!, max: 1 });
  t.teardown(() => sql.end());
  await until("its rows", async () => (await imageCount(sql)) >= 20, 60_000, 200);
  for (const n of [sim, db]) n.proc.kill("SIGTERM");
  t.equal(await db.exited, 0);
});
