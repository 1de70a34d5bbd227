/**
 * Producer stage: images/s the simulator sends (PNG + base64 + produce, acks=all),
 * beside Kafka's own kafka-producer-perf-test (ProducerPerformance from the same
 * Maven jars) sending records of the same size with acks=all.
 */
import { run } from "../infra/process.ts";
import { createKafkaClient } from "../actors/kafka/client.ts";
import type { BenchContext } from "./_context.ts";
import { benchNode, isolated, waitFor } from "./_nodes.ts";
import { type StageResult, stageResult } from "./_stats.ts";

async function troupeRound(ctx: BenchContext, n: number): Promise<{ rate: number; recordBytes: number }> {
  const env = isolated(ctx, "producer");
  const node = await benchNode(ctx, {
    ...env,
    ROLE: "simulator",
    SIM_DEVICES: "10",
    SIM_RATE: "0",
    SIM_COUNT: String(n),
  });
  try {
    const sim = node.roles.simulator!;
    const t0 = performance.now();
    await waitFor("the simulator's records acknowledged", () => sim.figures().producer.sent >= n, 300_000);
    const secs = (performance.now() - t0) / 1000;
    const f = sim.figures().producer;
    return { rate: n / secs, recordBytes: Math.round(f.bytes / f.sent) };
  } finally {
    await node.stop();
  }
}

async function anchorRound(ctx: BenchContext, n: number, recordBytes: number): Promise<number> {
  const topic = `${ctx.unique("perftest")}`;
  const admin = createKafkaClient({ brokers: ctx.brokers });
  await admin.ensureTopic(topic, { partitions: 6 });
  await admin.close();
  const out = await run("java", [
    "-Xmx512m",
    "-cp",
    ctx.classpath,
    "org.apache.kafka.tools.ProducerPerformance",
    "--topic",
    topic,
    "--num-records",
    String(n),
    "--record-size",
    String(recordBytes),
    "--throughput",
    "-1",
    "--producer-props",
    `bootstrap.servers=${ctx.brokers.join(",")}`,
    "acks=all",
  ]);
  const m = /(\d+) records sent, ([\d.]+) records\/sec/.exec(out.stdout.split("\n").filter(Boolean).pop() ?? "");
  if (!m) throw new Error(`kafka-producer-perf-test printed no summary: ${out.stdout.slice(-500)}`);
  return Number(m[2]);
}

/** Runs the stage: rounds alternate troupe and anchor. */
export async function benchProducer(ctx: BenchContext): Promise<StageResult> {
  // Enough records for the JVM to warm up: at 6,000 the Java side measured its JIT
  // (about 6,600 records/s against about 17,000 at 30,000 records, same machine).
  const n = ctx.mode === "quick" ? 20_000 : 40_000;
  const troupe: number[] = [];
  const anchor: number[] = [];
  let recordBytes = 0;
  for (let r = 0; r < ctx.rounds; r++) {
    const t = await troupeRound(ctx, n);
    troupe.push(t.rate);
    recordBytes = t.recordBytes;
    ctx.say(`producer round ${r + 1}/${ctx.rounds}: troupe ${t.rate.toFixed(0)} img/s (records of ${t.recordBytes} B)`);
    anchor.push(await anchorRound(ctx, n, recordBytes));
    ctx.say(
      `producer round ${r + 1}/${ctx.rounds}: kafka-producer-perf-test ${
        anchor[anchor.length - 1]!.toFixed(0)
      } records/s`,
    );
  }
  return stageResult({
    stage: "producer",
    unit: "images/s",
    troupe: ["simulator: PNG + base64 + produce, acks=all", troupe],
    anchor: [`kafka-producer-perf-test, ${recordBytes} B records, acks=all`, anchor],
    target: 0.7,
    extra: { records: n, recordBytes },
    notes: [
      "each side with its own client defaults (kafkajs batches of 200 records; the Java producer's batch.size 16 KiB)",
    ],
  });
}
