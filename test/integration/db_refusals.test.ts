import t, { type Test } from "tap";
import { connectPostgres } from "../../actors/db/mod.ts";
import { isRowFault, writeIsolating } from "../../actors/db/refusals.ts";
import { databaseUrl, uniqueName } from "../helpers/infra.ts";

async function table(t: Test) {
  const schema = uniqueName("refuse").toLowerCase();
  const sql = connectPostgres(databaseUrl(), { schema, max: 1 });
  t.teardown(async () => {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end();
  });
  await sql.unsafe(`CREATE SCHEMA "${schema}"`);
  await sql`CREATE TABLE kv (k int PRIMARY KEY, v int NOT NULL CHECK (v >= 0))`;
  return sql;
}
type Item = { k: number; v: number | string };

t.test("refused rows are found by splitting; the rest is written in order, later versions winning", async (t) => {
  const sql = await table(t);
  // 40 items: three refused for different reasons, and key 7 written twice (the later one wins).
  const items: Item[] = Array.from({ length: 40 }, (_, i) => ({ k: i, v: i }));
  items[5] = { k: 5, v: -1 }; // 23514 check_violation
  items[17] = { k: 17, v: "x" }; // 22P02 invalid_text_representation
  items[33] = { k: 33, v: 2 ** 40 }; // 22003 numeric_value_out_of_range
  items.push({ k: 7, v: 700 });
  let statements = 0;
  const out = await writeIsolating(sql, items, async (tx, part) => {
    statements++;
    const rows = [...new Map(part.map((p) => [p.k, p])).values()];
    await tx`INSERT INTO kv ${tx(rows.map((r) => ({ k: r.k, v: r.v })))}
      ON CONFLICT (k) DO UPDATE SET v = excluded.v`;
    return part.length;
  });
  t.same(
    out.refused.map((r) => [r.item.k, r.sqlstate]),
    [[5, "23514"], [17, "22P02"], [33, "22003"]],
  );
  t.ok(out.refused.every((r) => r.message.length > 0), "each with the server's message");
  t.equal(out.written.reduce((a, b) => a + b, 0), items.length - 3, "every other item written");
  const rows = await sql<{ k: number; v: number }[]>`SELECT k, v FROM kv ORDER BY k`;
  t.equal(rows.length, 37);
  t.equal(rows.find((r) => r.k === 7)?.v, 700, "the later item for key 7 won");
  t.ok(statements < items.length, `${statements} writes for ${items.length} items`);
});

t.test("an error that is not a row's fault rolls everything back and is thrown", async (t) => {
  const sql = await table(t);
  const items: Item[] = [{ k: 1, v: 1 }, { k: 2, v: 2 }, { k: 3, v: -1 }];
  const err = await writeIsolating(sql, items, async (tx, part) => {
    if (part.length === 1 && part[0]!.k === 3) await tx`SELECT * FROM no_such_table`;
    await tx`INSERT INTO kv ${tx(part.map((r) => ({ k: r.k, v: r.v })))}`;
    return part.length;
  }).then(() => null, (e: unknown) => e);
  t.match(err, { code: "42P01" }, "an undefined table: an operator's problem, not the row's");
  t.notOk(isRowFault(err));
  t.same(await sql`SELECT k FROM kv`, [], "nothing written");
});
