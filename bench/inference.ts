/**
 * Inference stage: images/s of the model worker pool through the predict API and
 * through Kafka, beside a bare loop of onnxruntime-node sessions (no troupe, no
 * preprocessing) at its best batch size and thread split on the same cores. The
 * pool then runs with that split and batch size and its own default of idle
 * threads sleeping (POOL_SPIN=false): spinning threads take the CPU the rest of
 * the node needs (measured: 0.92-0.94x spinning against 0.96-0.98x sleeping, at
 * the same split, with 10 s rounds).
 */
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Buffer } from "node:buffer";
import { loadOnnxEngine } from "../actors/inference/onnxruntime_engine.ts";
import { ensureResNet50 } from "../actors/inference/resnet50.ts";
import { capturePng } from "../protocols/capture.ts";
import { openCifarDataset } from "../actors/simulator/cifar_files.ts";
import { ensureSyntheticCifar } from "../actors/simulator/mod.ts";
import type { BenchContext } from "./_context.ts";
import { benchNode, fillImages, isolated, waitFor } from "./_nodes.ts";
import { type StageResult, stageResult } from "./_stats.ts";

interface Split {
  sessions: number;
  threads: number;
  batch: number;
  /** Intra-op threads spin while idle (onnxruntime's own default) or sleep. */
  spin: boolean;
}

/** Images/s of `split.sessions` sessions running batches back to back for `ms`. */
async function bareLoop(model: Uint8Array, split: Split, ms: number): Promise<number> {
  const engines = await Promise.all(
    Array.from({ length: split.sessions }, () =>
      loadOnnxEngine(model, {
        name: "bare",
        inputDims: [3, 224, 224],
        intraOpThreads: split.threads,
        spin: split.spin,
      })),
  );
  try {
    const input = new Float32Array(split.batch * 3 * 224 * 224).map((_, i) => Math.sin(i) * 2);
    await Promise.all(engines.map((e) => e.run(input, split.batch)));
    let images = 0;
    const end = performance.now() + ms;
    const t0 = performance.now();
    await Promise.all(engines.map(async (e) => {
      while (performance.now() < end) {
        await e.run(input, split.batch);
        images += split.batch;
      }
    }));
    return images / ((performance.now() - t0) / 1000);
  } finally {
    await Promise.all(engines.map((e) => e.close()));
  }
}

async function pngs(count: number): Promise<Uint8Array[]> {
  const s = await ensureSyntheticCifar(".troupe/bench-synthetic", { seed: 1 });
  const ds = await openCifarDataset(s.dir, "test");
  try {
    const out: Uint8Array[] = [];
    for (let i = 0; i < count; i++) out.push(capturePng(await ds.read(i)));
    return out;
  } finally {
    await ds.close();
  }
}

/** Images/s of the pool through the predict API for `ms`, from `clients` concurrent clients. */
async function apiLoad(url: string, images: Uint8Array[], clients: number, batch: number, ms: number): Promise<number> {
  // Warm-up like the bare loop's: one full batch first (onnxruntime sizes its buffers on a shape's first run).
  await Promise.all(
    images.slice(0, batch).map(async (png) =>
      (await fetch(url, { method: "POST", body: Buffer.from(png), headers: { "content-type": "image/png" } }))
        .arrayBuffer()
    ),
  );
  let ok = 0;
  const end = performance.now() + ms;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: clients }, async (_, c) => {
    for (let i = c; performance.now() < end; i += clients) {
      const res = await fetch(url, {
        method: "POST",
        body: Buffer.from(images[i % images.length]!),
        headers: { "content-type": "image/png" },
      });
      await res.arrayBuffer();
      if (res.status === 200) ok++;
    }
  }));
  return ok / ((performance.now() - t0) / 1000);
}

/**
 * One inference node, measured through the API for `ms` and then through Kafka:
 * `n` images are put on its (until then empty) topic and timed from the first
 * result to the last.
 */
