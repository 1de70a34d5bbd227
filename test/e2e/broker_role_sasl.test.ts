// The broker role with a SASL_SSL listener: the node makes the CA and the users itself (in KAFKA_DATA_DIR/certs); a
// client with them gets in, a plaintext one is not answered. (Its own file: it starts a broker of its own, and the
// suite's files run side by side.)
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { createKafkaClient, probeKafka } from "../../actors/kafka/mod.ts";
import { staticPorts } from "../helpers/infra.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";

t.test("the broker role with KAFKA_BROKER_LISTENER=sasl_ssl: its CA and users in KAFKA_DATA_DIR/certs let a client in", async (t) => {
  const [port, controller] = await staticPorts(2);
  const dir = mkdtempSync(join(tmpdir(), "troupe-broker-role-sasl-"));
  const node = await startNodeProcess(t, {
    ROLE: "broker",
    KAFKA_BROKER_LISTENER: "sasl_ssl",
    KAFKA_DATA_DIR: dir,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controller),
  });
  const secrets = JSON.parse(readFileSync(join(dir, "certs", "secrets.json"), "utf8")) as {
    caPem: string;
    users: { name: string; password: string }[];
  };
  const user = secrets.users[0]!;
  const brokers = [`127.0.0.1:${port}`];
  const client = createKafkaClient({
    brokers,
    tls: { ca: readFileSync(secrets.caPem, "utf8") },
    sasl: { mechanism: "scram-sha-512", username: user.name, password: user.password },
  });
  t.teardown(() => client.close());
  t.same(
    (await client.describeCluster()).brokers.map((b) => b.port),
    [port],
    "a client with the CA and a user gets in",
  );
  const plain = await probeKafka(brokers, 3_000).then(() => "answered", (err: Error) => err.message);
  t.not(plain, "answered", `a plaintext client is not answered (${plain})`);
  node.proc.kill("SIGTERM");
  t.equal(await node.exited, 0, "the node stops the broker and exits 0");
});
