// A log storm against the real broker: a node's logger writing 10,000 error lines a second for three seconds through
// the gate (50 lines/s) and the shipper puts at most the rate (and a second's burst) on the log topic, plus one line
// per flush saying how many were dropped; the counts add up; the fleet's tail reads the lines back, filtered. And the
// lines of a flush the broker refused (its topic gone) go with a later flush, once.
import t from "tap";
import {
  ensureLogsTopic,
  followTopic,
  LogGate,
  logShipperSpec,
  LogTail,
  newLogShipperStats,
} from "../../actors/fleet/mod.ts";
import { createLogger, silentLogger, startChild, startSystem } from "../../system/mod.ts";
import { kafkaBrokers, testKafkaClient, uniqueName } from "../helpers/infra.ts";
import { until } from "../helpers/wait.ts";

t.test("a storm of 10,000 error lines/s costs at most the configured rate on the topic", async (t) => {
  const topic = uniqueName("troupe_it_logs");
  const admin = testKafkaClient();
  t.teardown(async () => {
    await admin.deleteTopics([topic]).catch(() => {});
    await admin.close();
  });
  const RATE = 50;
  const gate = new LogGate({ level: "warn", ratePerS: RATE });
  const log = createLogger({ level: "info", fields: { node: "storm-1" }, sink: (l) => gate.offer(l, Date.now()) });
  const sys = startSystem({ logger: log });
  t.teardown(() => sys.shutdown());
  const stats = newLogShipperStats();
  await startChild(
    sys.root,
    logShipperSpec({ brokers: kafkaBrokers(), topic, nodeId: "storm-1", roles: ["db"], gate, stats }),
  );
  log.info("an info line: below the level");
  const trace = "0af7651916cd43dd8448eb211c80319c";
  log.warn("about one image", { traceId: trace, actor: "/troupe/db/upserter" });
  await until("the first line shipped", () => stats.shipped >= 1, 30_000, 20);

  const started = Date.now();
  let offered = 0;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      for (let i = 0; i < 100; i++, offered++) log.error("storm", { i: offered });
      if (Date.now() - started >= 3_000) {
        clearInterval(timer);
        resolve();
      }
    }, 10);
  });
  const seconds = (Date.now() - started) / 1000;
  await sys.shutdown();
  t.comment(
    `${offered} lines offered in ${seconds.toFixed(1)} s; ${gate.stats.passed} passed, ${gate.droppedTotal} dropped`,
  );
  t.ok(offered / seconds > 5_000, "a storm indeed");
  t.ok(gate.stats.passed <= 1 + RATE * (seconds + 1), `at most ${RATE}/s (and a second's burst) passed the gate`);
  t.equal(gate.stats.passed + gate.droppedTotal, offered + 1, "every warn or error line passed or was counted");
  t.equal(stats.failed, 0);

  const tail = new LogTail(10_000);
  const followed = await followTopic(admin, topic, (r) => void tail.apply(r.value));
  await followed.caughtUp(30_000);
  await followed.stop();
  const all = tail.lines({}, 10_000);
  const notices = all.filter((r) => r.line.msg === "log lines dropped");
  t.equal(all.length, stats.shipped, "the topic holds what the shipper sent");
  t.equal(all.length - notices.length, gate.stats.passed, "every line that passed the gate, and no other");
  t.ok(notices.length >= 1 && notices.length <= seconds * 4 + 2, `${notices.length} notices: at most one per flush`);
  t.equal(notices.reduce((s, r) => s + Number(r.line["dropped"]), 0), gate.droppedTotal, "the notices add up");
  t.equal(tail.refused, 0);
  t.same(tail.lines({ trace }).map((r) => [r.node, r.roles, r.line.msg, r.line.actor]), [
    ["storm-1", ["db"], "about one image", "/troupe/db/upserter"],
  ], "the line about one image, found by its trace id");
  t.same(tail.lines({ level: "info" }).filter((r) => r.line.level === "info"), [], "no info line shipped");
});

t.test("lines of a flush Kafka did not take are shipped with a later flush, once", async (t) => {
  const topic = uniqueName("troupe_it_logs_gone");
  const admin = testKafkaClient();
  t.teardown(async () => {
    await admin.deleteTopics([topic]).catch(() => {});
    await admin.close();
  });
  const gate = new LogGate({ level: "warn", ratePerS: 50 });
  const log = createLogger({ level: "info", fields: { node: "gone-1" }, sink: (l) => gate.offer(l, Date.now()) });
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown());
  const stats = newLogShipperStats();
  await startChild(
    sys.root,
    logShipperSpec({ brokers: kafkaBrokers(), topic, nodeId: "gone-1", roles: ["db"], gate, stats, flushMs: 100 }),
  );
  log.warn("before");
  await until("the first line shipped", () => stats.shipped >= 1, 30_000, 20);
  // The topic goes away (the broker creates none by itself): flushes fail until it is back.
  await admin.deleteTopics([topic]);
  await until("the topic gone", async () => (await admin.topicOffsets(topic)).length === 0, 30_000, 50);
  log.warn("while the topic is gone");
  await until("a flush refused", () => stats.failed >= 1, 60_000, 20);
  await ensureLogsTopic(admin, topic);
  await until("shipped once the topic is back", () => stats.shipped >= 2, 60_000, 20);
  await sys.shutdown();

  const tail = new LogTail(100);
  const followed = await followTopic(admin, topic, (r) => void tail.apply(r.value));
  await followed.caughtUp(30_000);
  await followed.stop();
  t.same(tail.lines({}, 100).map((r) => r.line.msg), ["while the topic is gone"], "the refused line, once");
  t.equal(stats.lost, 0, "none lost");
});
