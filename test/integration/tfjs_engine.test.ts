// The TensorFlow engine (tfjs-node, set up by `npm run setup:tfjs`) against the
// ONNX engine: SavedModels written by TensorFlow and Keras, a TF.js graph model
// converted by tensorflowjs, a layers model saved by tfjs-node, and the
// generated ResNet50 translated from ONNX: the same outputs for the same weights.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import type { PoolReply } from "../../actors/inference/model_pool.ts";
import {
  ENGINE_MODULES,
  ensureResNet50,
  ensureResNet50SavedModel,
  IMAGENET_INPUT,
  loadTfjsEngine,
  ModelMismatch,
  startModelPoolTree,
} from "../../actors/inference/mod.ts";
import { softmax } from "../../actors/inference/preprocess.ts";
import { loadOnnxEngine } from "../../actors/inference/onnxruntime_engine.ts";
import { inputDims } from "../../actors/inference/worker_protocol.ts";
import { ask, silentLogger, startSystem } from "../../system/mod.ts";
import {
  argmaxRows,
  batchOf,
  cifarPngs,
  cosine,
  TF_TINY_GRAPH,
  TF_TINY_KERAS,
  TF_TINY_MODULE,
  tfjsOrFail,
  TINY_INPUT_NHWC,
} from "../helpers/tfjs.ts";
import { TEST_MODEL_DIR } from "../helpers/pipeline.ts";
import { TINY_INPUT, tinyExpected, tinyPng, writeTinyModel } from "../helpers/tiny_model.ts";

