// Static INT8 quantization written in TypeScript over the ONNX graph: onnxruntime
// fuses the QDQ groups it writes into quantized operators, the fidelity report
// measures what it claims, a model below the thresholds is refused, and the
// `npm run quantize` command works on a MODEL_PATH model of its own input size.
import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import * as ort from "onnxruntime-node";
import onnxProto from "onnx-proto";
import t from "tap";
import {
  ensureResNet50,
  IMAGENET_INPUT,
  preprocessPng,
  QuantizationRefused,
  quantizeOnnx,
} from "../../actors/inference/mod.ts";
import { activationParams } from "../../actors/inference/int8_graph.ts";
import { compareModels } from "../../actors/inference/int8.ts";
import { OnnxGraph } from "../../actors/inference/onnx_graph.ts";
import { mulberry32 } from "../../protocols/seeded_random.ts";
import { nodeArgs } from "../helpers/entry.ts";
import { TEST_MODEL_DIR } from "../helpers/pipeline.ts";
import { cifarPngs } from "../helpers/tfjs.ts";

const dir = mkdtempSync(join(tmpdir(), "troupe-int8-"));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

t.test("activation parameters: the range always holds zero, and zero is exact", async (t) => {
  const a = activationParams(0, 5.1);
  t.equal(a.zeroPoint, 0);
  t.ok(Math.abs(a.scale - 0.02) < 1e-12, `scale ${a.scale}`);
  const p = activationParams(-1, 3);
  t.equal(p.zeroPoint, 64, "0 maps to 64 in uint8");
  t.ok(Math.abs(p.scale - 4 / 255) < 1e-12);
  t.same(activationParams(2, 3).zeroPoint, 0, "a positive range still starts at 0");
  t.ok(activationParams(0, 0).scale > 0, "an all-zero tensor gets a usable scale");
});

t.test("the generated ResNet50: onnxruntime fuses every convolution, and the report holds", async (t) => {
  // The model cache every test shares (written whole, then renamed): generated once per machine.
  const model = readFileSync((await ensureResNet50(TEST_MODEL_DIR, 1)).path);
  const images = cifarPngs(32, 11).map((p) => preprocessPng(p, IMAGENET_INPUT));
  const q = await quantizeOnnx(model, {
    inputDims: [3, 224, 224],
    calibration: images.slice(0, 16),
    evaluation: images.slice(16),
    reduceRange: true,
    minTop1: 0.8,
  });
  t.ok(q.bytes.length < model.length / 3, `int8 weights: ${q.bytes.length} bytes, fp32 ${model.length}`);
  t.equal(q.report.images, 16);
  t.ok(q.report.cosineMean > 0.99, `cosine ${q.report.cosineMean}`);
  t.ok(q.report.top1Agreement >= 0.8, `top-1 ${q.report.top1Agreement}`);
  t.ok(q.report.top5Agreement >= 0.95, `top-5 ${q.report.top5Agreement}`);
  // What onnxruntime made of it.
  const optimized = join(dir, "optimized.onnx");
  const s = await ort.InferenceSession.create(q.bytes, {
    graphOptimizationLevel: "all",
    optimizedModelFilePath: optimized,
  });
  await s.release();
  const ops: Record<string, number> = {};
  for (const n of onnxProto.onnx.ModelProto.decode(readFileSync(optimized)).graph!.node!) {
    ops[n.opType!] = (ops[n.opType!] ?? 0) + 1;
  }
  t.equal(ops["QLinearConv"], 53, `all 53 convolutions run quantized: ${JSON.stringify(ops)}`);
  t.equal(ops["QLinearAdd"], 16, "all 16 residual additions too");
  t.notOk(ops["Conv"], "no float convolution left");
  // The report is reproducible: the same comparison run again gives the same figures.
  const again = await compareModels({ reference: model, candidate: q.bytes }, {
    inputDims: [3, 224, 224],
    images: images.slice(16),
  });
  t.same(again, q.report);
});

