/**
 * INT8 quantization of an ONNX classifier with its fidelity measured, not
 * assumed: activation ranges are calibrated by running the fp32 model (through
 * onnxruntime) on preprocessed images of the configured dataset; the graph is
 * rewritten in QDQ form (int8_graph.ts); then the fp32 and int8 models both run
 * on other images and their outputs are compared: cosine similarity, top-1
 * agreement, and how often the fp32 top-1 is within the int8 top-5. A model
 * below the thresholds is refused unless `force` is set.
 */
import type * as Ort from "onnxruntime-node";
import { TroupeError } from "../../system/mod.ts";
import { importOptional } from "../../system/optional_package.ts";
import { calibrationTensors, decodeModel, encodeModel, quantizeGraph, withOutputs } from "./int8_graph.ts";

/**
 * What the comparison found.
 * @experimental
 */
export interface FidelityReport {
  /** Images compared. */
  images: number;
  /** Cosine similarity of the int8 and fp32 outputs: mean and worst image. */
  cosineMean: number;
  /** Worst image's cosine similarity. */
  cosineMin: number;
  /** Share of images with the same top-1 class. */
  top1Agreement: number;
  /** Share of images whose fp32 top-1 is among the int8 top-5. */
  top5Agreement: number;
}

/**
 * Options of {@link quantizeOnnx}.
 * @experimental
 */
export interface QuantizeOptions {
  /** The model's input dims without batch, e.g. [3, 224, 224]. */
  inputDims: number[];
  /** Preprocessed images to calibrate on (each `inputDims` floats). */
  calibration: Float32Array[];
  /** Other preprocessed images to compare the two models on. */
  evaluation: Float32Array[];
  /** 7-bit weights, for CPUs without VNNI. */
  reduceRange: boolean;
  /** Mean cosine similarity below which the model is refused (unless `force`). @default 0.99 */
  minCosine?: number;
  /** Share of top-1 agreement below which the model is refused (unless `force`). @default 0.8 */
  minTop1?: number;
  /** Write the model even below the thresholds (the report says so). */
  force?: boolean;
  /** onnxruntime threads. @default 2 */
  threads?: number;
  /** Told each step, for people. */
  progress?: (line: string) => void;
}

/**
 * The quantized model and its report.
 * @experimental
 */
export interface Quantized {
  /** The quantized ONNX model. */
  bytes: Uint8Array;
  /** How close it is to the fp32 model. */
  report: FidelityReport;
  /** Activations calibrated, weights quantized. */
  activations: number;
  /** Whether the weights are 7-bit. */
  reduceRange: boolean;
  /** Whether the report is below the thresholds (only with `force`). */
  belowThreshold: boolean;
}

/**
 * The int8 model is too far from the fp32 one. Not retriable.
 * @experimental
 */
export class QuantizationRefused extends TroupeError {
  /** An error saying why the int8 model was refused, with its `report`. */
  constructor(message: string, readonly report: FidelityReport) {
    super("TROUPE_ERR_QUANTIZATION", message);
  }
}

const BATCH = 4;

/** onnxruntime, loaded when first needed (importers of this module that never quantize do not load it). */
const ortModule = () =>
  importOptional(
    "onnxruntime-node",
    "^1.30.0",
    "int8 quantization (troupe/inference)",
    () => import("onnxruntime-node") as Promise<typeof Ort>,
  );

async function session(bytes: Uint8Array, threads: number) {
  const ort = await ortModule();
  return await ort.InferenceSession.create(bytes, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
  });
}

/** Runs `images` in batches through `s`, handing each batch's outputs to `each`. */
async function runAll(
  s: Ort.InferenceSession,
  dims: number[],
  images: Float32Array[],
  outputs: string[],
  each: (out: Ort.InferenceSession.OnnxValueMapType, count: number) => void,
): Promise<void> {
  const ort = await ortModule();
  const per = dims.reduce((a, b) => a * b, 1);
  for (let i = 0; i < images.length; i += BATCH) {
    const part = images.slice(i, i + BATCH);
    const x = new Float32Array(part.length * per);
    part.forEach((img, k) => x.set(img, k * per));
    each(
      await s.run({ [s.inputNames[0]!]: new ort.Tensor("float32", x, [part.length, ...dims]) }, outputs),
      part.length,
    );
  }
}

/** What a model runs on: its input dims (without batch), the preprocessed images, onnxruntime's threads. */
export interface ModelRunOptions {
  inputDims: number[];
  images: Float32Array[];
  /** @default 2 */
  threads?: number;
}

