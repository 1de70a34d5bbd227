// A group member of each client rides out its broker being down for longer than a client's retries last: the
// broker (one of the test's own) is killed, kept down, and started again on the same data directory; each member
// then reads the next record without having crashed. Found in CI: the platformatic member gave up after 8 failed
// fetches (about 20 s of "Cannot connect to any broker") while kafkajs' kept trying, so the same outage ended one
// adapter's member and not the other's.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import t from "tap";
import { createKafkaClient, KAFKA_CLIENTS, probeKafka } from "../../actors/kafka/client.ts";
import { DEFAULT_KAFKA_VERSION, type LocalBrokerSettings, startBroker } from "../../infra/kafka_jvm.ts";
import { terminate } from "../../infra/process.ts";
import { topicConsumer } from "../../actors/kafka/mod.ts";
import type { Ack, AckReply } from "../../protocols/ack.ts";
import { type ActorRef, Readiness, silentLogger, spawn, startSystem, stateless, supervise } from "../../system/mod.ts";
import { staticPorts } from "../helpers/infra.ts";
import { GiveUp, until } from "../helpers/wait.ts";

/**
 * How long the broker stays down. With one retry per request (below) the old platformatic member crashed after
 * about 9 s of refused connections; the default retries stretch that to about 20 s, which the test would have to
 * wait out.
 */
const OUTAGE_MS = 15_000;

