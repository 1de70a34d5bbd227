// PostgreSQL over TLS as DATABASE_URL spells it (postgres.js reads sslmode, sslrootcert): a PostgreSQL server of the
// test's own (Debian's package, a private cluster) with a certificate from a private CA, refusing every TCP connection
// without TLS. The db role's connection and its migrations go over it.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { connectPostgres, migrate } from "../../actors/db/mod.ts";
import { startPostgres, stopPostgres } from "../../infra/mod.ts";
import { run } from "../../infra/process.ts";
import { createLogger } from "../../system/mod.ts";

const log = createLogger({ level: "warn" });
const openssl = (dir: string, args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });

/** A CA (`name`-ca.pem) and, when `server`, a server certificate it signed for 127.0.0.1 and localhost. */
function makeCa(dir: string, name: string): string {
  openssl(dir, [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    `/CN=${name} test CA`,
    "-keyout",
    `${name}-ca.key`,
    "-out",
    `${name}-ca.pem`,
  ]);
  return join(dir, `${name}-ca.pem`);
}

function makeServerCert(dir: string, ca: string): void {
  openssl(dir, [
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-subj",
    "/CN=localhost",
    "-keyout",
    "server.key",
    "-out",
    "server.csr",
  ]);
  writeFileSync(join(dir, "san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(dir, [
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    `${ca}-ca.pem`,
    "-CAkey",
    `${ca}-ca.key`,
    "-CAcreateserial",
    "-days",
    "2",
    "-extfile",
    "san.ext",
    "-out",
    "server.crt",
  ]);
}

t.test("PostgreSQL over TLS: verify-full against the CA works; no TLS and a wrong CA are refused", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-pg-tls-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const certs = join(dir, "certs");
  execFileSync("mkdir", ["-p", certs]);
  const ca = makeCa(certs, "right");
  const wrongCa = makeCa(certs, "wrong");
  makeServerCert(certs, "right");

  const pg = await startPostgres(join(dir, "pg"), log);
  t.teardown(() => stopPostgres(join(dir, "pg"), log));
  const pgdata = join(pg.dataDir, "data");
  for (const f of ["server.crt", "server.key"]) {
    copyFileSync(join(certs, f), join(pgdata, f));
    chmodSync(join(pgdata, f), 0o600);
    await run("chown", ["postgres:postgres", join(pgdata, f)], { allowFail: true });
  }
  // TLS on; TCP connections without it refused. The socket stays open to the test's own psql.
  writeFileSync(
    join(pgdata, "pg_hba.conf"),
    "local all all trust\nhostssl all all 127.0.0.1/32 trust\nhostnossl all all 127.0.0.1/32 reject\n",
  );
  const psql = (sql: string) =>
    run("psql", ["-h", pg.dataDir, "-p", String(pg.port), "-U", "troupe", "-d", "troupe", "-tAc", sql]);
  await psql("ALTER SYSTEM SET ssl = on");
  await psql("SELECT pg_reload_conf()");

  const tls = `${pg.url}?sslmode=verify-full&sslrootcert=${ca}`;
  const sql = connectPostgres(tls, { max: 1 });
  t.teardown(() => sql.end({ timeout: 5 }));
  const [row] = await sql<{ ssl: boolean; version: string }[]>`
    SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()`;
  t.equal(row?.ssl, true, `the connection is encrypted (${row?.version})`);
  const schema = `tls_${process.pid}`;
  const applied = await migrate(sql, { schema, log });
  t.ok(applied.length > 0, "the db role's migrations ran over TLS");

  const refused = async (url: string) => {
    const s = connectPostgres(url, { max: 1, connectTimeoutS: 5 });
    try {
      await s`SELECT 1`;
      return "connected";
    } catch (err) {
      return (err as Error).message;
    } finally {
      await s.end({ timeout: 1 }).catch(() => {});
    }
  };
  t.match(await refused(pg.url), /no encryption/, "a connection without TLS is refused by the server");
  t.match(
    await refused(`${pg.url}?sslmode=verify-full&sslrootcert=${wrongCa}`),
    /self[- ]signed|unable to verify|unable to get/i,
    "a server certificate the given CA did not sign is refused by the client",
  );
  t.equal(await refused(`${pg.url}?sslmode=require`), "connected", "sslmode=require encrypts without checking");
});
