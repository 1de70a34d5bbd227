/**
 * Inference stage, for each engine (onnxruntime fp32, onnxruntime INT8, tfjs-node
 * when set up): images/s of the model worker pool through the predict API (and,
 * fp32, through Kafka), beside a bare loop of the same engine's sessions (no
 * troupe, no preprocessing) at its best batch size and thread split on the same
 * cores; then INT8 against fp32, and troupe against the original system's Keras
 * `model.predict`: the pool at batch 1 (one image per request, POOL_MAX_BATCH=1)
 * against Keras at batch 1, and the pool at batch 8 against Keras at batch 8, each
 * measured on its own. Rounds alternate, and so does which side goes first. The
 * pool then runs with that split and batch size and its own default of idle
 * threads sleeping (POOL_SPIN=false): spinning threads take the CPU the rest of
 * the node needs (measured: 0.92-0.94x spinning against 0.96-0.98x sleeping, at
 * the same split, with 10 s rounds).
 */
import { readFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { Buffer } from "node:buffer";
import { loadOnnxEngine } from "../actors/inference/onnxruntime_engine.ts";
import { ensureResNet50, ensureResNet50SavedModel } from "../actors/inference/resnet50.ts";
import { loadTfjsEngine } from "../actors/inference/mod.ts";
import { requireTfjsNode } from "../actors/inference/tfjs_module.ts";
import { hasVnni } from "../infra/cpu.ts";
import { loadConfig } from "../node/config.ts";
import { ensureInt8Model } from "../node/int8_model.ts";
import { kerasRates, originalVenv } from "./original_stack.ts";
import { capturePng } from "../protocols/capture.ts";
import { openCifarDataset } from "../actors/simulator/cifar_files.ts";
import { ensureSyntheticCifar } from "../actors/simulator/mod.ts";
import { BENCH_MODELS, BENCH_SYNTHETIC, type BenchContext } from "./_context.ts";
import { benchNode, fillImages, isolated, waitFor } from "./_nodes.ts";
import { alternate, type StageResult, stageResult } from "./_stats.ts";

type Engine = "onnx" | "tfjs";

interface Split {
  sessions: number;
  threads: number;
  batch: number;
  /** Intra-op threads spin while idle (onnxruntime's own default) or sleep. */
  spin: boolean;
}

/** Images/s of `split.sessions` sessions running batches back to back for `ms`. */
async function bareLoop(
  model: Uint8Array | string,
  split: Split,
  ms: number,
  engine: Engine = "onnx",
): Promise<number> {
  const engines = await Promise.all(
    Array.from(
      { length: split.sessions },
      () =>
        engine === "tfjs"
          ? loadTfjsEngine(model as string, { name: "bare", inputDims: [3, 224, 224] })
          : loadOnnxEngine(model, {
            name: "bare",
            inputDims: [3, 224, 224],
            intraOpThreads: split.threads,
            spin: split.spin,
          }),
    ),
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
  const s = await ensureSyntheticCifar(BENCH_SYNTHETIC, { seed: 1 });
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
  vars: Record<string, string> = {},
): Promise<{ api: number; kafka: number }> {
  const env = isolated(ctx, "pool");
  const node = await benchNode(ctx, {
    ...env,
    ROLE: "inference",
    POOL_WORKERS: String(split.sessions),
    POOL_INTRA_THREADS: String(split.threads),
    POOL_MAX_BATCH: String(Math.max(split.batch, 1)),
    ...vars,
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
    if (n === 0) return { api, kafka: NaN };
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

/** Images/s of an inference node (the default split, batch 8) through Kafka: for the end-to-end stage. */
export async function inferenceViaKafka(ctx: BenchContext, n: number): Promise<number> {
  const cores = availableParallelism();
  const sessions = Math.max(1, Math.floor(cores / 2));
  const split = { sessions, threads: Math.max(1, Math.floor(cores / sessions)), batch: 8, spin: false };
  return (await poolRound(ctx, split, [], 0, n)).kafka;
}

/** One engine's sides. */
interface Side {
  label: string;
  /** The node's settings. */
  vars: Record<string, string>;
  /** The bare loop's model and engine. */
  model: Uint8Array | string;
  engine: Engine;
  bareLabel: string;
  api: number[];
  bare: number[];
}

/** Runs the stage. */
export async function benchInference(ctx: BenchContext): Promise<StageResult[]> {
  const cores = availableParallelism();
  const fp32 = await readFile((await ensureResNet50(BENCH_MODELS, 1)).path);
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
    const rate = await bareLoop(fp32, split, ms / 2);
    const name = `${split.sessions}x${split.threads} threads, batch ${split.batch}${split.spin ? ", spinning" : ""}`;
    survey[name] = Math.round(rate * 10) / 10;
    ctx.say(`inference survey: ${name}: ${rate.toFixed(1)} img/s`);
    if (rate > best.rate) best = { split, rate };
  }
  const split = best.split;
  const splitLabel = `${split.sessions} session(s) x ${split.threads} thread(s), batch ${split.batch}${
    split.spin ? ", spinning" : ""
  }`;

  // The INT8 model the node will serve (same settings, same cache), and the tfjs SavedModel.
  const config = loadConfig({ env: { SYNTHETIC_DIR: BENCH_SYNTHETIC, MODEL_DIR: BENCH_MODELS } });
  const int8 = await ensureInt8Model((await ensureResNet50(BENCH_MODELS, 1)).path, {
    config,
    log: ctx.log,
    progress: (l) => ctx.say(`int8: ${l}`),
  });
  const sides: Side[] = [
    { label: "onnx fp32", vars: {}, model: fp32, engine: "onnx", bareLabel: "onnxruntime-node", api: [], bare: [] },
    {
      label: "onnx int8",
      vars: { MODEL_PRECISION: "int8" },
      model: await readFile(int8.path),
      engine: "onnx",
      bareLabel: "onnxruntime-node, the same INT8 model",
      api: [],
      bare: [],
    },
  ];
  let tfjsMissing: string | null = null;
  try {
    requireTfjsNode();
    sides.push({
      label: "tfjs",
      vars: { MODEL_ENGINE: "tfjs" },
      model: (await ensureResNet50SavedModel(BENCH_MODELS, 1)).path,
      engine: "tfjs",
      bareLabel: "tfjs-node on the same SavedModel",
      api: [],
      bare: [],
    });
  } catch (err) {
    tfjsMissing = (err as Error).message;
    ctx.say(`inference: tfjs not measured: ${tfjsMissing}`);
  }
  const venv = await originalVenv(ctx);
  const images = await pngs(64);
  const kafka: number[] = [];
  const keras1: number[] = [];
  const keras8: number[] = [];
  const pool1: number[] = [];
  const pool8: number[] = [];
  let tensorflow = "";
  const n = ctx.mode === "quick" ? 100 : 600;
  for (let r = 0; r < ctx.rounds; r++) {
    await alternate(
      r,
      sides.map((side) => async () => {
        let api = NaN;
        await alternate(r, [
          async () => {
            const pool = await poolRound(ctx, split, images, ms, side.label === "onnx fp32" ? n : 0, side.vars);
            api = pool.api;
            side.api.push(pool.api);
            if (side.label === "onnx fp32") kafka.push(pool.kafka);
          },
          async () => void side.bare.push(await bareLoop(side.model, split, ms, side.engine)),
        ]);
        ctx.say(
          `inference round ${r + 1}/${ctx.rounds}, ${side.label}: API ${api.toFixed(1)}, bare loop ${
            side.bare[r]!.toFixed(1)
          }${side.label === "onnx fp32" ? `, Kafka ${kafka[r]!.toFixed(1)}` : ""} img/s`,
        );
      }),
    );
    // Against the original stack at the same batch sizes: the fp32 pool at batch 1 and at batch 8, Keras at both.
    await alternate(r, [
      async () => void pool1.push((await poolRound(ctx, { ...split, batch: 1 }, images, ms, 0)).api),
      async () => void pool8.push((await poolRound(ctx, { ...split, batch: 8 }, images, ms, 0)).api),
      async () => {
        const keras = await kerasRates(venv, ms / 1000, [1, 8]);
        tensorflow = keras.tensorflow;
        keras1.push(keras.rates["1"]!);
        keras8.push(keras.rates["8"]!);
      },
    ]);
    ctx.say(
      `inference round ${r + 1}/${ctx.rounds}, against Keras model.predict: batch 1 pool ${
        pool1[r]!.toFixed(1)
      }, Keras ${keras1[r]!.toFixed(1)}; batch 8 pool ${pool8[r]!.toFixed(1)}, Keras ${keras8[r]!.toFixed(1)} img/s`,
    );
  }
  const fp = sides[0]!;
  const i8 = sides[1]!;
  const viaKafka = stageResult({ stage: "x", unit: "", troupe: ["", kafka], anchor: ["", fp.bare], target: 0.95 });
  const results = sides.map((side) =>
    stageResult({
      stage: `inference, ${side.label}`,
      unit: "images/s",
      troupe: ["model pool through the predict API (PNG decode + resize included)", side.api],
      anchor: [`bare ${side.bareLabel} loop, ${splitLabel}`, side.bare],
      target: 0.95,
      extra: side.label === "onnx fp32"
        ? { viaKafkaImagesPerS: viaKafka.troupe.median, viaKafkaRatio: viaKafka.ratio, survey }
        : side.label === "onnx int8"
        ? { ...int8.report, reduceRange: int8.reduceRange }
        : {},
      notes: side.label === "onnx fp32"
        ? [
          "the pool runs with the bare loop's best split and batch size, and its default POOL_SPIN=false; the bare loop feeds a ready tensor, troupe decodes and resizes each PNG in the worker; the HTTP clients run in the bench process, on the same cores",
        ]
        : side.label === "tfjs"
        ? ["TensorFlow sizes its own thread pools (POOL_INTRA_THREADS does not apply)"]
        : ["fidelity of the INT8 model against fp32 on the bench dataset (cosine, top-1 and top-5 agreement)"],
    })
  );
  if (tfjsMissing) {
    results.push(stageResult({
      stage: "inference, tfjs",
      unit: "images/s",
      troupe: ["not measured", []],
      anchor: null,
      target: null,
      notes: [tfjsMissing],
    }));
  }
  const vnni = hasVnni();
  results.push(stageResult({
    stage: "INT8 pool vs fp32 pool",
    unit: "images/s",
    troupe: ["INT8 model pool through the predict API", i8.api],
    anchor: ["fp32 model pool through the predict API", fp.api],
    target: vnni ? 2.5 : null,
    notes: [
      vnni
        ? "this CPU has VNNI: 8-bit dot products at full speed"
        : "this CPU has no VNNI (the 2.5x target is for VNNI machines): uint8 x int8 products run on AVX2, 7-bit weights avoid their saturation",
    ],
  }));
  const poolSide = (batch: number) =>
    `fp32 pool through the predict API, POOL_MAX_BATCH=${batch}, ${
      2 * batch
    } requests in flight per session, ${split.sessions} session(s) x ${split.threads} thread(s)`;
  results.push(stageResult({
    stage: "vs original, batch 1",
    unit: "images/s",
    troupe: [poolSide(1), pool1],
    anchor: [`Keras ${tensorflow} ResNet50 model.predict, batch 1 (the Flask API's path), one call at a time`, keras1],
    target: 5,
    notes: ["both sides at batch 1 on the same cores; troupe's side includes HTTP and the PNG decode and resize"],
  }));
  results.push(stageResult({
    stage: "vs original, batch 8",
    unit: "images/s",
    troupe: [poolSide(8), pool8],
    anchor: [`Keras ResNet50 model.predict, batch 8`, keras8],
    target: null,
    notes: ["both sides at batch 8 on the same cores, each measured in its own rounds"],
  }));
  return results;
}