const dir = mkdtempSync(join(tmpdir(), "troupe-tfjs-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const tinyOnnx = join(dir, "tiny.onnx");
writeTinyModel(tinyOnnx);
const tf = tfjsOrFail();

const rgbs = Array.from({ length: 6 }, (_, i) => Array.from({ length: 12 }, (_, k) => (i * 41 + k * 23) % 256));
const pngs = rgbs.map(tinyPng);
const nhwc = { name: "tiny", inputDims: inputDims(TINY_INPUT_NHWC) };

t.test("SavedModels from TensorFlow and Keras and a TF.js graph model give the ONNX model's outputs", async (t) => {
  const onnx = await loadOnnxEngine(tinyOnnx, { name: "tiny", inputDims: inputDims(TINY_INPUT) });
  t.teardown(() => onnx.close());
  const want = await onnx.run(batchOf(pngs, TINY_INPUT), pngs.length);
  for (const [label, path] of [["tf.Module", TF_TINY_MODULE], ["Keras", TF_TINY_KERAS], ["graph", TF_TINY_GRAPH]]) {
    const e = await loadTfjsEngine(path!, nhwc);
    t.teardown(() => e.close());
    t.equal(e.info.output.classes, 3, `${label}: 3 classes`);
    t.equal(e.info.maxBatch, null, `${label}: any batch size`);
    const got = await e.run(batchOf(pngs, TINY_INPUT_NHWC), pngs.length);
    const diff = Math.max(...Array.from(got, (v, i) => Math.abs(v - want[i]!)));
    t.ok(diff < 1e-4, `${label}: largest difference from onnxruntime ${diff}`);
    rgbs.forEach((rgb, i) => {
      const probs = softmax(got.subarray(i * 3, i * 3 + 3));
      const exp = tinyExpected(rgb);
      t.ok(probs.every((p, k) => Math.abs(p - exp[k]!) < 1e-5), `${label} image ${i}: the weights' own answer`);
    });
  }
});

t.test("signature, output and tags are chosen by configuration; what does not exist is refused by name", async (t) => {
  const both = await loadTfjsEngine(TF_TINY_MODULE, { ...nhwc, signature: "both", outputName: "probabilities" });
  t.teardown(() => both.close());
  const got = await both.run(batchOf(pngs.slice(0, 2), TINY_INPUT_NHWC), 2);
  t.ok(Math.abs(got[0]! + got[1]! + got[2]! - 1) < 1e-5, "the probabilities output sums to one");
  t.ok(Math.abs(got[0]! - tinyExpected(rgbs[0]!)[0]!) < 1e-5);
  await t.rejects(loadTfjsEngine(TF_TINY_MODULE, { ...nhwc, signature: "nope" }), {
    name: "ModelMismatch",
    message: /no signature 'nope': it has \[(both, serving_default|serving_default, both)\]/,
  });
  await t.rejects(loadTfjsEngine(TF_TINY_MODULE, { ...nhwc, signature: "both" }), {
    message: /several outputs: it has \[(logits, probabilities|probabilities, logits)\]/,
  });
  await t.rejects(loadTfjsEngine(TF_TINY_MODULE, { ...nhwc, tags: ["gpu"] }), {
    message: /no meta graph tagged \[gpu\]: the SavedModel has \[serve\]/,
  });
});

t.test("a model that does not fit the configuration is refused at load, naming what it has", async (t) => {
  const err = await loadTfjsEngine(TF_TINY_KERAS, { name: "tiny", inputDims: inputDims(TINY_INPUT) }).catch((e) => e);
  t.ok(err instanceof ModelMismatch);
  t.match(err.message, /is float32 \[N, 2, 2, 3\]: the configuration expects float32 \[N, 3, 2, 2\]/);
  t.match(err.message, /MODEL_LAYOUT/);
  await t.rejects(loadTfjsEngine(tinyOnnx, nhwc), { message: /neither a SavedModel directory.*MODEL_ENGINE=onnx/ });
  await t.rejects(loadTfjsEngine(join(dir, "missing"), nhwc), { message: /does not exist/ });
});

t.test("a TF.js layers model saved by tfjs-node itself", async (t) => {
  // deno-lint-ignore no-explicit-any
  const tfx = tf as any;
  const model = tfx.sequential({
    layers: [tfx.layers.flatten({ inputShape: [2, 2, 3] }), tfx.layers.dense({ units: 3 })],
  });
  const kernel = new Float32Array(36);
  const W = (k: number, i: number) => (((k * 12 + i) * 7) % 11 - 5) / 100;
  for (let p = 0; p < 4; p++) {
    for (let c = 0; c < 3; c++) for (let k = 0; k < 3; k++) kernel[(p * 3 + c) * 3 + k] = W(k, c * 4 + p);
  }
  model.setWeights([tfx.tensor(kernel, [12, 3]), tfx.tensor([0.5, -1, 2])]);
  await model.save(`file://${join(dir, "layers")}`);
  const e = await loadTfjsEngine(join(dir, "layers"), nhwc);
  t.teardown(() => e.close());
  const got = await e.run(batchOf(pngs, TINY_INPUT_NHWC), pngs.length);
  rgbs.forEach((rgb, i) => {
    const probs = softmax(got.subarray(i * 3, i * 3 + 3));
    t.ok(probs.every((p, k) => Math.abs(p - tinyExpected(rgb)[k]!) < 1e-5), `image ${i}`);
  });
});

t.test("the generated ResNet50: both engines give the same top-1 on the same images", async (t) => {
  const modelDir = TEST_MODEL_DIR; // the cache every test shares (written whole, then renamed)
  const onnxModel = await ensureResNet50(modelDir, 1);
  const saved = await ensureResNet50SavedModel(modelDir, 1);
  t.equal((await ensureResNet50SavedModel(modelDir, 1)).generated, false, "cached the second time");
  const dims = inputDims(IMAGENET_INPUT);
  const onnx = await loadOnnxEngine(readFileSync(onnxModel.path), { name: "r50", inputDims: dims, intraOpThreads: 2 });
  t.teardown(() => onnx.close());
  const tfe = await loadTfjsEngine(saved.path, { name: "r50", inputDims: dims });
  t.teardown(() => tfe.close());
  const images = cifarPngs(12);
  const x = batchOf(images, IMAGENET_INPUT);
  const a = await onnx.run(x, images.length);
  const b = await tfe.run(x, images.length);
  const topA = argmaxRows(a, 1000);
  const topB = argmaxRows(b, 1000);
  t.same(topB, topA, `top-1 per image: ${topA.join(",")}`);
  t.ok(new Set(topA).size > 1, "the images are not all the same class (the comparison can fail)");
  for (let i = 0; i < images.length; i++) {
    const c = cosine(a.subarray(i * 1000, (i + 1) * 1000), b.subarray(i * 1000, (i + 1) * 1000));
    t.ok(c > 0.99999, `image ${i}: cosine ${c}`);
  }
});

t.test("the worker pool on the TensorFlow engine batches, and each caller gets its own exact result", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown());
  const tree = await startModelPoolTree(sys.root, {
    modelPath: TF_TINY_KERAS,
    engineModule: ENGINE_MODULES.tfjs,
    modelName: "tiny",
    input: TINY_INPUT_NHWC,
    workers: 2,
    intraOpThreads: 1,
    maxBatch: 8,
    maxDelayMs: 20,
    batchTimeoutMs: 10_000,
    queue: 64,
    topK: 3,
    labels: ["a", "b", "c"],
    outputs: "logits",
  });
  const images = Array.from({ length: 40 }, (_, i) => Array.from({ length: 12 }, (_, k) => (i * 31 + k * 17) % 250));
  const replies = await Promise.all(images.map((rgb) =>
    ask<Parameters<typeof tree.pool.send>[0], PoolReply>(
      tree.pool,
      (replyTo) => ({ type: "pool.infer", png: tinyPng(rgb), replyTo }),
      { timeoutMs: 20_000 },
    )
  ));
  replies.forEach((r, i) => {
    if (!r.ok) return t.fail(r.message);
    const got = [0, 1, 2].map((k) => r.top.find((c) => c.index === k)!.prob);
    t.ok(got.every((p, k) => Math.abs(p - tinyExpected(images[i]!)[k]!) < 1e-5), `image ${i}`);
  });
  const sizes = Object.keys(tree.stats.batchSizes).map(Number);
  t.ok(Math.max(...sizes) > 1, `batches larger than one: ${JSON.stringify(tree.stats.batchSizes)}`);
});
