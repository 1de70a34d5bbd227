/**
 * The examples' scenarios, run by tap on Node (examples/*.test.ts) and by Deno's
 * test runner (test/deno*): each returns what it observed, and the tests assert it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { committedTotal, endOffsetTotal, readTopicFromStart } from "../../actors/kafka/mod.ts";
import { silentLogger } from "../../system/mod.ts";
import { createModelService } from "../../examples/model_service.ts";
import { startPaymentsService } from "../../examples/kafka_service.ts";
import { kafkaBrokers, testKafkaClient, testKafkaClientKind, uniqueName } from "./infra.ts";
import { TINY_INPUT, tinyExpected, tinyPng, writeTinyModel } from "./tiny_model.ts";
import { until } from "./wait.ts";

/** What the model service example answered. */
export interface ModelServiceObserved {
  own: unknown;
  predict: { status: number; labels: string[]; probs: number[] };
  expected: number[];
  workerPaths: string[];
  ready: number;
  /** The v2 classification answer (top-1 string) and the request count in /ops/metrics. */
  v2: { status: number; top1: string };
  metricsSuccess: number;
}

/** Starts the model service on the tiny model, asks it for a prediction and looks at its ops routes. */
export async function modelServiceScenario(): Promise<ModelServiceObserved> {
  const dir = mkdtempSync(join(tmpdir(), "troupe-example-"));
  const modelPath = join(dir, "tiny.onnx");
  writeTinyModel(modelPath);
  const { app, system } = await createModelService({
    modelPath,
    modelName: "tiny",
    input: TINY_INPUT,
    labels: ["cat", "dog", "eel"],
    workers: 2,
    logger: silentLogger,
  });
  try {
    const rgb = [10, 200, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120];
    const res = await app.request("/v1/predict", {
      method: "POST",
      body: tinyPng(rgb) as BodyInit,
      headers: { "content-type": "image/png" },
    });
    const body = (await res.json()) as { top: { label: string; prob: number }[] };
    const tree = (await (await app.request("/ops/actors")).json()) as {
      tree: { children: { children: { children: { path: string }[] }[] }[] };
    };
    const v2res = await app.request("/v2/models/tiny/infer", {
      method: "POST",
      body: JSON.stringify({
        inputs: [{ name: "image", shape: [1], datatype: "BYTES", data: [btoa(String.fromCharCode(...tinyPng(rgb)))] }],
        outputs: [{ name: "y", parameters: { classification: 1 } }],
      }),
      headers: { "content-type": "application/json" },
    });
    const v2 = (await v2res.json()) as { outputs: { data: string[] }[] };
    const metricsText = await (await app.request("/ops/metrics")).text();
    return {
      v2: { status: v2res.status, top1: v2.outputs[0]!.data[0]! },
      metricsSuccess: Number(
        /^nv_inference_request_success\{model="tiny",version="1"\} (\d+)$/m.exec(metricsText)?.[1],
      ),
      own: await (await app.request("/")).json(),
      predict: { status: res.status, labels: body.top.map((c) => c.label), probs: body.top.map((c) => c.prob) },
      expected: tinyExpected(rgb),
      workerPaths: tree.tree.children[0]!.children[0]!.children.map((c) => c.path),
      ready: (await app.request("/ops/readyz")).status,
    };
  } finally {
    await system.shutdown({ deadlineMs: 5_000 });
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What the payments service example did with a topic of good and bad records. */
export interface PaymentsObserved {
  totals: Record<string, number>;
  expected: Record<string, number>;
  deadLetters: { reason: string; value: string }[];
  committed: number;
  endOffsets: number;
  handed: number;
}

/** Produces payments (and two bad records) to a fresh topic, runs the service over it, and reads what came out. */
export async function paymentsScenario(): Promise<PaymentsObserved> {
  const brokers = kafkaBrokers();
  const topic = uniqueName("example_payments");
  const dlq = `${topic}.deadletter`;
  const groupId = uniqueName("ledger");
  const client = testKafkaClient(brokers);
  await client.ensureTopic(topic, { partitions: 3 });
  const producer = await client.producer();
  const expected: Record<string, number> = {};
  const records = Array.from({ length: 400 }, (_, i) => {
    const p = { account: `acc-${i % 7}`, cents: (i * 37) % 1000 };
    expected[p.account] = (expected[p.account] ?? 0) + p.cents;
    return { key: p.account, value: JSON.stringify(p) };
  });
  records.splice(100, 0, { key: "acc-0", value: "{not json" });
  records.splice(300, 0, { key: "acc-1", value: JSON.stringify({ account: "acc-1", cents: 1.5 }) });
  await producer.send(topic, records);
  const service = await startPaymentsService({
    brokers,
    connection: { client: testKafkaClientKind() },
    topic,
    groupId,
    deadLetterTopic: dlq,
    ledgerCapacity: 2,
    logger: silentLogger,
  });
  try {
    const endOffsets = endOffsetTotal(await client.topicOffsets(topic));
    const committedNow = async () => committedTotal(await client.committedOffsets(groupId, topic));
    await until("every offset committed", async () => (await committedNow()) === endOffsets, 60_000, 50);
    const deadLetters: { reason: string; value: string }[] = [];
    const reader = await readTopicFromStart(client, dlq, (r) =>
      void deadLetters.push({
        reason: String(r.headers["troupe-reason"]),
        value: r.value === null ? "null" : new TextDecoder().decode(r.value),
      }), { groupId: uniqueName("dlq_reader") });
    await until("two dead letters", () => deadLetters.length >= 2, 30_000, 50).finally(() => reader.stop());
    return {
      totals: await service.totals(),
      expected,
      deadLetters,
      committed: await committedNow(),
      endOffsets,
      handed: service.consumer.handed,
    };
  } finally {
    await service.system.shutdown({ deadlineMs: 10_000 });
    await client.deleteTopics([topic, dlq]).catch(() => {});
    await producer.close();
    await client.close();
  }
}
