/**
 * The original system's stack as bench anchors, in a Python virtual environment
 * set up from PyPI (in troupe's cache, venvs/original-stack): Keras ResNet50 through
 * `model.predict` (its Flask API's path) and a kafka-python producer sending the
 * same base64-PNG JSON envelopes with acks=all. Scripts in bench/original/.
 */
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { createKafkaClient } from "../actors/kafka/client.ts";
import { openCifarDataset } from "../actors/simulator/cifar_files.ts";
import { ensureSyntheticCifar } from "../actors/simulator/mod.ts";
import { ensureVenv, type PythonVenv } from "../infra/python_venv.ts";
import { run } from "../infra/process.ts";
import { troupeCacheDir } from "../system/platform.ts";
import { encodeCapture } from "../protocols/capture.ts";
import { BENCH_SYNTHETIC, type BenchContext } from "./_context.ts";

const script = (name: string) => fileURLToPath(new URL(`./original/${name}`, import.meta.url));

/** The pinned stack: TensorFlow as the tfjs engine's libtensorflow, kafka-python. */
export const ORIGINAL_STACK = ["tensorflow-cpu==2.21.0", "kafka-python==3.0.12"];

/** The environment, made on first use (about a minute: TensorFlow is 270 MB). */
export function originalVenv(ctx: BenchContext): Promise<PythonVenv> {
  return ensureVenv(
    join(troupeCacheDir(), "venvs", "original-stack"),
    ORIGINAL_STACK,
    (l) => ctx.say(`original stack: ${l}`),
  );
}

/** Keras `model.predict` images/s at each batch size, `seconds` each, in one Python process. */
export async function kerasRates(
  venv: PythonVenv,
  seconds: number,
  batches: number[],
): Promise<{ tensorflow: string; rates: Record<string, number> }> {
  const out = await run(venv.python, [script("keras_predict.py"), String(seconds), ...batches.map(String)], {
    env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" },
  });
  return JSON.parse(out.stdout.trim().split("\n").pop()!);
}

/** Writes `n` envelopes as the simulator makes them (key, tab, JSON per line); returns the file. */
export async function envelopeFile(path: string, n: number): Promise<string> {
  const s = await ensureSyntheticCifar(BENCH_SYNTHETIC, { seed: 1 });
  const ds = await openCifarDataset(s.dir, "test");
  const lines: string[] = [];
  try {
    for (let i = 0; i < n; i++) {
      const deviceId = `cam-${i % 10}`;
      const seq = Math.floor(i / 10);
      const imageId = `${deviceId}/${seq}`;
      const c = { deviceId, seq, imageId, capturedAt: new Date().toISOString(), record: await ds.read(i % s.count) };
      lines.push(`${imageId}\t${encodeCapture(c)}`);
    }
  } finally {
    await ds.close();
  }
  await writeFile(path, lines.join("\n") + "\n");
  return path;
}

/**
 * Records/s of kafka-python sending the file's envelopes with acks=all to a fresh 6-partition topic, and its
 * version; with `batching`, troupe's (batch.size of that many bytes, linger), else kafka-python's defaults.
 */
export async function kafkaPythonRound(
  ctx: BenchContext,
  venv: PythonVenv,
  file: string,
  batching: { bytes: number; lingerMs: number } | null,
): Promise<{ rate: number; version: string }> {
  const topic = ctx.unique("kafkapython");
  const admin = createKafkaClient({ brokers: ctx.brokers });
  await admin.ensureTopic(topic, { partitions: 6 });
  await admin.close();
  const out = await run(venv.python, [
    script("kafka_python_producer.py"),
    ctx.brokers.join(","),
    topic,
    file,
    ...(batching ? [String(batching.bytes), String(batching.lingerMs)] : []),
  ]);
  const r = JSON.parse(out.stdout.trim().split("\n").pop()!) as { recordsPerS: number; kafkaPython: string };
  return { rate: r.recordsPerS, version: r.kafkaPython };
}
