// ensureTopics returns once the broker answers for every partition of each topic, also when another client created
// the topic a moment before (Kafka then answers TOPIC_ALREADY_EXISTS from the controller's view while the broker may
// not have applied the topic yet). Found in the suite: a db node started right after a simulator node created the
// pipeline's topics failed at start with "Unknown topic", its group's metadata not knowing the images topic yet.
import t from "tap";
import { createKafkaClient, ensureTopics, KAFKA_CLIENTS } from "../../actors/kafka/mod.ts";
import { silentLogger } from "../../system/mod.ts";
import { kafkaBrokers, uniqueName } from "../helpers/infra.ts";

/** Many partitions: the broker takes long enough to apply the new topic that a client asking at once is early. */
const PARTITIONS = 300;

for (const kind of KAFKA_CLIENTS) {
  t.test(`${kind}: a topic another client has just created answers for all its partitions`, async (t) => {
    const brokers = kafkaBrokers();
    const topic = uniqueName(`ensure_${kind}`);
    const creator = createKafkaClient({ brokers, client: kind });
    const user = createKafkaClient({ brokers, client: kind });
    t.teardown(async () => {
      await creator.deleteTopics([topic]).catch(() => {});
      await creator.close();
      await user.close();
    });
    // The creator's ensureTopics and, without waiting for it, another one's: the second finds the topic existing.
    const options = { partitions: PARTITIONS, log: silentLogger, connection: { client: kind } };
    const created = ensureTopics(brokers, [topic], options);
    await ensureTopics(brokers, [topic], options);
    const offsets = await user.topicOffsets(topic);
    t.equal(offsets.length, PARTITIONS, "every partition answers");
    await created;
  });
}
