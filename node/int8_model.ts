/**
 * The INT8 model of a node (MODEL_PRECISION=int8) and of `npm run quantize`:
 * calibrated and compared on images of the configured dataset (DATASET_DIR, or
 * the synthetic one), preprocessed exactly as the pool does, and cached in
 * MODEL_DIR under a name that changes with the source model, the input settings,
 * the dataset and the quantization settings.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { encode as encodePng } from "fast-png";
import { type FidelityReport, inputDims, preprocessPng, quantizeOnnx } from "../actors/inference/mod.ts";
import { ensureSyntheticCifar, openCifarDataset } from "../actors/simulator/mod.ts";
import { planarToInterleaved } from "../protocols/mod.ts";
import { cpuSimdFlags, hasVnni } from "../infra/cpu.ts";
import type { Logger } from "../system/mod.ts";
import { writeFileWhole } from "../system/platform.ts";
import type { TroupeConfig } from "./config.ts";

/** A quantized model on disk. */
export interface Int8Model {
  path: string;
  report: FidelityReport;
  reduceRange: boolean;
  /** Made by this call (else found in the cache). */
  generated: boolean;
  belowThreshold: boolean;
}

/** What `<model>.json` beside an INT8 model records. */
interface Int8Record {
  source: string;
  sourceSha256: string;
  report: FidelityReport;
  reduceRange: boolean;
  belowThreshold: boolean;
  calibrationImages: number;
  dataset: string;
  cpuFlags: string[];
  thresholds: { minCosine: number; minTop1: number };
}

/** `count` images of the configured dataset, spread over it, preprocessed for the model. */
async function datasetInputs(
  config: TroupeConfig,
  count: number,
  log: Logger,
): Promise<{ inputs: Float32Array[]; name: string }> {
  const sim = config.simulator;
  let dir = sim.datasetDir;
  if (dir === null) {
    dir = (await ensureSyntheticCifar(sim.syntheticDir, { seed: sim.seed, split: sim.split })).dir;
    log.warn("SYNTHETIC DATA: the INT8 model is calibrated on generated images, not CIFAR-100 photographs", { dir });
  }
  const dataset = await openCifarDataset(dir, sim.split);
  try {
    if (dataset.count < count) {
      throw new RangeError(
        `the dataset ${dataset.file} has ${dataset.count} images: INT8 calibration and evaluation need ${count}`,
      );
    }
    const stride = Math.floor(dataset.count / count);
    const inputs: Float32Array[] = [];
    for (let k = 0; k < count; k++) {
      const r = await dataset.read(k * stride);
      const png = encodePng({ width: 32, height: 32, data: planarToInterleaved(r.planes), channels: 3, depth: 8 });
      inputs.push(preprocessPng(png, config.inference.input));
    }
    return { inputs, name: `${dataset.file}` };
  } finally {
    await dataset.close();
  }
}

/** Options of {@link ensureInt8Model}. */
export interface EnsureInt8Options {
  /** The node's configuration: input, dataset, MODEL_DIR, INT8 settings. */
  config: TroupeConfig;
  log: Logger;
  /** Write here instead of the cache (the quantize command's --out). */
  out?: string;
  /** Write even below the thresholds. */
  force?: boolean;
  progress?: (line: string) => void;
}

/** The INT8 model of `source` (an fp32 ONNX file): from the cache, or made now. */
export async function ensureInt8Model(source: string, options: EnsureInt8Options): Promise<Int8Model> {
  const { config, log } = options;
  const q = config.inference.int8;
  const flags = cpuSimdFlags();
  const reduceRange = q.reduceRange === "auto" ? !hasVnni(flags) : q.reduceRange === "true";
  const bytes = new Uint8Array(await readFile(source));
  const sourceSha256 = createHash("sha256").update(bytes).digest("hex");
  const sim = config.simulator;
  const key = createHash("sha256").update(JSON.stringify({
    sourceSha256,
    input: config.inference.input,
    dataset: [sim.datasetDir ?? `synthetic:${sim.seed}`, sim.split],
    calibration: q.calibrationImages,
    reduceRange,
  })).digest("hex").slice(0, 12);
  const path = options.out ??
    join(config.inference.modelDir, `${basename(source).replace(/\.onnx$/i, "")}-${key}.int8.onnx`);
  const marker = `${path}.json`;
  if (!options.out && existsSync(path)) {
    const known = await readFile(marker, "utf8").then((t) => JSON.parse(t) as Int8Record).catch(() => null);
    if (known) {
      return {
        path,
        report: known.report,
        reduceRange: known.reduceRange,
        generated: false,
        belowThreshold: known.belowThreshold,
      };
    }
  }
  const total = q.calibrationImages + q.evaluationImages;
  const { inputs, name } = await datasetInputs(config, total, log);
  const t0 = Date.now();
  const made = await quantizeOnnx(bytes, {
    inputDims: inputDims(config.inference.input),
    calibration: inputs.slice(0, q.calibrationImages),
    evaluation: inputs.slice(q.calibrationImages),
    reduceRange,
    minCosine: q.minCosine,
    minTop1: q.minTop1,
    force: options.force ?? false,
    threads: config.inference.pool.intraOpThreads,
    ...(options.progress ? { progress: options.progress } : {}),
  });
  const record: Int8Record = {
    source,
    sourceSha256,
    report: made.report,
    reduceRange,
    belowThreshold: made.belowThreshold,
    calibrationImages: q.calibrationImages,
    dataset: name,
    cpuFlags: flags,
    thresholds: { minCosine: q.minCosine, minTop1: q.minTop1 },
  };
  await mkdir(dirname(path), { recursive: true });
  await writeFileWhole(path, made.bytes);
  await writeFileWhole(marker, JSON.stringify(record, null, 2) + "\n");
  log.info("INT8 model written", {
    path,
    seconds: Math.round((Date.now() - t0) / 100) / 10,
    ...made.report,
    reduceRange,
  });
  return { path, report: made.report, reduceRange, generated: true, belowThreshold: made.belowThreshold };
}
