import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { connectPostgres, type ImageRow, migrate, writeBatch } from "../../actors/db/mod.ts";
import { readMigrations } from "../../actors/db/postgres.ts";
import { databaseUrl, uniqueName } from "../helpers/infra.ts";

t.test("migrations run once when several nodes start at the same moment", async (t) => {
  const schema = uniqueName("mig").toLowerCase();
  const pools = Array.from({ length: 4 }, () => connectPostgres(databaseUrl(), { schema, max: 1 }));
  t.teardown(async () => {
    await pools[0]!.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await Promise.all(pools.map((p) => p.end()));
  });
  const results = await Promise.all(pools.map((p) => migrate(p, { schema })));
  const files = (await readMigrations()).map((m) => m.name);
  t.same(results.flat().sort(), files, "each migration applied by exactly one node");
  const recorded = await pools[0]!<
    { version: number; name: string }[]
  >`SELECT version, name FROM troupe_migrations ORDER BY version`;
  t.same(recorded.map((r) => r.name), files);
  t.same(await migrate(pools[1]!, { schema }), [], "a later start applies nothing");
});

t.test("a migration edited after it was applied stops the start with its name", async (t) => {
  const schema = uniqueName("mig").toLowerCase();
  const dir = await mkdtemp(join(tmpdir(), "troupe-sql-"));
  const sql = connectPostgres(databaseUrl(), { schema, max: 1 });
  t.teardown(async () => {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end();
    await rm(dir, { recursive: true, force: true });
  });
  await writeFile(join(dir, "001_things.sql"), "CREATE TABLE things (id int PRIMARY KEY);\n");
  t.same(await migrate(sql, { schema, dir }), ["001_things.sql"]);
  await writeFile(join(dir, "001_things.sql"), "CREATE TABLE things (id bigint PRIMARY KEY);\n");
  await t.rejects(migrate(sql, { schema, dir }), {
    code: "TROUPE_ERR_MIGRATION",
    message: /migration 001_things.sql changed after it was applied/,
  });
  await writeFile(join(dir, "002_bad.sql"), "CREATE TABLE oops (;\n");
  await writeFile(join(dir, "001_things.sql"), "CREATE TABLE things (id int PRIMARY KEY);\n");
  await t.rejects(migrate(sql, { schema, dir }), {
    code: "TROUPE_ERR_MIGRATION",
    message: /migration 002_bad.sql failed: syntax error/,
  });
  t.same(
    (await sql`SELECT version FROM troupe_migrations`).map((r) => r["version"]),
    [1],
    "a failed migration leaves nothing recorded",
  );
});

t.test("the upsert is idempotent and counts each image once per device", async (t) => {
  const schema = uniqueName("ups").toLowerCase();
  const sql = connectPostgres(databaseUrl(), { schema, max: 2 });
  t.teardown(async () => {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end();
  });
  await migrate(sql, { schema });
  const row = (device: string, seq: number, byte: number): ImageRow => ({
    imageId: `${device}/${seq}`,
    deviceId: device,
    seq,
    capturedAt: new Date(Date.UTC(2026, 10, 24, 0, 0, seq)).toISOString(),
    fine: 1,
    coarse: 0,
    width: 32,
    height: 32,
    png: new Uint8Array([byte, 1, 2]),
    sha256: "a".repeat(64),
  });
  const first = await writeBatch(sql, {
    images: [row("a", 0, 1), row("a", 1, 1), row("a", 1, 2), row("b", 0, 1)],
    inferences: [],
  });
  t.same(
    first,
    { imagesInserted: 3, imagesUpdated: 0, inferences: 0 },
    "a key twice in one batch is one row (the last wins)",
  );
  const replay = await writeBatch(sql, { images: [row("a", 0, 9), row("b", 0, 1), row("b", 1, 1)], inferences: [] });
  t.same(replay, { imagesInserted: 1, imagesUpdated: 2, inferences: 0 });
  t.same([
    ...await sql`SELECT device_id, images::int, first_seen = ${
      row("a", 0, 0).capturedAt
    }::timestamptz AS first_ok FROM devices ORDER BY 1`,
  ], [
    { device_id: "a", images: 2, first_ok: true },
    { device_id: "b", images: 2, first_ok: true },
  ]);
  t.same(
    [...(await sql`SELECT png FROM images WHERE image_id = 'a/0'`)[0]!["png"]],
    [9, 1, 2],
    "a replay updates the row",
  );
  t.same([...(await sql`SELECT png FROM images WHERE image_id = 'a/1'`)[0]!["png"]], [2, 1, 2]);
  const inf = {
    imageId: "a/0",
    model: "m",
    top: [{ index: 3, label: "x", prob: 0.7 }],
    latencyMs: 4,
    inferredAt: new Date().toISOString(),
  };
  await writeBatch(sql, { images: [], inferences: [inf, { ...inf, top: [{ index: 4, label: "y", prob: 0.6 }] }] });
  await writeBatch(sql, { images: [], inferences: [inf] });
  t.same([...await sql`SELECT image_id, model, top1_label, top1_prob FROM inferences`], [{
    image_id: "a/0",
    model: "m",
    top1_label: "x",
    top1_prob: 0.7,
  }]);
  t.same([...await sql`SELECT jsonb_typeof(top) AS kind, top -> 0 ->> 'label' AS label FROM inferences`], [{
    kind: "array",
    label: "x",
  }], "top is a JSON array, not a string");
});
