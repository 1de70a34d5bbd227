/**
 * Producer stage, with each Kafka client troupe has (KAFKA_CLIENT): images/s the
 * simulator sends (PNG + base64 + produce, acks=all), and records/s of the producer
 * actor alone sending the same envelopes made beforehand, each beside Kafka's own
 * kafka-producer-perf-test (ProducerPerformance from the same Maven jars) sending
 * records of the same size with acks=all and troupe's batching (batch.size =
 * PRODUCER_BATCH records, linger.ms = PRODUCER_LINGER_MS; its defaults reported
 * too), and beside the original system's producer (kafka-python, acks=all, sending
 * as many of the same envelopes with troupe's batching; its defaults reported too).
 * Rounds alternate, and so does which side goes first.
 */
import { run } from "../infra/process.ts";
import {
  createKafkaClient,
  DEFAULT_KAFKA_CLIENT,
  KAFKA_CLIENTS,
  type KafkaClientKind,
} from "../actors/kafka/client.ts";
import { producerActorRound, readEnvelopes } from "./producer_actor.ts";
import type { BenchContext } from "./_context.ts";
import { benchNode, isolated, waitFor } from "./_nodes.ts";
import { alternate, median, type StageResult, stageResult } from "./_stats.ts";
import { loadConfig } from "../node/config.ts";
import { envelopeFile, kafkaPythonRound, originalVenv } from "./original_stack.ts";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