/** Activation ranges ([min, max]) of the tensors the quantization needs, over the images. */
export async function calibrate(
  bytes: Uint8Array,
  { inputDims: dims, images, threads = 2 }: ModelRunOptions,
): Promise<Map<string, [number, number]>> {
  const model = decodeModel(bytes);
  const tensors = calibrationTensors(model);
  const s = await session(withOutputs(model, tensors), threads);
  const ranges = new Map<string, [number, number]>();
  try {
    await runAll(s, dims, images, tensors, (out) => {
      for (const name of tensors) {
        const data = out[name]!.data as Float32Array;
        let lo = Infinity, hi = -Infinity;
        for (let i = 0; i < data.length; i++) {
          const v = data[i]!;
          if (v < lo) lo = v;
          if (v > hi) hi = v;
        }
        const r = ranges.get(name);
        ranges.set(name, r ? [Math.min(r[0], lo), Math.max(r[1], hi)] : [lo, hi]);
      }
    });
  } finally {
    await s.release();
  }
  return ranges;
}

const argTop = (row: Float32Array, k: number) =>
  Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b).slice(0, k);

/** Compares two models' outputs on the same images (`reference`: the fp32 one). */
export async function compareModels(
  models: { reference: Uint8Array; candidate: Uint8Array },
  { inputDims: dims, images, threads = 2 }: ModelRunOptions,
): Promise<FidelityReport> {
  const outputsOf = async (bytes: Uint8Array) => {
    const s = await session(bytes, threads);
    const rows: Float32Array[] = [];
    try {
      const name = s.outputNames[0]!;
      await runAll(s, dims, images, [name], (out, count) => {
        const data = out[name]!.data as Float32Array;
        const width = data.length / count;
        for (let k = 0; k < count; k++) rows.push(data.slice(k * width, (k + 1) * width));
      });
    } finally {
      await s.release();
    }
    return rows;
  };
  const a = await outputsOf(models.reference);
  const b = await outputsOf(models.candidate);
  let cosSum = 0, cosMin = 1, top1 = 0, top5 = 0;
  a.forEach((x, i) => {
    const y = b[i]!;
    let xy = 0, xx = 0, yy = 0;
    for (let k = 0; k < x.length; k++) {
      xy += x[k]! * y[k]!;
      xx += x[k]! * x[k]!;
      yy += y[k]! * y[k]!;
    }
    const c = xx > 0 && yy > 0 ? xy / Math.sqrt(xx * yy) : 0;
    cosSum += c;
    cosMin = Math.min(cosMin, c);
    const t = argTop(x, 1)[0]!;
    const top = argTop(y, 5);
    if (top[0] === t) top1++;
    if (top.includes(t)) top5++;
  });
  const n = Math.max(1, a.length);
  return {
    images: a.length,
    cosineMean: cosSum / n,
    cosineMin: cosMin,
    top1Agreement: top1 / n,
    top5Agreement: top5 / n,
  };
}

/**
 * Quantizes `bytes` (an fp32 ONNX classifier) to INT8 and measures how close it stays.
 * @experimental
 */
export async function quantizeOnnx(bytes: Uint8Array, options: QuantizeOptions): Promise<Quantized> {
  const threads = options.threads ?? 2;
  const p = options.progress ?? (() => {});
  if (options.calibration.length === 0 || options.evaluation.length === 0) {
    throw new RangeError("quantization needs calibration and evaluation images");
  }
  p(`calibrating activation ranges on ${options.calibration.length} images`);
  const ranges = await calibrate(bytes, { inputDims: options.inputDims, images: options.calibration, threads });
  const model = decodeModel(bytes);
  quantizeGraph(model, ranges, { reduceRange: options.reduceRange });
  model.producerName = "troupe-int8";
  model.docString = `${model.docString ?? ""} | statically quantized to INT8 by troupe (QDQ; ${
    options.reduceRange ? "7-bit" : "8-bit"
  } per-channel weights, uint8 activations calibrated on ${options.calibration.length} images)`;
  const int8 = encodeModel(model);
  p(`comparing fp32 and int8 on ${options.evaluation.length} other images`);
  const report = await compareModels({ reference: bytes, candidate: int8 }, {
    inputDims: options.inputDims,
    images: options.evaluation,
    threads,
  });
  const minCosine = options.minCosine ?? 0.99;
  const minTop1 = options.minTop1 ?? 0.8;
  const below = report.cosineMean < minCosine || report.top1Agreement < minTop1;
  if (below && !options.force) {
    throw new QuantizationRefused(
      `the INT8 model is too far from the fp32 one: cosine ${report.cosineMean} (at least ${minCosine}), top-1 agreement ${report.top1Agreement} (at least ${minTop1}) on ${report.images} images; not written (force to write it anyway)`,
      report,
    );
  }
  return { bytes: int8, report, activations: ranges.size, reduceRange: options.reduceRange, belowThreshold: below };
}
