/** Settings and checks shared by the pipeline's end-to-end tests. */
import { capturePng } from "../../protocols/capture.ts";
import { deviceIdOf } from "../../actors/simulator/device_fleet.ts";
import { connectPostgres, type Sql } from "../../actors/db/mod.ts";
import { openCifarDataset } from "../../actors/simulator/mod.ts";
import { sha256Hex } from "../../protocols/mod.ts";
import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { Test } from "tap";
import { signalPostgres, startPostgres, stopPostgres } from "../../infra/postgres_local.ts";
import { silentLogger } from "../../system/mod.ts";
import { troupeCacheDir } from "../../system/platform.ts";
import { databaseUrl, kafkaBrokers, uniqueName } from "./infra.ts";
import type { NodeProcess } from "./node_proc.ts";
import { until } from "./wait.ts";

/** Where every test's synthetic dataset lives (generated once, reused across runs and clones: troupe's cache). */
export const TEST_SYNTHETIC_DIR: string = join(troupeCacheDir(), "test-synthetic");
/** Where the tests' generated models and their conversions live (the same cache the nodes use by default). */
export const TEST_MODEL_DIR: string = join(troupeCacheDir(), "models");

/** Environment of a node with its own topics, group and schema. */
export function pipelineEnv(prefix: string): Record<string, string> {
  const name = uniqueName(prefix);
  return {
    KAFKA_BROKERS: kafkaBrokers().join(","),
    DATABASE_URL: databaseUrl(),
    TOPIC_IMAGES: `${name}.images`,
    TOPIC_INFERENCES: `${name}.inferences`,
    TOPIC_DEADLETTER: `${name}.deadletter`,
    TOPIC_NODES: `${name}.nodes`,
    TOPIC_LOGS: `${name}.logs`,
    TOPIC_PARTITIONS: "3",
    DB_GROUP_ID: `${name}-db`,
    INFERENCE_GROUP_ID: `${name}-inference`,
    DATABASE_SCHEMA: name.toLowerCase(),
    SYNTHETIC_DIR: TEST_SYNTHETIC_DIR,
    MODEL_DIR: TEST_MODEL_DIR,
    SIM_SEED: "1",
  };
}

/** A pool on the test's schema. */
export function testSql(env: Record<string, string>): Sql {
  return connectPostgres(env["DATABASE_URL"]!, { schema: env["DATABASE_SCHEMA"]!, max: 2 });
}

/** Rows in `inferences` (0 while the table does not exist yet). */
export async function inferenceCount(sql: Sql): Promise<number> {
  try {
    return Number((await sql`SELECT count(*)::int AS n FROM inferences`)[0]!["n"]);
  } catch {
    return 0;
  }
}

/** Rows in `images` (0 while the table does not exist yet). */
export async function imageCount(sql: Sql): Promise<number> {
  try {
    return Number((await sql`SELECT count(*)::int AS n FROM images`)[0]!["n"]);
  } catch {
    return 0;
  }
}

/**
 * Checks every stored image against the source: the PNG re-encoded from the
 * dataset record its camera and sequence number map to. Returns the problems.
 */
export async function verifyImages(sql: Sql, devices: number, perDevice: (d: number) => number): Promise<string[]> {
  const ds = await openCifarDataset(TEST_SYNTHETIC_DIR, "test");
  const problems: string[] = [];
  try {
    const rows = await sql<
      {
        image_id: string;
        device_id: string;
        seq: string;
        fine_label: number;
        coarse_label: number;
        png: Buffer;
        sha256: string;
      }[]
    >`
      SELECT image_id, device_id, seq, fine_label, coarse_label, png, sha256 FROM images`;
    const byId = new Map(rows.map((r) => [r.image_id, r]));
    for (let d = 0; d < devices; d++) {
      const id = deviceIdOf("cam", d);
      for (let seq = 0; seq < perDevice(d); seq++) {
        const row = byId.get(`${id}/${seq}`);
        if (!row) {
          problems.push(`missing ${id}/${seq}`);
          continue;
        }
        const rec = await ds.read((d + seq * devices) % ds.count);
        const want = sha256Hex(capturePng(rec));
        if (row.sha256 !== want) problems.push(`${row.image_id}: sha256 ${row.sha256} is not the source's ${want}`);
        if (sha256Hex(row.png) !== want) {
          problems.push(`${row.image_id}: stored PNG bytes do not hash to the source's sha256`);
        }
        if (row.fine_label !== rec.fine || row.coarse_label !== rec.coarse) {
          problems.push(`${row.image_id}: labels differ from the source`);
        }
      }
    }
  } finally {
    await ds.close();
  }
  return problems;
}

/** Sum of `devices.images` (rows inserted, replays not counted). */
export async function deviceImageSum(sql: Sql): Promise<number> {
  return Number((await sql`SELECT coalesce(sum(images), 0)::int AS n FROM devices`)[0]!["n"]);
}

/** How many images camera `d` of `devices` takes out of `count`. */
export function shareOf(count: number, devices: number): (d: number) => number {
  return (d) => Math.floor(count / devices) + (d < count % devices ? 1 : 0);
}

/** What {@link expectRecovered} needs of a run: a simulator and a db node sharing `sql`. */
export interface RecoveredRun {
  sim: NodeProcess;
  db: NodeProcess;
  sql: Sql;
  images: number;
  devices: number;
}

/**
 * After a fault has healed: waits until the simulator finished, every image is
 * stored and the db consumer is idle and resumed, then checks exactly N rows,
 * each image counted once, every image intact, and the node ready again.
 */
export async function expectRecovered(t: Test, r: RecoveredRun): Promise<void> {
  await until(
    "simulator finished",
    async () => (await r.sim.actor("/troupe/simulator/fleet"))?.info?.["finished"] === true,
    180_000,
    100,
  );
  await until(`${r.images} rows`, async () => (await imageCount(r.sql)) >= r.images, 120_000, 100);
  await until(
    "consumer idle and resumed",
    async () => {
      const c = await r.db.actor("/troupe/db/consumer");
      return c?.info?.["inFlight"] === 0 && (c.info["paused"] as string[]).length === 0;
    },
    60_000,
    100,
  );
  t.equal(await imageCount(r.sql), r.images, "exactly N rows");
  t.equal(await deviceImageSum(r.sql), r.images, "no image counted twice");
  t.same(await verifyImages(r.sql, r.devices, shareOf(r.images, r.devices)), [], "every image present and intact");
  t.equal((await fetch(`${r.db.base}/readyz`)).status, 200, "ready again");
}

/**
 * A PostgreSQL cluster of the test's own, so stopping or freezing it disturbs no
 * other test; thawed, stopped and removed at teardown.
 */
export async function privatePostgres(t: Test, prefix: string): Promise<{ dir: string; url: string }> {
  const dir = `.troupe/${uniqueName(prefix)}`;
  const pg = await startPostgres(dir, silentLogger);
  t.teardown(async () => {
    try {
      signalPostgres(dir, "SIGCONT");
    } catch { /* not running */ }
    await stopPostgres(dir, silentLogger);
    await rm(dir, { recursive: true, force: true });
  });
  return { dir, url: pg.url };
}
