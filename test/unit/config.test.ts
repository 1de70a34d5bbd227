import t from "tap";
import { loadConfig, redactConfig } from "../../node/config.ts";

t.test("defaults and a role list", async (t) => {
  const c = loadConfig({ env: { ROLE: "db, broker" } });
  t.same(c.roles, ["broker", "db"]);
  t.equal(c.ops.host, "127.0.0.1");
  t.equal(c.broker.version, "4.4.0");
  t.equal(loadConfig({ env: { KAFKA_VERSION: "3.9.1" } }).broker.version, "3.9.1", "the 3.9 line is kept");
  t.same(loadConfig({ env: { ROLE: "all" } }).roles, ["broker", "db", "inference", "simulator"]);
});

t.test("ROLE=all starts a local broker only when KAFKA_BROKERS is unset", async (t) => {
  t.same(loadConfig({ env: { ROLE: "all", KAFKA_BROKERS: "kafka-1:9092" } }).roles, ["db", "inference", "simulator"]);
  t.same(
    loadConfig({ env: { ROLE: "broker,db", KAFKA_BROKERS: "kafka-1:9092" } }).roles,
    ["broker", "db"],
    "a broker named explicitly still starts",
  );
});

t.test("bad values name the variable and what is allowed", async (t) => {
  t.throws(() => loadConfig({ env: { ROLE: "bogus" } }), {
    code: "TROUPE_ERR_CONFIG",
    message: "ROLE must be one of simulator, broker, db, inference, all: got 'bogus'",
  });
  t.throws(() => loadConfig({ env: { OPS_PORT: "http" } }), {
    message: "OPS_PORT must be a port number from 0 to 65535: got 'http'",
  });
  t.throws(() => loadConfig({ env: { OPS_HOST: "0.0.0.0" } }), {
    message: /OPS_TOKEN must be set when OPS_HOST is not a loopback address/,
  });
  t.throws(() => loadConfig({ env: { OPS_CONTROL: "yes" } }), { message: "OPS_CONTROL must be on or off: got 'yes'" });
  t.throws(() => loadConfig({ env: { OPS_CONTROL: "on" } }), {
    message: /OPS_CONTROL=on needs OPS_TOKEN: the control routes are always behind the token/,
  });
  t.equal(loadConfig({ env: { OPS_CONTROL: "on", OPS_TOKEN: "0123456789abcdefgh" } }).ops.control, true);
  t.equal(loadConfig({ env: {} }).ops.control, false, "off by default");
  t.throws(() => loadConfig({ env: { KAFKA_VERSION: "3.8.1" } }), {
    message: /KAFKA_VERSION must be an Apache Kafka 3.9.x or 4.x version/,
  });
});

t.test("secrets are redacted", async (t) => {
  const c = loadConfig({ env: { OPS_TOKEN: "abcdefghijklmnopqrstuvwxyz", DATABASE_URL: "postgres://u:pw@h:5432/d" } });
  const r = redactConfig(c) as { ops: { token: string }; databaseUrl: string };
  t.equal(r.ops.token, "***");
  t.equal(r.databaseUrl, "postgres://u:***@h:5432/d");
  t.ok(Object.isFrozen(c.ops));
});

t.test("pipeline settings: defaults, and bad values named", async (t) => {
  const c = loadConfig({ env: {} });
  t.same(c.topics, {
    images: "troupe.images",
    inferences: "troupe.inferences",
    deadletter: "troupe.deadletter",
    partitions: 6,
    compression: "none",
  });
  t.equal(c.simulator.datasetDir, null);
  t.equal(c.db.groupId, "troupe-db");
  t.equal(c.db.schema, "public");
  const s = loadConfig({
    env: {
      SIM_DEVICES: "50",
      SIM_RATE: "0",
      SIM_COUNT: "10000",
      DATASET_DIR: "/data/cifar-100-binary",
      KAFKA_COMPRESSION: "gzip",
    },
  });
  t.same([s.simulator.devices, s.simulator.rate, s.simulator.count, s.simulator.datasetDir, s.topics.compression], [
    50,
    0,
    10000,
    "/data/cifar-100-binary",
    "gzip",
  ]);
  t.throws(() => loadConfig({ env: { SIM_RATE: "0" } }), {
    message: /SIM_RATE must be above 0 unless SIM_COUNT is set/,
  });
  t.throws(() => loadConfig({ env: { KAFKA_COMPRESSION: "zstd" } }), {
    message: "KAFKA_COMPRESSION must be none or gzip: got 'zstd'",
  });
  t.throws(() => loadConfig({ env: { DATABASE_SCHEMA: "Robert'); DROP" } }), {
    message: /DATABASE_SCHEMA must be a lower-case SQL identifier/,
  });
  t.throws(() => loadConfig({ env: { TOPIC_IMAGES: "a topic" } }), {
    message: /TOPIC_IMAGES must be 1 to 249 letters/,
  });
  t.throws(() => loadConfig({ env: { UPSERT_BATCH: "0" } }), {
    message: "UPSERT_BATCH must be a whole number from 1 to 10000: got '0'",
  });
});

