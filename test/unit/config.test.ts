import t from "tap";
import { loadConfig, redactConfig } from "../../system/mod.ts";

t.test("defaults and a role list", async (t) => {
  const c = loadConfig({ env: { ROLE: "db, broker" } });
  t.same(c.roles, ["broker", "db"]);
  t.equal(c.ops.host, "127.0.0.1");
  t.equal(c.broker.version, "3.9.1");
  t.same(loadConfig({ env: { ROLE: "all" } }).roles, ["broker", "db", "inference", "simulator"]);
});

t.test("bad values name the variable and what is allowed", async (t) => {
  t.throws(() => loadConfig({ env: { ROLE: "bogus" } }), { code: "TROUPE_ERR_CONFIG", message: "ROLE must be one of simulator, broker, db, inference, all: got 'bogus'" });
  t.throws(() => loadConfig({ env: { OPS_PORT: "http" } }), { message: "OPS_PORT must be a port number from 0 to 65535: got 'http'" });
  t.throws(() => loadConfig({ env: { OPS_HOST: "0.0.0.0" } }), { message: /OPS_TOKEN must be set when OPS_HOST is not a loopback address/ });
  t.throws(() => loadConfig({ env: { KAFKA_VERSION: "4.0.0" } }), { message: /KAFKA_VERSION must be an Apache Kafka 3.9.x version/ });
});

t.test("secrets are redacted", async (t) => {
  const c = loadConfig({ env: { OPS_TOKEN: "abcdefghijklmnopqrstuvwxyz", DATABASE_URL: "postgres://u:pw@h:5432/d" } });
  const r = redactConfig(c) as { ops: { token: string }; databaseUrl: string };
  t.equal(r.ops.token, "***");
  t.equal(r.databaseUrl, "postgres://u:***@h:5432/d");
  t.ok(Object.isFrozen(c.ops));
});