async function troupeRound(
  ctx: BenchContext,
  n: number,
  client: KafkaClientKind,
): Promise<{ rate: number; recordBytes: number }> {
  const env = isolated(ctx, "producer");
  const node = await benchNode(ctx, {
    ...env,
    KAFKA_CLIENT: client,
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

/** Records/s of ProducerPerformance; `batching` null: the Java client's defaults (batch.size 16 KiB, linger.ms 5). */
async function anchorRound(
  ctx: BenchContext,
  n: number,
  recordBytes: number,
  batching: { records: number; lingerMs: number } | null,
): Promise<number> {
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
    ...(batching ? [`batch.size=${batching.records * recordBytes}`, `linger.ms=${batching.lingerMs}`] : []),
  ]);
  const m = /(\d+) records sent, ([\d.]+) records\/sec/.exec(out.stdout.split("\n").filter(Boolean).pop() ?? "");
  if (!m) throw new Error(`kafka-producer-perf-test printed no summary: ${out.stdout.slice(-500)}`);
  return Number(m[2]);
}

/** Runs the stage: rounds alternate troupe, the Java tool (troupe's batching, then its defaults) and kafka-python. */
export async function benchProducer(ctx: BenchContext): Promise<StageResult[]> {
  // Enough records for the JVM to be warm in quick mode too: at 6,000 the Java side
  // measured its JIT (about 6,600 records/s), at 20,000 about 7,600 in quick mode
  // against 17,400 at 40,000 in full mode.
  const n = ctx.mode === "quick" ? 40_000 : 60_000;
  const sim = loadConfig({ env: {} }).simulator;
  const batching = { records: sim.producerBatch, lingerMs: sim.producerLingerMs };
  const venv = await originalVenv(ctx);
  const dir = await mkdtemp(join(tmpdir(), "troupe-bench-"));
  // The same records as troupe sends, made beforehand for kafka-python (troupe makes its own while sending).
  const file = await envelopeFile(join(dir, "envelopes.tsv"), n);
  const envelopes = await readEnvelopes(file);
  const simulator = new Map<KafkaClientKind, number[]>(KAFKA_CLIENTS.map((k) => [k, []]));
  const actor = new Map<KafkaClientKind, number[]>(KAFKA_CLIENTS.map((k) => [k, []]));
  const anchor: number[] = [];
  const javaDefaults: number[] = [];
  const kafkaPython: number[] = [];
  const kafkaPythonDefaults: number[] = [];
  let recordBytes = 0;
  let kafkaPythonVersion = "";
  const rate = (xs: number[] | undefined) => (xs?.at(-1) ?? 0).toFixed(0);
  try {
    for (let r = 0; r < ctx.rounds; r++) {
      // Round 1 starts with troupe: the anchors send records of the size troupe's make.
      await alternate(r, [
        ...KAFKA_CLIENTS.map((k) => async () => {
          const t = await troupeRound(ctx, n, k);
          simulator.get(k)!.push(t.rate);
          recordBytes = t.recordBytes;
        }),
        ...KAFKA_CLIENTS.map((k) => async () =>
          void actor.get(k)!.push(await producerActorRound(ctx, k, envelopes, batching))
        ),
        async () => void anchor.push(await anchorRound(ctx, n, recordBytes, batching)),
        async () => void javaDefaults.push(await anchorRound(ctx, n, recordBytes, null)),
        async () => {
          const py = await kafkaPythonRound(ctx, venv, file, {
            bytes: batching.records * recordBytes,
            lingerMs: batching.lingerMs,
          });
          kafkaPython.push(py.rate);
          kafkaPythonVersion = py.version;
        },
        async () => void kafkaPythonDefaults.push((await kafkaPythonRound(ctx, venv, file, null)).rate),
      ]);
      ctx.say(
        `producer round ${r + 1}/${ctx.rounds} (${recordBytes} B records): simulator ${
          KAFKA_CLIENTS.map((k) => `${k} ${rate(simulator.get(k))}`).join(", ")
        } img/s; producer actor ${KAFKA_CLIENTS.map((k) => `${k} ${rate(actor.get(k))}`).join(", ")}; Java ${
          rate(anchor)
        } (troupe's batching), ${rate(javaDefaults)} (its defaults); kafka-python ${
          rate(kafkaPython)
        } (troupe's batching), ${rate(kafkaPythonDefaults)} (its defaults) records/s`,
      );
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const javaLabel =
    `kafka-producer-perf-test, ${recordBytes} B records, acks=all, batch.size ${batching.records} records, linger.ms ${batching.lingerMs}`;
  const named = (stage: string, k: KafkaClientKind) => (k === DEFAULT_KAFKA_CLIENT ? stage : `${stage} (${k})`);
  const troupe = simulator.get(DEFAULT_KAFKA_CLIENT)!;
  const perClient = KAFKA_CLIENTS.flatMap((k) => [
    stageResult({
      stage: named("producer", k),
      unit: "images/s",
      troupe: [`simulator on ${k}: PNG + base64 + produce, acks=all`, simulator.get(k)!],
      anchor: [javaLabel, anchor],
      target: 0.7,
      extra: {
        client: k,
        records: n,
        recordBytes,
        javaDefaultsRecordsPerS: median(javaDefaults),
        ratioToJavaDefaults: median(simulator.get(k)!) / median(javaDefaults),
      },
      notes: [
        "the Java tool sends pre-made bytes with troupe's batching (PRODUCER_BATCH records per batch, PRODUCER_LINGER_MS); javaDefaults: the same tool with its own defaults (batch.size 16 KiB, linger.ms 5)",
      ],
    }),
    stageResult({
      stage: named("producer actor", k),
      unit: "records/s",
      troupe: [`the producer actor alone on ${k}, the same envelopes made beforehand, acks=all`, actor.get(k)!],
      anchor: [javaLabel, anchor],
      target: 0.9,
      extra: { client: k, records: n, recordBytes },
      notes: ["fed as the encoder feeds it (a send that waits while its mailbox is full), troupe's batching"],
    }),
  ]);
  return [
    ...perClient,
    stageResult({
      stage: "producer vs original",
      unit: "images/s",
      troupe: [`simulator on ${DEFAULT_KAFKA_CLIENT}: PNG + base64 + produce, acks=all`, troupe],
      anchor: [
        `kafka-python ${kafkaPythonVersion}, the same ${n} envelopes (pre-made), acks=all, troupe's batching`,
        kafkaPython,
      ],
      target: null,
      extra: {
        records: n,
        kafkaPythonDefaultsRecordsPerS: median(kafkaPythonDefaults),
        ratioToKafkaPythonDefaults: median(troupe) / median(kafkaPythonDefaults),
      },
      notes: [
        "the original system's producer, given the envelopes made (troupe makes its own), batching as troupe does (batch_size = PRODUCER_BATCH records, linger_ms = PRODUCER_LINGER_MS); kafkaPythonDefaults: its own defaults (16 KiB batches, linger 0)",
      ],
    }),
  ];
}
