// An idle client must not spin: kafkajs 2.2.4 re-armed a 1 ms timer on every broker
// connection that had answered a request (actors/kafka/kafkajs/idle_loop.ts). This
// counts the queue checks an idle producer and admin connection make.
import { setTimeout as sleep } from "node:timers/promises";
import t from "tap";
import { createKafkaClient } from "../../actors/kafka/mod.ts";
import { countQueueChecks } from "../../actors/kafka/kafkajs/idle_loop.ts";
import { kafkaBrokers, uniqueName } from "../helpers/infra.ts";

t.test("an idle client makes no queue checks between requests", async (t) => {
  const checks = countQueueChecks();
  t.teardown(() => checks.stop());

  const client = createKafkaClient({ brokers: kafkaBrokers(), client: "kafkajs" });
  t.teardown(() => client.close());
  const topic = uniqueName("idle");
  await client.ensureTopic(topic);
  const producer = await client.producer();
  await producer.send(topic, [{ key: "k", value: "v" }]);
  t.ok(checks.count() > 0, `the queues were checked while requests were answered (${checks.count()})`);

  checks.reset();
  // Idle: no request in flight. Each idle connection checked its queue about once a millisecond before.
  await sleep(300);
  t.ok(
    checks.count() < 10,
    `${checks.count()} checks in 300 ms of idle (each idle connection made about one a millisecond)`,
  );
  await producer.send(topic, [{ key: "k", value: "after idle" }]);
  t.pass("a request after the idle time is sent and answered");
});
