/** A tiny linear classifier over 2x2 RGB images, with known weights, for pool tests. */
import { Buffer } from "node:buffer";
import { writeFileSync } from "node:fs";
import { encodeImageEnvelope, sha256Hex } from "../../protocols/mod.ts";
import { encode as encodePng } from "fast-png";
import { OnnxGraph } from "../../actors/inference/onnx_graph.ts";
import type { InputSpec } from "../../actors/inference/preprocess.ts";

export const TINY_INPUT: InputSpec = { width: 2, height: 2, layout: "NCHW", mean: [0, 0, 0], std: [1, 1, 1], scale: 1 };
export const TINY_W = Float32Array.from({ length: 36 }, (_, i) => (((i * 7) % 11) - 5) / 100);
export const TINY_B = new Float32Array([0.5, -1, 2]);

/** Writes the model to `path`. */
export function writeTinyModel(path: string): void {
  const g = new OnnxGraph("tiny");
  const flat = g.node("Flatten", ["x"], { axis: 1 });
  g.node("Gemm", [flat, g.initializer("W", [3, 12], TINY_W), g.initializer("b", [3], TINY_B)], { transB: 1 }, "y");
  writeFileSync(path, g.toBytes({ input: "x", inputDims: [3, 2, 2], output: "y", outputDims: [3] }));
}

/** A 2x2 PNG of interleaved RGB bytes. */
export function tinyPng(rgb: number[]): Uint8Array {
  return encodePng({ width: 2, height: 2, data: Uint8Array.from(rgb), channels: 3, depth: 8 });
}

/** The probabilities the model gives for `rgb` (softmax of W·x + b, x in NCHW order). */
export function tinyExpected(rgb: number[]): number[] {
  const x = [0, 1, 2].flatMap((c) => [0, 1, 2, 3].map((p) => rgb[p * 3 + c]!));
  const logits = [0, 1, 2].map((k) => TINY_B[k]! + x.reduce((s, v, i) => s + TINY_W[k * 12 + i]! * v, 0));
  const m = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - m));
  const sum = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / sum);
}

/** An image envelope (JSON bytes) carrying the 2x2 PNG of `rgb` as `imageId` of camera `deviceId`, number `seq`. */
export function tinyEnvelope(rgb: number[], deviceId: string, seq: number, imageId = `${deviceId}/${seq}`): Buffer {
  const png = tinyPng(rgb);
  return Buffer.from(encodeImageEnvelope({
    v: 1,
    imageId,
    deviceId,
    seq,
    capturedAt: "2026-11-25T12:00:00.000Z",
    label: { fine: 0, coarse: 0 },
    width: 2,
    height: 2,
    format: "png",
    sha256: sha256Hex(png),
    data: Buffer.from(png).toString("base64"),
  }));
}
