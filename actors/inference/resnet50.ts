/**
 * The default model: ResNet50 v1 (He et al. 2015; the torchvision / ONNX model zoo
 * topology: 7x7 stem, bottleneck stages of 3, 4, 6 and 3 blocks, stride on the
 * 3x3 convolution, global average pool, 1000-way linear layer) with batch norm
 * folded into the convolutions' biases. Input `data` [N, 3, 224, 224] float32
 * NCHW, ImageNet-normalised; output `logits` [N, 1000].
 *
 * Its weights are NOT trained: they are drawn from a seeded generator (He-normal,
 * residual branches scaled down so activations stay finite), so the same seed
 * writes the same bytes, and its predictions mean nothing. Every response and log
 * line of a node serving it says so.
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { mulberry32 } from "../../protocols/seeded_random.ts";
import { troupeCacheDir, writeFileWhole } from "../../system/platform.ts";
import { sha256Hex } from "../../protocols/image_envelope.ts";
import { OnnxGraph } from "./onnx_graph.ts";
import { writeSavedModel } from "./onnx_to_tf.ts";

/** Name of the synthetic model in responses and rows. */
export const SYNTHETIC_RESNET50 = "resnet50-v1-untrained";

/** Gaussian numbers from a seeded uniform source (Box-Muller). */
function gaussian(rand: () => number): () => number {
  let spare: number | null = null;
  return () => {
    if (spare !== null) {
      const s = spare;
      spare = null;
      return s;
    }
    const u = Math.max(rand(), 1e-12);
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u));
    spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  };
}

/** The ONNX bytes of ResNet50 v1 with weights from `seed`. */
export function buildResNet50(seed = 1): Uint8Array {
  const g = new OnnxGraph("resnet50_v1_untrained");
  const normal = gaussian(mulberry32(seed));
  const weights = (dims: number[], std: number) => {
    const a = new Float32Array(dims.reduce((x, y) => x * y, 1));
    for (let i = 0; i < a.length; i++) a[i] = normal() * std;
    return a;
  };
  const conv = (x: string, cin: number, cout: number, k: number, stride: number, relu: boolean, gain = 1) => {
    const w = g.initializer(
      g.fresh("w"),
      [cout, cin, k, k],
      weights([cout, cin, k, k], gain * Math.sqrt(2 / (cin * k * k))),
    );
    const b = g.initializer(g.fresh("b"), [cout], new Float32Array(cout));
    const p = Math.floor(k / 2);
    const y = g.node("Conv", [x, w, b], { kernel_shape: [k, k], strides: [stride, stride], pads: [p, p, p, p] });
    return relu ? g.node("Relu", [y]) : y;
  };
  let x = conv("data", 3, 64, 7, 2, true);
  x = g.node("MaxPool", [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  let cin = 64;
  const stages: [number, number, number][] = [[64, 3, 1], [128, 4, 2], [256, 6, 2], [512, 3, 2]];
  for (const [width, blocks, firstStride] of stages) {
    for (let i = 0; i < blocks; i++) {
      const stride = i === 0 ? firstStride : 1;
      const cout = width * 4;
      let y = conv(x, cin, width, 1, 1, true);
      y = conv(y, width, width, 3, stride, true);
      y = conv(y, width, cout, 1, 1, false, 0.2);
      const shortcut = i === 0 ? conv(x, cin, cout, 1, stride, false) : x;
      x = g.node("Relu", [g.node("Add", [y, shortcut])]);
      cin = cout;
    }
  }
  x = g.node("GlobalAveragePool", [x]);
  x = g.node("Flatten", [x], { axis: 1 });
  const fcW = g.initializer("fc_w", [1000, 2048], weights([1000, 2048], Math.sqrt(1 / 2048)));
  const fcB = g.initializer("fc_b", [1000], new Float32Array(1000));
  g.node("Gemm", [x, fcW, fcB], { transB: 1 }, "logits");
  return g.toBytes({
    input: "data",
    inputDims: [3, 224, 224],
    output: "logits",
    outputDims: [1000],
    docString:
      `ResNet50 v1 topology with UNTRAINED seeded weights (seed ${seed}), written by troupe; its predictions mean nothing`,
  });
}

/** A generated model file. */
export interface GeneratedModel {
  /** Where the file is. */
  path: string;
  /** Lower-case hex sha256 of the file. */
  sha256: string;
  /** Its size in bytes. */
  bytes: number;
  /** True when it was written now; false when it was there already. */
  generated: boolean;
}

/** Where the generated models go unless told: troupe's cache (`TROUPE_CACHE_DIR`, else `~/.cache/troupe`), `models/`. */
export function defaultModelDir(): string {
  return join(troupeCacheDir(), "models");
}

/**
 * Writes the synthetic ResNet50 (about 100 MB) to `dir` unless the same seed is already there. @default dir: troupe's
 * cache ({@link defaultModelDir}), never the caller's working directory
 */
export async function ensureResNet50(dir: string = defaultModelDir(), seed = 1): Promise<GeneratedModel> {
  const path = join(dir, `${SYNTHETIC_RESNET50}-seed${seed}.onnx`);
  const marker = `${path}.json`;
  const known = await readFile(marker, "utf8").then((t) => JSON.parse(t) as { sha256: string; bytes: number }).catch(
    () => null,
  );
  if (known) return { path, sha256: known.sha256, bytes: known.bytes, generated: false };
  await mkdir(dir, { recursive: true });
  const bytes = buildResNet50(seed);
  await writeFileWhole(path, bytes);
  const sha256 = sha256Hex(bytes);
  await writeFileWhole(marker, JSON.stringify({ sha256, bytes: bytes.length, seed }));
  return { path, sha256, bytes: bytes.length, generated: true };
}

/**
 * The same model as a TensorFlow SavedModel (a directory; input `data` NCHW like
 * the ONNX file), for the TensorFlow engine: translated from the ONNX file, so
 * both engines serve the same weights.
 * @experimental
 */
export async function ensureResNet50SavedModel(dir: string = defaultModelDir(), seed = 1): Promise<GeneratedModel> {
  const onnxModel = await ensureResNet50(dir, seed);
  const path = join(dir, `${SYNTHETIC_RESNET50}-seed${seed}.savedmodel`);
  const marker = `${path}.json`;
  const known = await readFile(marker, "utf8").then((t) => JSON.parse(t) as { from: string; bytes: number }).catch(
    () => null,
  );
  if (known?.from === onnxModel.sha256) {
    return { path, sha256: onnxModel.sha256, bytes: known.bytes, generated: false };
  }
  const bytes = await readFile(onnxModel.path);
  await writeSavedModel(bytes, path);
  const pb = await readFile(join(path, "saved_model.pb"));
  await writeFileWhole(marker, JSON.stringify({ from: onnxModel.sha256, bytes: pb.length, seed }));
  return { path, sha256: onnxModel.sha256, bytes: pb.length, generated: true };
}
