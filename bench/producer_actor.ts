/**
 * The producer actor alone (actors/kafka/producer.ts), sending envelopes made
 * beforehand: what troupe's Kafka producer costs without the simulator's reading,
 * PNG encoding and envelopes. Fed as the encoder feeds it (a send that waits while
 * its mailbox is full), batching as the simulator does.
 */
import { readFile } from "node:fs/promises";
import { createKafkaClient, type KafkaClientKind, kafkaProducerSpec, newProducerStats } from "../actors/kafka/mod.ts";
import { silentLogger, startChild, startSystem, supervise } from "../system/mod.ts";
import type { BenchContext } from "./_context.ts";
import { waitFor } from "./_nodes.ts";

/** The envelopes of a file `envelopeFile` wrote: key (the camera) and value. */
export async function readEnvelopes(file: string): Promise<{ key: string; value: Uint8Array }[]> {
  const text = await readFile(file, "utf8");
  return text.split("\n").filter(Boolean).map((line) => {
    const tab = line.indexOf("\t");
    const imageId = line.slice(0, tab);
    return { key: imageId.slice(0, imageId.indexOf("/")), value: Buffer.from(line.slice(tab + 1)) };
  });
}

/** Records/s of the producer actor sending `envelopes` to a fresh 6-partition topic with `client`. */
export async function producerActorRound(
  ctx: BenchContext,
  client: KafkaClientKind,
  envelopes: readonly { key: string; value: Uint8Array }[],
  batching: { records: number; lingerMs: number },
): Promise<number> {
  const topic = ctx.unique("produceractor");
  const admin = createKafkaClient({ brokers: ctx.brokers, client });
  await admin.ensureTopic(topic, { partitions: 6 });
  await admin.close();
  const system = startSystem({ name: "bench-producer", logger: silentLogger });
  try {
    const sup = await supervise(system.root, { name: "bench", strategy: "one_for_one" });
    const stats = newProducerStats();
    const producer = await startChild(
      sup,
      kafkaProducerSpec({
        brokers: ctx.brokers,
        connection: { client },
        batchSize: batching.records,
        lingerMs: batching.lingerMs,
        stats,
      }),
    );
    const t0 = performance.now();
    for (const e of envelopes) await producer.send({ type: "producer.record", topic, key: e.key, value: e.value });
    await waitFor("the producer actor's records acknowledged", () => stats.sent >= envelopes.length, 300_000);
    return envelopes.length / ((performance.now() - t0) / 1000);
  } finally {
    await system.shutdown({ deadlineMs: 10_000 });
  }
}
