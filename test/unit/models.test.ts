import { decode as decodePng, encode as encodePng } from "fast-png";
import t from "tap";
import { ModelMismatch } from "../../actors/inference/engine.ts";
import { OnnxGraph } from "../../actors/inference/onnx_graph.ts";
import { loadOnnxEngine } from "../../actors/inference/onnxruntime_engine.ts";
import {
  IMAGENET_INPUT,
  type InputSpec,
  preprocessPng,
  softmax,
  toInput,
  topK,
} from "../../actors/inference/preprocess.ts";
import { buildResNet50 } from "../../actors/inference/resnet50.ts";
import { sha256Hex } from "../../protocols/mod.ts";

/** y = softmax-free linear classifier over a 2x2 RGB image: W [3 classes, 12], b. */
function tinyClassifier(): { bytes: Uint8Array; W: Float32Array; b: Float32Array } {
  const g = new OnnxGraph("tiny");
  const W = Float32Array.from({ length: 36 }, (_, i) => ((i * 7) % 11) - 5);
  const b = new Float32Array([0.5, -1, 2]);
  const flat = g.node("Flatten", ["x"], { axis: 1 });
  g.node("Gemm", [flat, g.initializer("W", [3, 12], W), g.initializer("b", [3], b)], { transB: 1 }, "y");
  return { bytes: g.toBytes({ input: "x", inputDims: [3, 2, 2], output: "y", outputDims: [3] }), W, b };
}

t.test("a tiny model with known weights gives exactly the expected outputs", async (t) => {
  const { bytes, W, b } = tinyClassifier();
  const engine = await loadOnnxEngine(bytes, { name: "tiny", inputDims: [3, 2, 2] });
  t.teardown(() => engine.close());
  t.same(engine.info, {
    name: "tiny",
    input: { name: "x", dims: [3, 2, 2] },
    output: { name: "y", classes: 3 },
    maxBatch: null,
  });
  const inputs = [
    Float32Array.from({ length: 12 }, (_, i) => i / 10),
    Float32Array.from({ length: 12 }, (_, i) => (i % 3) - 1),
  ];
  const batch = new Float32Array(24);
  batch.set(inputs[0]!, 0);
  batch.set(inputs[1]!, 12);
  const out = await engine.run(batch, 2);
  for (let n = 0; n < 2; n++) {
    for (let k = 0; k < 3; k++) {
      let want = b[k]!;
      for (let i = 0; i < 12; i++) want += W[k * 12 + i]! * inputs[n]![i]!;
      t.ok(Math.abs(out[n * 3 + k]! - want) < 1e-5, `item ${n} class ${k}: ${out[n * 3 + k]} = ${want}`);
    }
  }
});

t.test("a model that does not fit the configured input fails at load, naming both", async (t) => {
  const { bytes } = tinyClassifier();
  await t.rejects(loadOnnxEngine(bytes, { name: "tiny", inputDims: [3, 224, 224] }), {
    code: "TROUPE_ERR_MODEL",
    message:
      "model input 'x' is float32 [N, 3, 2, 2]: the configuration expects float32 [N, 3, 224, 224] (set MODEL_INPUT_SIZE / MODEL_LAYOUT to match the model)",
  });
  const junk = await loadOnnxEngine(new Uint8Array([1, 2, 3]), { name: "junk", inputDims: [3, 2, 2] }).catch((
    e: unknown,
  ) => e);
  t.ok(
    junk instanceof Error && !(junk instanceof ModelMismatch),
    "bytes that are no model fail in onnxruntime, not as a shape mismatch",
  );
});

t.test("preprocessing: bilinear upscale, normalisation and layout", async (t) => {
  // A 2x2 image: red, green / blue, white.
  const rgb = new Uint8Array([255, 0, 0, 0, 255, 0, 0, 0, 255, 255, 255, 255]);
  const spec: InputSpec = { width: 4, height: 4, layout: "NCHW", mean: [0, 0, 0], std: [1, 1, 1], scale: 1 };
  const x = toInput(rgb, 2, 2, spec);
  t.equal(x[0], 255, "corner keeps its value (red channel, top-left)");
  t.equal(x[1], 191.25, "quarter of the way to green: 0.75 red");
  t.equal(x[5], (255 * 0.75 + 0) * 0.75 + (0 * 0.75 + 255 * 0.25) * 0.25, "interior mixes four pixels");
  const nhwc = toInput(rgb, 2, 2, { ...spec, layout: "NHWC" });
  t.same([nhwc[0], nhwc[1], nhwc[2]], [x[0], x[16], x[32]], "NHWC interleaves the same values");
  const png = encodePng({ width: 2, height: 2, data: rgb, channels: 3, depth: 8 });
  const norm = preprocessPng(png, { ...IMAGENET_INPUT, width: 2, height: 2 });
  t.ok(Math.abs(norm[0]! - (1 - 0.485) / 0.229) < 1e-6, "ImageNet normalisation");
  const gray = encodePng({ width: 1, height: 1, data: new Uint8Array([128]), channels: 1, depth: 8 });
  t.same([...preprocessPng(gray, { ...spec, width: 1, height: 1 })], [128, 128, 128], "gray is replicated");
  const rgba16 = encodePng({
    width: 1,
    height: 1,
    data: new Uint16Array([65535, 0, 32768, 0]),
    channels: 4,
    depth: 16,
  });
  t.same([...preprocessPng(rgba16, { ...spec, width: 1, height: 1 })], [255, 0, 128], "16-bit RGBA becomes 8-bit RGB");
});

