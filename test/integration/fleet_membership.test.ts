// The fleet's membership over the real broker: heartbeat actors on a compacted nodes topic, and a watch that sees
// each node live, left after a graceful stop (its tombstone), and lost after three of its intervals without a beat.
import t from "tap";
import { heartbeatPublisherSpec, type HeartbeatSnapshot, watchFleet } from "../../actors/fleet/mod.ts";
import { encodeNodeHeartbeat } from "../../protocols/mod.ts";
import { silentLogger, startChild, startSystem } from "../../system/mod.ts";
import { kafkaBrokers, testKafkaClient, uniqueName } from "../helpers/infra.ts";
import { until } from "../helpers/wait.ts";

const snapshot = (nodeId: string): HeartbeatSnapshot => ({
  nodeId,
  roles: ["db"],
  host: "localhost",
  opsUrl: null,
  version: "0.1.0",
  commit: "test",
  startedAt: new Date().toISOString(),
  ready: true,
  waitingFor: [],
  fingerprint: { topicImages: "troupe.images" },
  figures: {},
  lastError: null,
});

t.test("nodes beat, a graceful stop leaves, a silent node is lost; a stray record is skipped", async (t) => {
  const topic = uniqueName("troupe_it_nodes");
  const admin = testKafkaClient();
  t.teardown(async () => {
    await admin.deleteTopics([topic]).catch(() => {});
    await admin.close();
  });
  const pipeline = {
    topicImages: uniqueName("troupe_it_images"),
    topicInferences: uniqueName("troupe_it_inferences"),
    dbGroup: uniqueName("troupe_it_db"),
    inferenceGroup: uniqueName("troupe_it_inference"),
  };
  const watch = await watchFleet({ brokers: kafkaBrokers(), topic, pipeline });
  t.teardown(() => watch.stop());

  const systems = ["node-a", "node-b"].map((id) => {
    const sys = startSystem({ logger: silentLogger });
    t.teardown(() => sys.shutdown());
    return { id, sys };
  });
  for (const { id, sys } of systems) {
    await startChild(
      sys.root,
      heartbeatPublisherSpec({ brokers: kafkaBrokers(), topic, intervalMs: 300, snapshot: () => snapshot(id) }),
    );
  }
  const states = () => Object.fromEntries(watch.entries().map((e) => [e.nodeId, e.state]));
  await until("both nodes live", () => states()["node-a"] === "live" && states()["node-b"] === "live", 30_000, 50);

  await systems[0]!.sys.shutdown();
  await until("node-a left", () => states()["node-a"] === "left", 30_000, 50);
  t.equal(states()["node-b"], "live", "node-b still live");

  // A node that stops beating without a tombstone (as kill -9 would): its one heartbeat, then nothing.
  const producer = await admin.producer();
  t.teardown(() => producer.close());
  const silent = { v: 1 as const, ...snapshot("node-c"), sentAt: new Date().toISOString(), intervalMs: 300 };
  await producer.send(topic, [{ key: "node-c", value: encodeNodeHeartbeat(silent) }]);
  await until("node-c seen", () => states()["node-c"] !== undefined, 30_000, 50);
  await until("node-c lost after three intervals", () => states()["node-c"] === "lost", 30_000, 50);
  t.equal(states()["node-b"], "live", "node-b, beating, is live throughout");

  await producer.send(topic, [{ key: "node-d", value: "not a heartbeat" }]);
  await until("the stray record counted", () => watch.refused() === 1, 30_000, 50);
  t.notOk("node-d" in states(), "and added no node");
});