t.test("a member of each client reads on after its broker was down longer than its retries", async (t) => {
  const [port, controllerPort] = (await staticPorts(2)) as [number, number];
  const dataDir = mkdtempSync(join(tmpdir(), "troupe-outage-"));
  t.teardown(() => rmSync(dataDir, { recursive: true, force: true }));
  const settings: LocalBrokerSettings = { version: DEFAULT_KAFKA_VERSION, port, controllerPort, dataDir, heap: "384m" };
  const start = () => startBroker(settings, { log: silentLogger, probe: (b, ms) => probeKafka(b, ms) });
  let broker = await start();
  t.teardown(() => terminate(broker.pid, 5_000));
  const brokers = broker.brokers;

  const admin = createKafkaClient({ brokers });
  t.teardown(() => admin.close());
  await admin.ensureTopic("followed", { partitions: 1 });
  const seen = new Map<string, string[]>(KAFKA_CLIENTS.map((k) => [k, []]));
  const crashes: string[] = [];
  const reachable = new Map<string, boolean[]>(KAFKA_CLIENTS.map((k) => [k, []]));
  // What each member said with each change, for a failure's message.
  const said = new Map<string, string[]>(KAFKA_CLIENTS.map((k) => [k, []]));
  const stops: (() => Promise<void>)[] = [];
  t.teardown(async () => {
    for (const stop of stops.reverse()) await stop().catch(() => {});
  });
  for (const kind of KAFKA_CLIENTS) {
    // One retry per request: the clients give up on a request sooner, so a shorter outage outlasts them.
    const c = createKafkaClient({ brokers, client: kind, retries: 1 });
    stops.push(() => c.close());
    const member = await c.batchConsumer({
      groupId: `outage-${kind}`,
      topics: ["followed"],
      groupInstanceId: `outage-${kind}`,
      // kafkajs rejoins after its session ends: 10 s rather than the default 30 s keeps the wait short.
      sessionTimeoutMs: 10_000,
      onCrash: (err) => crashes.push(`${kind}: ${String(err)}`),
      onReachable: (ok, detail) => {
        reachable.get(kind)!.push(ok);
        said.get(kind)!.push(`${ok}: ${detail}`);
      },
      onBatch: async (b) => {
        seen.get(kind)!.push(...b.records.map((r) => Buffer.from(r.value!).toString()));
        b.resolve(b.records.at(-1)!.offset);
      },
    });
    stops.push(() => member.stop());
  }
  // And a node's view of it: a topic consumer actor of each client, with the readiness a node's /readyz shows,
  // sampled all along (its default retries; the members above have one).
  const system = startSystem({ name: "outage", logger: silentLogger });
  t.teardown(() => system.shutdown({ deadlineMs: 10_000 }));
  const readiness = new Readiness();
  const readySeen = new Map<string, string[]>(KAFKA_CLIENTS.map((k) => [k, []]));
  const sample = () => {
    for (const [kind, seenStates] of readySeen) {
      const d = readiness.report()[`kafka-${kind}`];
      const now = d ? `${d.ok}: ${d.detail}` : "undeclared";
      if (seenStates.at(-1) !== now) seenStates.push(now);
    }
  };
  const sampler = setInterval(sample, 50);
  t.teardown(() => clearInterval(sampler));
  type Items = { acks: Ack[]; replyTo: ActorRef<AckReply> };
  for (const kind of KAFKA_CLIENTS) {
    const sup = await supervise(system.root, { name: `app-${kind}`, strategy: "rest_for_one" });
    const sink = await spawn(
      sup,
      stateless<Items>((msg) => void msg.replyTo.trySend({ type: "ack", done: msg.acks })),
      { name: "sink", capacity: 8 },
    );
    await spawn(
      sup,
      topicConsumer<null, Items>({
        brokers,
        connection: { client: kind },
        groupId: `outage-node-${kind}`,
        topics: ["followed"],
        deadLetterTopic: "followed.deadletter",
        decode: () => ({ ok: true, value: null }),
        downstream: sink,
        deliver: (_values, acks, replyTo) => ({ acks, replyTo }),
        chunk: 8,
        sessionTimeoutMs: 10_000,
        readiness,
        dependency: `kafka-${kind}`,
      }),
      { name: "consumer", capacity: 16 },
    );
  }
  await until("both nodes' consumers ready", () => readiness.allUp, 60_000);

  const send = async (value: string) => {
    const p = await admin.producer();
    await p.send("followed", [{ key: null, value }]);
    await p.close();
  };
  const readBy = (value: string) => () => {
    if (crashes.length) throw new GiveUp(`crashed: ${crashes.join("; ")}`);
    const behind = [...seen].filter(([, v]) => !v.includes(value)).map(([k]) => k);
    if (behind.length) throw new Error(`not yet read by ${behind.join(", ")}`);
    return true;
  };
  await send("before");
  await until("both members read the first record", readBy("before"), 60_000);

  // Killed, as a crash or a lost host would end it (a broker stopped cleanly has less to recover).
  process.kill(broker.pid, "SIGKILL");
  await new Promise((r) => broker.child.once("exit", r));
  // The outage itself, not a wait for something to be ready: the members fail to fetch all along.
  await new Promise((r) => setTimeout(r, OUTAGE_MS));
  t.same(crashes, [], "no member gave up while the broker was down");
  for (const kind of KAFKA_CLIENTS) {
    t.same(reachable.get(kind), [false], `${kind}: said unreachable, once (${said.get(kind)!.join(" | ")})`);
  }
  broker = await start();
  t.same(broker.brokers, brokers, "the same address again");
  await send("after");
  // kafkajs rejoins only after its session ends (10 s here); platformatic at once.
  await until("both members read a record sent after the outage", readBy("after"), 60_000);
  t.same(crashes, [], "no member crashed");
  await until(
    "both members said reachable again",
    () => KAFKA_CLIENTS.every((k) => reachable.get(k)!.at(-1) === true),
    30_000,
  );
  for (const kind of KAFKA_CLIENTS) {
    t.same(reachable.get(kind), [false, true], `${kind}: then reachable, once (${said.get(kind)!.join(" | ")})`);
  }
  await until("both nodes' consumers ready again", () => readiness.allUp, 30_000);
  sample();
  for (const kind of KAFKA_CLIENTS) {
    const states = readySeen.get(kind)!;
    const after = states.slice(states.findIndex((s) => s.startsWith("true")) + 1);
    const downs = after.filter((s) => s.startsWith("false"));
    t.ok(
      downs.length === 1 && /^false: Kafka unreachable: /.test(downs[0]!) && after.at(-1)!.startsWith("true"),
      `${kind}: the node's readiness said Kafka was unreachable, then ready again (${states.join(" | ")})`,
    );
  }
});