t.test("bad images are refused with the problem named, huge ones before decoding", async (t) => {
  const spec = IMAGENET_INPUT;
  t.throws(() => preprocessPng(new TextEncoder().encode("GIF89a........................"), spec), {
    code: "TROUPE_ERR_IMAGE",
    problem: "not_png",
  });
  const png = encodePng({ width: 8, height: 8, data: new Uint8Array(192), channels: 3, depth: 8 });
  t.throws(() => preprocessPng(png.subarray(0, 40), spec), { problem: "not_png", message: /PNG does not decode/ });
  const badCrc = png.slice();
  badCrc[badCrc.length - 13] = (badCrc[badCrc.length - 13] as number) ^ 0xff; // last byte of IDAT's CRC
  t.equal(decodePng(badCrc).width, 8, "fast-png alone would take it");
  t.throws(() => preprocessPng(badCrc, spec), {
    problem: "not_png",
    message: /PNG does not decode: chunk "IDAT" at byte 33 fails its CRC/,
  }, "refused as the Kafka consumers refuse it");
  const huge = png.slice();
  new DataView(huge.buffer).setUint32(16, 100_000);
  t.throws(() => preprocessPng(huge, spec), {
    problem: "too_large",
    message: "image is 100000x8: each side must be 1 to 4096 pixels",
  });
});

t.test("softmax and top-k", async (t) => {
  const p = softmax(new Float32Array([1, 3, 2]));
  t.ok(Math.abs(p.reduce((a, b) => a + b, 0) - 1) < 1e-6);
  t.same(topK(p, 2, ["a", "b", "c"]).map((c) => c.label), ["b", "c"]);
  const tied = new Float32Array([0.1, 0.3, 0.3, 0.05, 0.25]);
  t.same(topK(tied, 3, []).map((c) => c.index), [1, 2, 4], "ties keep the lower index first");
  t.same(topK(tied, 9, []).map((c) => c.index), [1, 2, 4, 0, 3], "k beyond the classes gives them all, sorted");
  t.same(topK(tied, 1, ["a", "b"])[0], { index: 1, label: "b", prob: tied[1] });
});

t.test("the separable resize equals blending four source pixels, up and down, any aspect", async (t) => {
  const spec: InputSpec = {
    width: 5,
    height: 4,
    layout: "NCHW",
    mean: [0.1, 0.2, 0.3],
    std: [0.5, 0.6, 0.7],
    scale: 1 / 255,
  };
  for (const [w, h, W, H] of [[3, 2, 5, 4], [6, 6, 2, 2], [7, 1, 3, 5]] as const) {
    const rgb = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 97 + 13) % 256);
    const got = toInput(rgb, w, h, { ...spec, width: W, height: H });
    const tap = (d: number, src: number, dst: number) => {
      const f = Math.min(Math.max((d + 0.5) * (src / dst) - 0.5, 0), src - 1);
      return [Math.floor(f), Math.min(Math.floor(f) + 1, src - 1), f - Math.floor(f)] as const;
    };
    let worst = 0;
    for (let y = 0; y < H; y++) {
      const [y0, y1, wy] = tap(y, h, H);
      for (let x = 0; x < W; x++) {
        const [x0, x1, wx] = tap(x, w, W);
        for (let c = 0; c < 3; c++) {
          const px = (xx: number, yy: number) => rgb[(yy * w + xx) * 3 + c]!;
          const v = (px(x0, y0) * (1 - wx) + px(x1, y0) * wx) * (1 - wy) +
            (px(x0, y1) * (1 - wx) + px(x1, y1) * wx) * wy;
          const want = (v * spec.scale - spec.mean[c]!) / spec.std[c]!;
          worst = Math.max(worst, Math.abs(got[c * W * H + y * W + x]! - want));
        }
      }
    }
    t.ok(worst < 1e-4, `${w}x${h} -> ${W}x${H}: largest difference ${worst}`);
  }
});

t.test("the synthetic ResNet50 is deterministic and runs", async (t) => {
  const a = buildResNet50(7);
  t.equal(sha256Hex(buildResNet50(7)), sha256Hex(a), "same seed, same bytes");
  const engine = await loadOnnxEngine(a, { name: "r50", inputDims: [3, 224, 224], intraOpThreads: 2 });
  t.teardown(() => engine.close());
  t.same(engine.info.output, { name: "logits", classes: 1000 });
  const out = await engine.run(new Float32Array(2 * 3 * 224 * 224).fill(0.5), 2);
  t.equal(out.length, 2000);
  t.ok(out.every(Number.isFinite), "finite logits");
  t.ok(new Set(out.slice(0, 1000)).size > 900, "classes differ (weights are not degenerate)");
});
