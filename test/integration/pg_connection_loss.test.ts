import t from "tap";
import process from "node:process";
import { connectPostgres } from "../../actors/db/mod.ts";
import { databaseUrl, uniqueName } from "../helpers/infra.ts";

// A server that ends a connection in the middle of a transaction (a restart, a failover,
// an operator's pg_terminate_backend, a pooler): postgres.js 3.4 threw from a timer once
// the socket was gone (an uncaught TypeError that ends the process: porsager/postgres
// #1066, #1154, #1208) and left the connection unable to start again (every later query
// timed out connecting). Here the backend of the transaction's own connection ends it.
t.test("a connection the server ends inside a transaction rejects it; the process and the pool go on", async (t) => {
  const schema = uniqueName("connloss").toLowerCase();
  const sql = connectPostgres(databaseUrl(), { schema, max: 2, connectTimeoutS: 5 });
  t.teardown(async () => {
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await sql.end({ timeout: 1 });
  });
  const uncaught: unknown[] = [];
  const onUncaught = (e: unknown) => uncaught.push(e);
  process.on("uncaughtException", onUncaught);
  t.teardown(() => process.off("uncaughtException", onUncaught));

  for (let i = 0; i < 5; i++) {
    await t.rejects(
      sql.begin(async (tx) => {
        await tx`SELECT 1`;
        await tx`SELECT pg_terminate_backend(pg_backend_pid())`;
      }),
      { code: "57P01" },
      `round ${i}: the transaction rejects with the server's reason (57P01, terminated by an administrator)`,
    );
    // The timer that threw ran right after the connection closed: give it its turn.
    await new Promise((r) => setImmediate(r));
    t.same((await sql`SELECT 1 AS one`)[0], { one: 1 }, `round ${i}: the next query runs`);
  }
  t.same(uncaught.map(String), [], "nothing was thrown outside a query");
});
