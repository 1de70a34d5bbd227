/**
 * Image preprocessing for a classifier: PNG bytes -> RGB -> bilinear resize to
 * the model's input (half-pixel centres, as in PIL and ONNX Resize) -> scale,
 * mean and std -> float32 in NCHW or NHWC. The PNG header is checked before any
 * pixel is decoded, so a huge declared size is refused without allocating it.
 */
import { convertIndexedToRgb, decode as decodePng, type DecodedPng, hasPngSignature } from "fast-png";
import { checkPng } from "../../protocols/png_check.ts";
import { TroupeError } from "../../system/mod.ts";

/** How the model wants its input. */
export interface InputSpec {
  /** Width the model takes, in pixels (the image is resized to it). */
  width: number;
  /** Height the model takes, in pixels. */
  height: number;
  /** Channels first (`NCHW`) or last (`NHWC`). */
  layout: "NCHW" | "NHWC";
  /** Per-channel mean and std, applied after `scale`. */
  mean: [number, number, number];
  /** Per-channel standard deviation (R, G, B). */
  std: [number, number, number];
  /** Multiplies 0..255 pixel values first. */
  scale: number;
}

/** ImageNet defaults (torchvision, ONNX model zoo ResNet50). */
export const IMAGENET_INPUT: InputSpec = {
  width: 224,
  height: 224,
  layout: "NCHW",
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  scale: 1 / 255,
};

/** Why an image was refused. */
export type ImageProblem = "not_png" | "too_large";

/** An image that cannot be classified; the message names the problem. */
export class ImageError extends TroupeError {
  /** An error about an image: what is wrong with it (`problem`) and a message. */
  constructor(readonly problem: ImageProblem, message: string) {
    super("TROUPE_ERR_IMAGE", message);
  }
}

/** Width and height from the PNG header (IHDR), without decoding. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (bytes.length < 24 || !hasPngSignature(bytes)) {
    throw new ImageError("not_png", "not a PNG: the PNG signature is missing");
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (String.fromCharCode(...bytes.subarray(12, 16)) !== "IHDR") {
    throw new ImageError("not_png", "not a PNG: the first chunk is not IHDR");
  }
  return { width: dv.getUint32(16), height: dv.getUint32(20) };
}

/** Options of {@link preprocessPng}. */
export interface PreprocessOptions {
  /** Largest width or height accepted. @default 4096 */
  maxSide?: number;
}

/** One image as the model's input: `3 * width * height` floats. */
export function preprocessPng(bytes: Uint8Array, spec: InputSpec, options: PreprocessOptions = {}): Float32Array {
  const maxSide = options.maxSide ?? 4096;
  const size = pngSize(bytes);
  if (size.width === 0 || size.height === 0 || size.width > maxSide || size.height > maxSide) {
    throw new ImageError(
      "too_large",
      `image is ${size.width}x${size.height}: each side must be 1 to ${maxSide} pixels`,
    );
  }
  // The same check the Kafka consumers apply (protocols/png_check.ts), so an image
  // is a PNG or not whichever way it arrives; fast-png alone skips the chunk CRCs.
  const check = checkPng(bytes);
  if (!check.ok) throw new ImageError("not_png", `PNG does not decode: ${check.problem}`);
  let png: DecodedPng;
  try {
    png = decodePng(bytes);
  } catch (err) {
    throw new ImageError("not_png", `PNG does not decode: ${(err as Error).message}`);
  }
  return toInput(rgbOf(png), png.width, png.height, spec);
}

/** 8-bit interleaved RGB of any decoded PNG (gray, gray+alpha, RGB, RGBA, palette; 8 or 16 bits). */
export function rgbOf(png: DecodedPng): Uint8Array {
  const n = png.width * png.height;
  if (png.palette) {
    return rgbOf({
      ...png,
      data: convertIndexedToRgb(png),
      channels: png.palette[0]?.length ?? 3,
      depth: 8,
      palette: undefined,
    });
  }
  const src = png.data;
  const shift = png.depth === 16 ? 8 : 0;
  const c = png.channels;
  const out = new Uint8Array(3 * n);
  for (let i = 0; i < n; i++) {
    if (c <= 2) {
      const v = (src[i * c] as number) >> shift;
      out[3 * i] = v;
      out[3 * i + 1] = v;
      out[3 * i + 2] = v;
    } else {
      out[3 * i] = (src[i * c] as number) >> shift;
      out[3 * i + 1] = (src[i * c + 1] as number) >> shift;
      out[3 * i + 2] = (src[i * c + 2] as number) >> shift;
    }
  }
  return out;
}

