import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { connectPostgres, migrate, writeBatch } from "../../actors/db/mod.ts";
import { startLocalDatabase } from "../../infra/local_database.ts";
import { createLogger } from "../../system/mod.ts";

t.test("where no PostgreSQL can be had, the local database is PGlite, and says so", async (t) => {
  const dir = await mkdtemp(join(tmpdir(), "troupe-pglite-"));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const lines: { level: string; msg: string }[] = [];
  const log = createLogger({
    level: "info",
    sink: (line) => lines.push(JSON.parse(line) as { level: string; msg: string }),
  });
  // A data directory that cannot exist makes the PostgreSQL path fail.
  const db = await startLocalDatabase(log, { postgresDir: "/dev/null/postgres", pgliteDir: dir });
  t.teardown(() => db.stop());
  t.equal(db.kind, "pglite");
  t.ok(
    lines.some((l) => l.level === "warn" && /falling back to the embedded PGlite/.test(l.msg)),
    "the fallback is logged as a warning",
  );
  const sql = connectPostgres(db.url, { max: 1 });
  t.teardown(() => sql.end());
  t.same(await migrate(sql), ["001_pipeline.sql", "002_trace_ids.sql"]);
  const row = {
    imageId: "a/0",
    deviceId: "a",
    seq: 0,
    capturedAt: new Date().toISOString(),
    fine: 1,
    coarse: 0,
    width: 32,
    height: 32,
    png: new Uint8Array([1]),
    sha256: "b".repeat(64),
  };
  t.same(await writeBatch(sql, { images: [row], inferences: [] }), {
    imagesInserted: 1,
    imagesUpdated: 0,
    inferences: 0,
  });
  t.same(await writeBatch(sql, { images: [row], inferences: [] }), {
    imagesInserted: 0,
    imagesUpdated: 1,
    inferences: 0,
  }, "the upsert contract holds on PGlite too");
});
