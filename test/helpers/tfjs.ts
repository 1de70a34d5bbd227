/**
 * The TensorFlow engine's test fixtures (test/fixtures/tensorflow, written by
 * make_fixtures.py there) and the images both engines are compared on. The
 * engine must be set up (`npm run setup:tfjs`, part of the README's test command):
 * without it these tests fail, naming the command.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { encode as encodePng } from "fast-png";
import { type InputSpec, preprocessPng } from "../../actors/inference/mod.ts";
import { requireTfjsNode } from "../../actors/inference/tfjs_module.ts";
import { planarToInterleaved } from "../../protocols/mod.ts";
import { mulberry32 } from "../../protocols/seeded_random.ts";
import { syntheticImage } from "../../actors/simulator/mod.ts";
import { TINY_INPUT } from "./tiny_model.ts";

const FIXTURES = fileURLToPath(new URL("../fixtures/tensorflow/", import.meta.url));
/** tf.Module SavedModel with variables; signatures serving_default {pixels}->{logits}, both -> {logits, probabilities}. */
export const TF_TINY_MODULE = join(FIXTURES, "tiny_module");
/** Keras 3 model exported as a SavedModel. */
export const TF_TINY_KERAS = join(FIXTURES, "tiny_keras");
/** TF.js graph model converted from tiny_module. */
export const TF_TINY_GRAPH = join(FIXTURES, "tiny_graph", "model.json");
/** The tiny models' input in TensorFlow's layout. */
export const TINY_INPUT_NHWC: InputSpec = { ...TINY_INPUT, layout: "NHWC" };

/** Loads tfjs-node (throws TfjsMissing naming `npm run setup:tfjs` when it is not set up). */
export function tfjsOrFail(): ReturnType<typeof requireTfjsNode> {
  return requireTfjsNode();
}

/** `n` synthetic CIFAR-style 32x32 PNGs of different classes. */
export function cifarPngs(n: number, seed = 7): Uint8Array[] {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const planes = syntheticImage((i * 13) % 100, rand);
    return encodePng({ width: 32, height: 32, data: planarToInterleaved(planes), channels: 3, depth: 8 });
  });
}

/** The images preprocessed for `spec`, laid end to end. */
export function batchOf(pngs: Uint8Array[], spec: InputSpec): Float32Array {
  const per = 3 * spec.width * spec.height;
  const out = new Float32Array(pngs.length * per);
  pngs.forEach((p, i) => out.set(preprocessPng(p, spec), i * per));
  return out;
}

/** Index of the largest of each row of `classes` values. */
export function argmaxRows(out: Float32Array, classes: number): number[] {
  const rows: number[] = [];
  for (let r = 0; r < out.length / classes; r++) {
    let best = 0;
    for (let k = 1; k < classes; k++) if (out[r * classes + k]! > out[r * classes + best]!) best = k;
    rows.push(best);
  }
  return rows;
}

/** Cosine similarity of two rows. */
export function cosine(a: Float32Array, b: Float32Array): number {
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i]! * b[i]!;
    aa += a[i]! * a[i]!;
    bb += b[i]! * b[i]!;
  }
  return ab / Math.sqrt(aa * bb);
}
