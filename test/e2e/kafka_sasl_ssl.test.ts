// The pipeline against a broker with a SASL_SSL listener (`npm run kafka -- start --sasl-ssl`: a private CA and
// the broker's keystore made with keytool, SCRAM users created at format time), with each Kafka client; a client
// with a wrong password, without TLS or without SASL refused with one line naming the setting.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import t from "tap";
import { createKafkaClient, endOffsetTotal } from "../../actors/kafka/mod.ts";
import { nodeArgs } from "../helpers/entry.ts";
import { staticPorts } from "../helpers/infra.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { imageCount, pipelineEnv, testSql } from "../helpers/pipeline.ts";
import { until } from "../helpers/wait.ts";

/** Runs one of troupe's commands to its end. */
async function command(script: string, args: string[], env: Record<string, string | undefined>) {
  // A variable given as undefined is left out (spawn would pass the text "undefined").
  const all = Object.fromEntries(
    Object.entries({ ...process.env, ...env }).filter((e): e is [string, string] => e[1] !== undefined),
  );
  const p = spawn(process.execPath, [...(await nodeArgs(script)), ...args], {
    env: all,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  p.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise<number | null>((r) => p.once("exit", r));
  return { code, stdout, stderr };
}

t.test("the pipeline runs against a SASL_SSL broker with both clients; wrong settings are named", async (t) => {
  const [port, controller] = await staticPorts(2);
  const dir = mkdtempSync(join(tmpdir(), "troupe-sasl-ssl-"));
  const started = await command("node/cli/kafka.ts", [
    "start",
    "--sasl-ssl",
    "--dir",
    dir,
    "--port",
    String(port),
    "--controller-port",
    String(controller),
  ], {});
  t.teardown(() => command("node/cli/kafka.ts", ["stop", "--dir", dir], {}));
  t.equal(started.code, 0, "the broker started", { stderr: started.stderr.slice(-800) });
  const security = Object.fromEntries(
    started.stdout.trim().split("\n").map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
  );
  t.same(Object.keys(security).sort(), [
    "KAFKA_BROKERS",
    "KAFKA_SASL_MECHANISM",
    "KAFKA_SASL_PASSWORD",
    "KAFKA_SASL_USERNAME",
    "KAFKA_TLS_CA",
  ]);

  const env: Record<string, string> = { ...pipelineEnv("saslssl"), ...security, SIM_DEVICES: "2", SIM_RATE: "0" };
  const sql = testSql(env);
  t.teardown(() => sql.end());
  // The default client: db and simulator roles in one node.
  const node = await startNodeProcess(t, { ...env, ROLE: "db,simulator", SIM_COUNT: "60" });
  await until("60 rows through the SASL_SSL broker", async () => (await imageCount(sql)) >= 60, 60_000, 100);
  t.match(await (await fetch(`${node.base}/config`)).text(), /"password":"\*\*\*"/, "/config shows no password");
  // kafkajs: `npm run simulate` sends 40 more, numbered after the first 60.
  const sim = await command("node/cli/simulate.ts", ["--count", "40", "--ops-port", "0"], {
    ...env,
    KAFKA_CLIENT: "kafkajs",
  });
  t.equal(sim.code, 0, "kafkajs sent its images", { stderr: sim.stderr.slice(-800) });
  // The same cameras number their images from 0 again, so the rows are updated, not added: the records count.
  const kafkajs = createKafkaClient({
    brokers: [security["KAFKA_BROKERS"]!],
    client: "kafkajs",
    tls: { ca: readFileSync(security["KAFKA_TLS_CA"]!, "utf8") },
    sasl: {
      mechanism: "scram-sha-512",
      username: security["KAFKA_SASL_USERNAME"]!,
      password: security["KAFKA_SASL_PASSWORD"]!,
    },
  });
  t.teardown(() => kafkajs.close());
  t.equal(endOffsetTotal(await kafkajs.topicOffsets(env["TOPIC_IMAGES"]!)), 100, "100 records in the images topic");
  await until(
    "the db node consumed all 100",
    async () => Number((await node.actor("/troupe/db/consumer"))?.info?.["consumed"] ?? 0) >= 100,
    60_000,
    100,
  );
  t.equal(await imageCount(sql), 60, "60 distinct images");
  node.proc.kill("SIGTERM");
  t.equal(await node.exited, 0);

  const refused = async (what: string, more: Record<string, string | undefined>, variable: RegExp) => {
    const r = await command("node/cli/simulate.ts", ["--count", "1", "--ops-port", "0"], { ...env, ...more });
    const last = r.stderr.trim().split("\n").at(-1) ?? "";
    t.not(r.code, 0, `${what}: refused`);
    t.match(last, variable, `${what}: ${last}`);
  };
  await refused(
    "a wrong password",
    { KAFKA_SASL_PASSWORD: "not-the-password" },
    /^simulate: KAFKA_SASL_PASSWORD=\*\*\*: the broker refused user 'troupe'/,
  );
  await refused(
    "no TLS",
    {
      KAFKA_TLS_CA: undefined,
      KAFKA_SASL_MECHANISM: undefined,
      KAFKA_SASL_USERNAME: undefined,
      KAFKA_SASL_PASSWORD: undefined,
    },
    /^simulate: KAFKA_TLS=off: the broker closed the connection/,
  );
  await refused(
    "another CA",
    { KAFKA_TLS_CA: undefined, KAFKA_TLS: "on" },
    /^simulate: KAFKA_TLS_CA=.*: the broker's certificate is not trusted/,
  );
});