t.test("the broker role listens beyond loopback only when it advertises another host", async (t) => {
  const { mkdtempSync, readFileSync, rmSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const { writeBrokerConfig } = await import("../../infra/kafka_jvm.ts");
  const dir = mkdtempSync(join(tmpdir(), "troupe-broker-conf-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const base = { version: "3.9.1", port: 19999, controllerPort: 19998, dataDir: dir, heap: "256m" };
  const local = readFileSync(writeBrokerConfig(base).serverProperties, "utf8");
  t.match(local, "listeners=PLAINTEXT://127.0.0.1:19999,CONTROLLER://127.0.0.1:19998");
  t.match(local, "advertised.listeners=PLAINTEXT://127.0.0.1:19999");
  const shared = readFileSync(
    writeBrokerConfig({ ...base, advertisedHost: "kafka.internal" }).serverProperties,
    "utf8",
  );
  t.match(shared, "listeners=PLAINTEXT://0.0.0.0:19999,CONTROLLER://127.0.0.1:19998");
  t.match(shared, "advertised.listeners=PLAINTEXT://kafka.internal:19999");
  t.equal(loadConfig({ env: { KAFKA_ADVERTISED_HOST: "kafka.internal" } }).broker.advertisedHost, "kafka.internal");
  const custom = readFileSync(
    writeBrokerConfig({ ...base, properties: { "offsets.topic.replication.factor": "2", "log.retention.ms": "1" } })
      .serverProperties,
    "utf8",
  ).split("\n");
  t.same(
    custom.filter((l) => l.startsWith("offsets.topic.replication.factor=") || l.startsWith("log.retention.ms=")),
    ["offsets.topic.replication.factor=2", "log.retention.ms=1"],
    "a property given replaces troupe's, once; a new one is added",
  );
});

t.test("Kafka's client, membership, TLS and SASL: defaults, files read, problems named, the password redacted", async (t) => {
  const plain = loadConfig({ env: {} });
  t.equal(plain.kafkaClient, "platformatic");
  t.same(plain.kafkaSecurity, { tls: null, sasl: null });
  const dir = t.testdir({ "ca.pem": "-----BEGIN CERTIFICATE-----\nx\n", "pw": "s3cret\n" });
  const c = loadConfig({
    env: {
      KAFKA_CLIENT: "kafkajs",
      KAFKA_TLS_CA: `${dir}/ca.pem`,
      KAFKA_SASL_MECHANISM: "scram-sha-512",
      KAFKA_SASL_USERNAME: "troupe",
      KAFKA_SASL_PASSWORD_FILE: `${dir}/pw`,
    },
  });
  t.equal(c.kafkaClient, "kafkajs");
  t.equal(c.kafkaSecurity.tls?.ca, "-----BEGIN CERTIFICATE-----\nx\n", "TLS on with the CA's PEM read");
  t.same(c.kafkaSecurity.sasl, { mechanism: "scram-sha-512", username: "troupe", password: "s3cret" });
  const r = redactConfig(c) as { kafkaSecurity: { tls: unknown; sasl: { password: string } } };
  t.equal(r.kafkaSecurity.sasl.password, "***");
  t.same(r.kafkaSecurity.tls, { files: { ca: `${dir}/ca.pem`, cert: null, key: null } }, "files named, no PEM");
  t.notMatch(JSON.stringify(r), /s3cret/);

  const bad = (env: Record<string, string>) => {
    try {
      loadConfig({ env });
      return "";
    } catch (err) {
      return (err as Error).message;
    }
  };
  t.match(bad({ KAFKA_CLIENT: "librdkafka" }), "KAFKA_CLIENT must be one of kafkajs, platformatic: got 'librdkafka'");
  t.match(bad({ KAFKA_TLS_CA: `${dir}/missing.pem` }), /KAFKA_TLS_CA must be a readable file: ENOENT/);
  t.match(bad({ KAFKA_TLS_CERT: `${dir}/ca.pem` }), "KAFKA_TLS_CERT and KAFKA_TLS_KEY go together");
  t.match(bad({ KAFKA_SASL_MECHANISM: "scram-sha-1" }), /KAFKA_SASL_MECHANISM must be one of scram-sha-512/);
  t.match(
    bad({ KAFKA_SASL_MECHANISM: "plain", KAFKA_SASL_USERNAME: "u" }),
    "KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE must be set",
  );
  t.match(bad({ KAFKA_SASL_USERNAME: "u", KAFKA_SASL_PASSWORD: "p" }), "need KAFKA_SASL_MECHANISM");
  t.match(bad({ KAFKA_GROUP_INSTANCE_ID: "a b" }), /KAFKA_GROUP_INSTANCE_ID must be 1 to 200 letters/);
  t.match(bad({ KAFKA_GROUP_PROTOCOL: "eager" }), "KAFKA_GROUP_PROTOCOL must be one of classic, consumer: got 'eager'");
  t.match(
    bad({ KAFKA_GROUP_PROTOCOL: "consumer", KAFKA_CLIENT: "kafkajs" }),
    "KAFKA_GROUP_PROTOCOL=consumer needs KAFKA_CLIENT=platformatic",
  );
  t.equal(loadConfig({ env: { KAFKA_GROUP_PROTOCOL: "consumer" } }).kafkaGroupProtocol, "consumer");
  t.match(bad({ KAFKA_BROKER_LISTENER: "ssl" }), "KAFKA_BROKER_LISTENER must be plaintext or sasl_ssl: got 'ssl'");
  t.equal(loadConfig({ env: { KAFKA_BROKER_LISTENER: "sasl_ssl" } }).broker.listener, "sasl_ssl");
  t.equal(loadConfig({ env: {} }).broker.listener, "plaintext");
});
