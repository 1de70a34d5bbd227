// A platformatic member whose group's coordinator is not ready keeps joining instead of failing at the package's
// own six tries. Found in CI: a node started on a new broker failed to start with "joinGroup failed 6 times." (its
// offsets topic was still being created and loaded on a busy machine). The test's own broker cannot create its
// offsets topic at all (a replication factor of 2 on one broker), so every group's coordinator stays unavailable:
// the member waits out `joinWaitMs` and then fails with an error that names the group and the broker's answer.
// The waiting and its back-off are tested on the virtual clock in test/unit/kafka_join_wait.test.ts. A node stopped
// while its consumer so waits stops in order at once (before, a signal during a node's start exited at once, without
// stopping anything).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { createKafkaClient, probeKafka } from "../../actors/kafka/client.ts";
import { DEFAULT_KAFKA_VERSION, startBroker } from "../../infra/kafka_jvm.ts";
import { terminate } from "../../infra/process.ts";
import { createLogger } from "../../system/mod.ts";
import { staticPorts } from "../helpers/infra.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { pipelineEnv } from "../helpers/pipeline.ts";
import { until } from "../helpers/wait.ts";

// The test's broker: no group's coordinator ever comes.
const [port, controllerPort] = (await staticPorts(2)) as [number, number];
const dataDir = mkdtempSync(join(tmpdir(), "troupe-coordinator-"));
t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
const broker = await startBroker(
  {
    version: DEFAULT_KAFKA_VERSION,
    port,
    controllerPort,
    dataDir,
    heap: "384m",
    properties: { "offsets.topic.replication.factor": "2" },
  },
  { log: createLogger({ sink: () => {} }), probe: (b, ms) => probeKafka(b, ms) },
);
t.teardown(() => terminate(broker.pid, 5_000));

t.test("platformatic: a group whose coordinator never comes is joined again until joinWaitMs, then named", async (t) => {
  const lines: { level: string; msg: string; group?: string; error?: string }[] = [];
  const client = createKafkaClient({
    brokers: broker.brokers,
    client: "platformatic",
    log: createLogger({ sink: (line) => lines.push(JSON.parse(line)) }),
  });
  t.teardown(() => client.close());
  await client.ensureTopic("waited", { partitions: 1 });
  const failed = await client.batchConsumer({
    groupId: "waiting",
    topics: ["waited"],
    joinWaitMs: 4_000,
    onBatch: async () => {},
  })
    .then((m) => m.stop().then(() => null), (err: unknown) => err as Error);
  t.match(
    failed?.message,
    /^group waiting: its coordinator refused the join for \d+\.\d s \(joinWaitMs\): .*COORDINATOR_NOT_AVAILABLE/,
    "the package's six tries were not the end; the error names the group and what the broker answered",
  );
  const waits = lines.filter((l) => l.msg.startsWith("the group's coordinator is not ready"));
  t.equal(waits.length, 1, "one warning while it waited");
  t.match(waits[0], { level: "warn", group: "waiting", error: /COORDINATOR_NOT_AVAILABLE/ });
});

t.test("a node stopped while its consumer waits for the coordinator stops in order, at once, and exits 0", async (t) => {
  const env = { ...pipelineEnv("coordwait"), KAFKA_BROKERS: broker.brokers.join(","), ROLE: "db", NODE_ID: "coord-db" };
  const db = await startNodeProcess(t, env, { waitReady: false });
  await until(
    "the consumer waits for the coordinator",
    () => {
      if (db.proc.exitCode !== null) throw new Error(`the node exited with ${db.proc.exitCode}: ${db.stderr()}`);
      return db.stderr().includes("the group's coordinator is not ready");
    },
    60_000,
    50,
  );
  db.proc.kill("SIGTERM");
  // Well inside the consumer's 60 s wait for the coordinator, which the stop does not wait out.
  await until("the node exits", () => db.proc.exitCode !== null || db.proc.signalCode !== null, 20_000, 50);
  t.equal(db.proc.exitCode, 0, "exit 0");
  const msgs = db.stderr().split("\n").filter((l) => l.startsWith("{")).map((l) =>
    JSON.parse(l) as { level: string; msg: string }
  );
  const stopLines = ["stopped while starting", "stopping node", "node stopped", "the node could not start"];
  t.same(
    msgs.filter((m) => stopLines.includes(m.msg)).map((m) => m.msg),
    ["stopped while starting", "stopping node", "node stopped"],
    "an orderly stop, said",
  );
  t.same(msgs.filter((m) => m.level === "error"), [], "no error");
});