/** A small CNN on 32x32 images (not ResNet): conv, relu, pool, conv, add, GAP, dense. */
function smallCnn(path: string): void {
  const g = new OnnxGraph("small");
  const rand = mulberry32(5);
  const w = (n: number, s: number) => Float32Array.from({ length: n }, () => (rand() * 2 - 1) * s);
  const conv = (x: string, cin: number, cout: number) =>
    g.node("Conv", [
      x,
      g.initializer(g.fresh("w"), [cout, cin, 3, 3], w(cout * cin * 9, 0.3)),
      g.initializer(g.fresh("b"), [cout], w(cout, 0.1)),
    ], {
      kernel_shape: [3, 3],
      pads: [1, 1, 1, 1],
    });
  let x = g.node("Relu", [conv("input", 3, 16)]);
  x = g.node("MaxPool", [x], { kernel_shape: [2, 2], strides: [2, 2] });
  const y = g.node("Relu", [conv(x, 16, 16)]);
  x = g.node("Relu", [g.node("Add", [x, y])]);
  x = g.node("Flatten", [g.node("GlobalAveragePool", [x])], { axis: 1 });
  g.node(
    "Gemm",
    [x, g.initializer("fc", [10, 16], w(160, 0.5)), g.initializer("fcb", [10], w(10, 0.1))],
    { transB: 1 },
    "scores",
  );
  writeFileSync(path, g.toBytes({ input: "input", inputDims: [3, 32, 32], output: "scores", outputDims: [10] }));
}

async function quantizeCommand(env: Record<string, string>, args: string[]) {
  const command = [...await nodeArgs("node/cli/quantize.ts"), ...args];
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, command, {
      env: { ...process.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c) => (stdout += c));
    child.stderr.on("data", (c) => (stderr += c));
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

t.test("npm run quantize on a MODEL_PATH model: written with its report; refused below the threshold", async (t) => {
  const model = join(dir, "small.onnx");
  smallCnn(model);
  const env = {
    MODEL_PATH: model,
    MODEL_INPUT_SIZE: "32",
    INT8_CALIBRATION_IMAGES: "24",
    INT8_EVALUATION_IMAGES: "40",
    SYNTHETIC_DIR: join(dir, "synthetic"),
    MODEL_DIR: join(dir, "models"),
  };
  const out = join(dir, "small.int8.onnx");
  const ok = await quantizeCommand(env, ["--out", out]);
  t.equal(ok.code, 0, ok.stderr.slice(-1500));
  const line = JSON.parse(ok.stdout.trim().split("\n").pop()!) as { path: string; images: number; cosineMean: number };
  t.equal(line.path, out);
  t.equal(line.images, 40);
  t.ok(line.cosineMean > 0.99, `cosine ${line.cosineMean}`);
  const record = JSON.parse(readFileSync(`${out}.json`, "utf8"));
  t.match(record, { source: model, calibrationImages: 24, report: { images: 40 }, thresholds: { minCosine: 0.99 } });
  t.match(ok.stderr, /SYNTHETIC DATA/, "it says the calibration images are generated");
  const s = await ort.InferenceSession.create(out);
  t.same(s.inputNames, ["input"], "the int8 model loads and keeps its input");
  await s.release();

  const refusedOut = join(dir, "refused.int8.onnx");
  const refused = await quantizeCommand({ ...env, INT8_MIN_COSINE: "1" }, ["--out", refusedOut]);
  t.equal(refused.code, 1);
  t.match(refused.stderr, /too far from the fp32 one: cosine 0\.\d+ \(at least 1\)/);
  t.notOk(existsSync(refusedOut), "nothing written");
  const forced = await quantizeCommand({ ...env, INT8_MIN_COSINE: "1" }, ["--out", refusedOut, "--force"]);
  t.equal(forced.code, 0);
  t.equal(
    JSON.parse(readFileSync(`${refusedOut}.json`, "utf8")).belowThreshold,
    true,
    "written when forced, and marked",
  );
});

t.test("quantizeOnnx refuses in-process too, with the report", async (t) => {
  const model = join(dir, "small2.onnx");
  smallCnn(model);
  const images = Array.from(
    { length: 20 },
    (_, i) => Float32Array.from({ length: 3072 }, (_, k) => Math.sin(i + k * 0.01)),
  );
  const err = await quantizeOnnx(readFileSync(model), {
    inputDims: [3, 32, 32],
    calibration: images.slice(0, 8),
    evaluation: images.slice(8),
    reduceRange: false,
    minTop1: 1.01,
  }).catch((e) => e);
  t.ok(err instanceof QuantizationRefused);
  t.equal(err.report.images, 12);
});