async function poolRound(
  ctx: BenchContext,
  split: Split,
  images: Uint8Array[],
  ms: number,
  n: number,
): Promise<{ api: number; kafka: number }> {
  const env = isolated(ctx, "pool");
  const node = await benchNode(ctx, {
    ...env,
    ROLE: "inference",
    POOL_WORKERS: String(split.sessions),
    POOL_INTRA_THREADS: String(split.threads),
    POOL_MAX_BATCH: String(Math.max(split.batch, 1)),
  });
  try {
    const inf = node.roles.inference!;
    const api = await apiLoad(
      `${inf.figures().apiUrl}/v1/predict`,
      images,
      2 * split.sessions * Math.max(split.batch, 1),
      Math.max(split.batch, 1),
      ms,
    );
    await fillImages(ctx, env, n);
    const c = () => inf.figures().consumer;
    await waitFor("the first results", () => c().inferred > 0, 120_000);
    const t0 = performance.now();
    const first = c().inferred;
    await waitFor(`${n} results`, () => c().inferred >= n, 600_000);
    return { api, kafka: (n - first) / ((performance.now() - t0) / 1000) };
  } finally {
    await node.stop();
  }
}

/** Runs the stage. */
export async function benchInference(ctx: BenchContext): Promise<StageResult> {
  const cores = availableParallelism();
  const model = await readFile((await ensureResNet50(".troupe/models", 1)).path);
  const ms = ctx.mode === "quick" ? 3_000 : 15_000;
  const splits: Split[] = [];
  // Full mode surveys every split, batch size and spin setting; quick mode only the
  // pool's default split (POOL_WORKERS = half the cores) at batch 8, not spinning.
  if (ctx.mode === "quick") {
    const sessions = Math.max(1, Math.floor(cores / 2));
    splits.push({ sessions, threads: Math.max(1, Math.floor(cores / sessions)), batch: 8, spin: false });
  }
  for (let sessions = 1; ctx.mode === "full" && sessions <= cores; sessions *= 2) {
    for (const batch of [1, 8]) {
      for (const spin of [true, false]) {
        splits.push({ sessions, threads: Math.max(1, Math.floor(cores / sessions)), batch, spin });
      }
    }
  }
  let best = { split: splits[0]!, rate: 0 };
  const survey: Record<string, number> = {};
  for (const split of splits) {
    const rate = await bareLoop(model, split, ms / 2);
    const name = `${split.sessions}x${split.threads} threads, batch ${split.batch}${split.spin ? ", spinning" : ""}`;
    survey[name] = Math.round(rate * 10) / 10;
    ctx.say(`inference survey: ${name}: ${rate.toFixed(1)} img/s`);
    if (rate > best.rate) best = { split, rate };
  }
  const images = await pngs(64);
  const api: number[] = [];
  const anchor: number[] = [];
  const kafka: number[] = [];
  const n = ctx.mode === "quick" ? 100 : 600;
  for (let r = 0; r < ctx.rounds; r++) {
    const pool = await poolRound(ctx, best.split, images, ms, n);
    api.push(pool.api);
    kafka.push(pool.kafka);
    anchor.push(await bareLoop(model, best.split, ms));
    ctx.say(
      `inference round ${r + 1}/${ctx.rounds}: API ${api[r]!.toFixed(1)}, bare loop ${anchor[r]!.toFixed(1)}, Kafka ${
        kafka[r]!.toFixed(1)
      } img/s`,
    );
  }
  const viaKafka = stageResult({ stage: "x", unit: "", troupe: ["", kafka], anchor: ["", anchor], target: 0.95 });
  return stageResult({
    stage: "inference",
    unit: "images/s",
    troupe: ["model pool through the predict API (PNG decode + resize included)", api],
    anchor: [
      `bare onnxruntime-node loop, ${best.split.sessions} session(s) x ${best.split.threads} thread(s), batch ${best.split.batch}${
        best.split.spin ? ", spinning" : ""
      }`,
      anchor,
    ],
    target: 0.95,
    extra: { viaKafkaImagesPerS: viaKafka.troupe.median, viaKafkaRatio: viaKafka.ratio, survey },
    notes: [
      "the pool runs with the bare loop's best split and batch size, and its default POOL_SPIN=false; the bare loop feeds a ready tensor, troupe decodes and resizes each PNG in the worker; the HTTP clients run in the bench process, on the same cores",
    ],
  });
}
