// A sink that asks to retry one record for ever does not hold its partition back: the topic consumer hands the record
// again `maxRetries` times (waits growing from `retryMs`), then dead-letters it (`retries_exhausted`) with its bytes,
// and every offset is committed. Against the real broker.
import t, { type Test } from "tap";
import type { Ack, AckReply } from "../../protocols/ack.ts";
import {
  newTopicConsumerStats,
  topicConsumer,
  type TopicConsumerOptions,
  type TopicConsumerStats,
} from "../../actors/kafka/mod.ts";
import {
  type ActorRef,
  silentLogger,
  spawn,
  startSystem,
  stateless,
  supervise,
  type Supervisor,
  type SupervisorProps,
} from "../../system/mod.ts";
import { testKafkaClientKind } from "../helpers/infra.ts";
import { consumedTopic, everyOffsetCommitted, readTopic } from "../helpers/topics.ts";

type Items = { type: "items"; values: string[]; acks: Ack[]; replyTo: ActorRef<AckReply> };
type Fixture = Awaited<ReturnType<typeof consumedTopic>>;

/** The consumer under test, feeding `sink` the topic's values in chunks of 4, with `options`; returns its figures. */
async function startConsumer(
  sup: Supervisor,
  f: Fixture,
  sink: ActorRef<Items>,
  options: Partial<TopicConsumerOptions<string, Items>>,
): Promise<TopicConsumerStats> {
  const stats = newTopicConsumerStats();
  await spawn(
    sup,
    topicConsumer<string, Items>({
      brokers: f.brokers,
      connection: { client: testKafkaClientKind() },
      groupId: f.groupId,
      topics: [f.topic],
      deadLetterTopic: f.dlq,
      decode: (r) => ({ ok: true, value: new TextDecoder().decode(r.value!) }),
      downstream: sink,
      deliver: (values, acks, replyTo) => ({ type: "items", values, acks, replyTo }),
      chunk: 4,
      ...options,
      stats,
    }),
    { name: "consumer", capacity: 16 },
  );
  return stats;
}

/** How many times each of `values` should have been handed: once, unless `except` says otherwise. */
function timesHanded(values: string[], except: Record<string, number>): Record<string, number> {
  return Object.fromEntries(values.map((v) => [v, except[v] ?? 1]));
}

/** Sends `values` to the test's topic (one key: in order). */
async function produce(f: Fixture, values: string[]): Promise<void> {
  const producer = await f.client.producer();
  await producer.send(f.topic, values.map((value) => ({ key: "k", value })));
  await producer.close();
}

/** A system of the test's own, shut down with it, and its supervisor `app`. */
async function app(t: Test, name: string, props: Omit<SupervisorProps, "name">) {
  const system = startSystem({ name, logger: silentLogger });
  t.teardown(() => system.shutdown({ deadlineMs: 10_000 }));
  return { system, sup: await supervise(system.root, { name: "app", ...props }) };
}

t.test("a record the sink always asks to retry is dead-lettered after maxRetries; the rest done once", async (t) => {
  const f = await consumedTopic(t, "retries", 1);
  const values = Array.from({ length: 20 }, (_, i) => (i === 5 ? "stuck" : `ok-${i}`));
  await produce(f, values);

  const handed = new Map<string, number>();
  const { sup } = await app(t, "retries", { strategy: "rest_for_one" });
  const sink = await spawn(
    sup,
    stateless<Items>((msg) => {
      const done: Ack[] = [];
      const retry: Ack[] = [];
      msg.values.forEach((v, i) => {
        handed.set(v, (handed.get(v) ?? 0) + 1);
        (v === "stuck" ? retry : done).push(msg.acks[i] as Ack);
      });
      msg.replyTo.trySend({ type: "ack", done, retry });
    }),
    { name: "sink", capacity: 8 },
  );
  const stats = await startConsumer(sup, f, sink, { retryMs: 20, retryMaxMs: 80, maxRetries: 3 });
  await everyOffsetCommitted(f.client, f.groupId, f.topic, "every offset committed, the stuck record's too");
  t.same(
    Object.fromEntries(handed),
    timesHanded(values, { stuck: 4 }),
    "the stuck record handed once and retried 3 times, every other record once",
  );
  t.equal(stats.retried, 3);
  t.same(stats.deadLettered, { retries_exhausted: 1 });

  const letters = (await readTopic(t, f.brokers, f.dlq, 1)).map((r) => ({
    reason: r.headers["troupe-reason"],
    detail: r.headers["troupe-detail"],
    offset: r.headers["troupe-source-offset"],
    value: r.value.toString(),
  }));
  t.same(letters, [{
    reason: "retries_exhausted",
    detail: "the sink asked to retry it 3 times",
    offset: "5",
    value: "stuck",
  }], "dead-lettered once, with its bytes and where it came from");
});

