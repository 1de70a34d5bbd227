import t from "tap";
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { staticPorts } from "../helpers/infra.ts";
import { probeKafka } from "../../actors/kafka/client.ts";
import { nodeArgs } from "../helpers/entry.ts";
import { until } from "../helpers/wait.ts";

type Keeper = { restarts: number; status: string; info: { pid: number } | null };

t.test("the broker role runs Kafka as a supervised process and restarts it when killed", async (t) => {
  // Kafka's listeners need their ports named in advance: drawn outside the ephemeral range (see staticPorts).
  // The ops endpoint binds a port of its own choosing, read from the node's log.
  const [kafka, controller] = await staticPorts(2);
  const dir = mkdtempSync(join(tmpdir(), "troupe-broker-"));
  const node = spawn(process.execPath, await nodeArgs("main.ts"), {
    env: {
      ...process.env,
      ROLE: "broker",
      LOG_LEVEL: "info",
      OPS_PORT: "0",
      KAFKA_PORT: String(kafka),
      KAFKA_CONTROLLER_PORT: String(controller),
      KAFKA_DATA_DIR: dir,
      KAFKA_BROKERS: "",
    },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  node.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => node.once("exit", (code) => r(code)));
  t.teardown(() => {
    if (node.exitCode === null) node.kill("SIGKILL");
  });
  const ops = await until(
    "the ops endpoint",
    () => /"msg":"ops endpoint listening"[^\n]*"url":"http:\/\/[^":]+:(\d+)"/.exec(stderr)?.[1],
    60_000,
    20,
  );
  const base = `http://127.0.0.1:${ops}`;
  const keeper = async (): Promise<Keeper> =>
    (await (await fetch(`${base}/actors`)).json()).tree.children[0].children[0];
  await until("node ready", async () => (await fetch(`${base}/readyz`)).status === 200, 120_000, 200);
  const first = await keeper();
  t.equal(first.restarts, 0);
  const pid = first.info!.pid;
  t.same(
    (await probeKafka([`127.0.0.1:${kafka}`])).brokers.map((b) => b.port),
    [kafka],
    "the broker answers metadata requests",
  );

  // What clients make of a broker killed and started again is test/integration/kafka_outage.test.ts'.
  process.kill(pid, "SIGKILL");
  const after = await until(
    "keeper restarted",
    async () => {
      const k = await keeper();
      return k.restarts === 1 && k.status === "running" ? k : undefined;
    },
    120_000,
    200,
  );
  t.not(after.info!.pid, pid, "a new broker process");
  t.equal((await fetch(`${base}/readyz`)).status, 200, "ready again");
  t.same((await probeKafka([`127.0.0.1:${kafka}`])).brokers.map((b) => b.port), [kafka], "the new broker answers");
  t.match(stderr, /Kafka broker process \d+ exited with SIGKILL/);
  node.kill("SIGTERM");
  t.equal(await exited, 0, "graceful stop exits 0");
});

t.test("an unknown role exits 2 naming the variable", async (t) => {
  const node = spawn(process.execPath, await nodeArgs("main.ts"), {
    env: { ...process.env, ROLE: "bogus" },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  node.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  const code = await new Promise((r) => node.once("exit", r));
  t.equal(code, 2);
  t.match(stderr, "ROLE must be one of simulator, broker, db, inference, all: got 'bogus'");
});