/** Source taps of a bilinear resize along one axis: left index, right index, right weight. */
function taps(src: number, dst: number): { i0: Int32Array; i1: Int32Array; w: Float32Array } {
  const i0 = new Int32Array(dst);
  const i1 = new Int32Array(dst);
  const w = new Float32Array(dst);
  const s = src / dst;
  for (let d = 0; d < dst; d++) {
    const f = Math.min(Math.max((d + 0.5) * s - 0.5, 0), src - 1);
    const a = Math.floor(f);
    i0[d] = a;
    i1[d] = Math.min(a + 1, src - 1);
    w[d] = f - a;
  }
  return { i0, i1, w };
}

/**
 * Bilinear resize of interleaved RGB and normalisation into the model's layout,
 * done separably: each source row is resized across once, then each output row
 * blends two of those. Fewer operations than blending four source pixels for
 * every output value, and the same result.
 */
export function toInput(rgb: Uint8Array, width: number, height: number, spec: InputSpec): Float32Array {
  const W = spec.width;
  const H = spec.height;
  const plane = W * H;
  const out = new Float32Array(3 * plane);
  const cx = taps(width, W);
  const cy = taps(height, H);
  // Horizontal pass over every source row, one channel at a time: rows[(sy * 3 + c) * W + x].
  const rows = new Float32Array(height * 3 * W);
  for (let sy = 0; sy < height; sy++) {
    const src = sy * width * 3;
    for (let c = 0; c < 3; c++) {
      const dst = (sy * 3 + c) * W;
      for (let x = 0; x < W; x++) {
        const a = rgb[src + (cx.i0[x] as number) * 3 + c] as number;
        rows[dst + x] = a + ((rgb[src + (cx.i1[x] as number) * 3 + c] as number) - a) * (cx.w[x] as number);
      }
    }
  }
  const nchw = spec.layout === "NCHW";
  for (let c = 0; c < 3; c++) {
    // (v * scale - mean) / std, folded into one multiply-add.
    const mul = spec.scale / (spec.std[c] as number);
    const add = -(spec.mean[c] as number) / (spec.std[c] as number);
    for (let y = 0; y < H; y++) {
      const top = ((cy.i0[y] as number) * 3 + c) * W;
      const bottom = ((cy.i1[y] as number) * 3 + c) * W;
      const wy = cy.w[y] as number;
      const o = y * W;
      for (let x = 0; x < W; x++) {
        const t = rows[top + x] as number;
        const v = (t + ((rows[bottom + x] as number) - t) * wy) * mul + add;
        if (nchw) out[c * plane + o + x] = v;
        else out[3 * (o + x) + c] = v;
      }
    }
  }
  return out;
}

/** Probabilities from logits (numerically stable softmax). */
export function softmax(logits: Float32Array): Float32Array {
  let max = -Infinity;
  for (const v of logits) if (v > max) max = v;
  const out = new Float32Array(logits.length);
  let sum = 0;
  for (let i = 0; i < logits.length; i++) sum += out[i] = Math.exp((logits[i] as number) - max);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

/** The `k` best classes, best first (ties: lower index first). One pass, keeping the best k so far. */
export function topK(
  probs: Float32Array,
  k: number,
  labels: readonly string[],
): { index: number; label: string; prob: number }[] {
  const best: number[] = [];
  const n = Math.min(k, probs.length);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i] as number;
    if (best.length === n && !(p > (probs[best[n - 1] as number] as number))) continue;
    let at = best.length === n ? n - 1 : best.length;
    while (at > 0 && p > (probs[best[at - 1] as number] as number)) {
      best[at] = best[at - 1] as number;
      at--;
    }
    best[at] = i;
    if (best.length > n) best.length = n;
  }
  return best.map((index) => ({ index, label: labels[index] ?? `class_${index}`, prob: probs[index] as number }));
}