// Found in review: a sink that failed while it held tokens unanswered, under a supervisor that restarts it alone
// (`one_for_one`), left them unanswered for good, and its partition's commits stopped there until the consumer itself
// restarted. The consumer now watches its sink and hands again what it held unanswered once an incarnation ended
// without handing anything over.
t.test("a sink restarted alone loses the records it held: they are handed again, every offset committed", async (t) => {
  const f = await consumedTopic(t, "sink-restart", 1);
  const values = Array.from({ length: 20 }, (_, i) => (i === 6 ? "boom" : `ok-${i}`));
  await produce(f, values);

  const handed = new Map<string, number>();
  let failed = false;
  const { system, sup } = await app(t, "sink-restart", {
    strategy: "one_for_one",
    backoff: { minMs: 0, maxMs: 0, jitter: 0 },
  });
  const sink = await spawn(
    sup,
    stateless<Items>((msg) => {
      for (const v of msg.values) handed.set(v, (handed.get(v) ?? 0) + 1);
      if (msg.values.includes("boom") && !failed) {
        failed = true;
        throw new Error("the sink failed holding a chunk");
      }
      msg.replyTo.trySend({ type: "ack", done: msg.acks });
    }),
    { name: "sink", capacity: 8 },
  );
  // Chunks queued behind the failed one are answered by the sink's next incarnation well within `retryMs`, so only
  // what the failed incarnation held is handed again.
  const stats = await startConsumer(sup, f, sink, { retryMs: 500 });
  await everyOffsetCommitted(f.client, f.groupId, f.topic, "every offset committed, past the chunk the sink failed on");
  t.ok(failed, "the sink failed once");
  t.same(
    Object.fromEntries(handed),
    timesHanded(values, { "ok-4": 2, "ok-5": 2, boom: 2, "ok-7": 2 }),
    "the failed chunk handed again once, every other record once",
  );
  t.equal(stats.sinkRestarts, 1, "the consumer counted the sink's restart");
  t.equal(stats.retried, 4, "the failed chunk's four records handed again");
  t.same(stats.deadLettered, {}, "nothing dead-lettered");
  t.equal(system.snapshot().children[0]?.children.find((c) => c.name === "consumer")?.restarts, 0, "consumer kept");
});

// A record that makes the sink fail every time (a poison record, as a sink sees it) must not hold its partition nor
// take its neighbours with it: after the first failure the records the sink held go again one to a chunk, the poison
// one fails alone, and after `maxRetries` failures it is dead-lettered and its offset committed; its chunk's other
// records are written. The first version left the dead-lettered record's offset uncommitted until another answer came.
t.test("a record the sink fails on every time fails alone and is dead-lettered; its chunk-mates are done", async (t) => {
  const f = await consumedTopic(t, "sink-poison", 1);
  const values = Array.from({ length: 12 }, (_, i) => (i === 5 ? "poison" : `ok-${i}`));
  await produce(f, values);

  const handed = new Map<string, number>();
  let failures = 0;
  const { sup } = await app(t, "sink-poison", {
    strategy: "one_for_one",
    intensity: 20,
    backoff: { minMs: 0, maxMs: 0, jitter: 0 },
  });
  const sink = await spawn(
    sup,
    stateless<Items>((msg) => {
      for (const v of msg.values) handed.set(v, (handed.get(v) ?? 0) + 1);
      if (msg.values.includes("poison")) {
        failures++;
        throw new Error("the sink cannot take this record");
      }
      msg.replyTo.trySend({ type: "ack", done: msg.acks });
    }),
    { name: "sink", capacity: 8 },
  );
  const stats = await startConsumer(sup, f, sink, { retryMs: 100, retryMaxMs: 400, maxRetries: 3 });
  await everyOffsetCommitted(f.client, f.groupId, f.topic, "every offset committed, the poison record's too");
  t.same(
    Object.fromEntries(handed),
    timesHanded(values, { poison: 4, "ok-4": 2, "ok-6": 2, "ok-7": 2 }),
    "the poison record handed once and again 3 times, its chunk-mates again once (alone, and done), the rest once",
  );
  t.equal(failures, 4, "the sink failed on it each time, and on nothing else");
  t.same(stats.deadLettered, { retries_exhausted: 1 });
  const letters = (await readTopic(t, f.brokers, f.dlq, 1)).map((r) => ({
    detail: r.headers["troupe-detail"],
    value: r.value.toString(),
  }));
  t.same(letters, [{ detail: "the sink failed holding it, or asked to retry it, 3 times", value: "poison" }]);
});
