/**
 * Translates the project's own ONNX classifiers (the generated ResNet50, the
 * tests' tiny models) into TensorFlow SavedModels with the same weights, so the
 * TensorFlow engine serves the same model as onnxruntime and both can be
 * compared image for image. The SavedModel keeps the ONNX input (NCHW, same
 * name and preprocessing) and transposes to NHWC inside, the layout TensorFlow's
 * CPU kernels take. Operators: Conv (group 1), Relu, Add, MaxPool,
 * GlobalAveragePool, Flatten, Gemm, Softmax; anything else is refused by name.
 */
import { mkdir, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import process from "node:process";
import type onnxProto from "onnx-proto";
import { onnx } from "./onnx_proto.ts";
import { ModelMismatch } from "./engine.ts";
import { TfGraph } from "./tf_graph.ts";

/** A tensor of the translation: its TF node and its dims without batch, in ONNX (NCHW) order. */
interface Value {
  node: string;
  dims: number[];
}

function floats(t: onnxProto.onnx.ITensorProto): Float32Array {
  if (t.dataType !== onnx.TensorProto.DataType.FLOAT) throw new ModelMismatch(`initializer ${t.name} is not float32`);
  if (t.rawData && t.rawData.length > 0) {
    // A copy: decoded bytes may be a view into a larger (pooled) buffer, at any alignment.
    return new Float32Array(new Uint8Array(t.rawData).buffer, 0, t.rawData.length / 4);
  }
  return Float32Array.from(t.floatData ?? []);
}

const ints = (n: onnxProto.onnx.INodeProto, name: string, fallback: number[]): number[] => {
  const a = n.attribute?.find((x) => x.name === name);
  return a ? (a.ints ?? []).map(Number) : fallback;
};
const int = (n: onnxProto.onnx.INodeProto, name: string, fallback: number): number => {
  const a = n.attribute?.find((x) => x.name === name);
  return a ? Number(a.i) : fallback;
};

/** Filter [O, I, kh, kw] (ONNX) as [kh, kw, I, O] (TensorFlow). */
function hwio(w: Float32Array, [o, i, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let a = 0; a < o!; a++) {
    for (let b = 0; b < i!; b++) {
      for (let y = 0; y < kh!; y++) {
        for (let x = 0; x < kw!; x++) out[((y * kw! + x) * i! + b) * o! + a] = w[((a * i! + b) * kh! + y) * kw! + x]!;
      }
    }
  }
  return out;
}

/** The `saved_model.pb` bytes of an ONNX classifier (input [N, C, H, W] or [N, K], output [N, classes]). */
export function onnxToSavedModel(bytes: Uint8Array): Uint8Array {
  const model = onnx.ModelProto.decode(bytes);
  const graph = model.graph;
  if (!graph) throw new ModelMismatch("the ONNX model has no graph");
  const inits = new Map<string, onnxProto.onnx.ITensorProto>();
  for (const t of graph.initializer ?? []) inits.set(t.name ?? "", t);
  const inputs = (graph.input ?? []).filter((i) => !inits.has(i.name ?? ""));
  const outputs = graph.output ?? [];
  if (inputs.length !== 1 || outputs.length !== 1) {
    throw new ModelMismatch(
      `a classifier has one input and one output: this graph has ${inputs.length} and ${outputs.length}`,
    );
  }
  const dimsOf = (v: onnxProto.onnx.IValueInfoProto) =>
    (v.type?.tensorType?.shape?.dim ?? []).slice(1).map((d) => Number(d.dimValue ?? -1));
  const inName = inputs[0]!.name ?? "input";
  const outName = outputs[0]!.name ?? "output";
  const inDims = dimsOf(inputs[0]!);
  const g = new TfGraph();
  const values = new Map<string, Value>();
  const placeholder = g.placeholder(inName, inDims);
  values.set(inName, {
    node: inDims.length === 3
      ? g.node("Transpose", [placeholder, g.ints([4], [0, 2, 3, 1])], {
        T: { type: "float" },
        Tperm: { type: "int32" },
      })
      : placeholder,
    dims: inDims,
  });
  const F = { T: { type: "float" as const } };
  const weight = (name: string) => {
    const t = inits.get(name);
    if (!t) throw new ModelMismatch(`'${name}' is not a constant of the graph`);
    return { data: floats(t), dims: (t.dims ?? []).map(Number) };
  };
  const value = (name: string) => {
    const v = values.get(name);
    if (!v) throw new ModelMismatch(`'${name}' is used before it is computed`);
    return v;
  };
  for (const n of graph.node ?? []) {
    const op = n.opType ?? "";
    const ins = n.input ?? [];
    let out: Value;
    switch (op) {
      case "Conv": {
        const v = value(ins[0]!);
        const w = weight(ins[1]!);
        if (int(n, "group", 1) !== 1) throw new ModelMismatch(`Conv ${n.name}: only group 1 is translated`);
        if (ints(n, "dilations", [1, 1]).some((d) => d !== 1)) {
          throw new ModelMismatch(`Conv ${n.name}: only dilation 1 is translated`);
        }
        const [o, , kh, kw] = w.dims as [number, number, number, number];
        const [sh, sw] = ints(n, "strides", [1, 1]) as [number, number];
        const [pt, pl, pb, pr] = ints(n, "pads", [0, 0, 0, 0]) as [number, number, number, number];
        let y = g.node("Conv2D", [v.node, g.floats([kh, kw, w.dims[1]!, o], hwio(w.data, w.dims))], {
          ...F,
          strides: { ints: [1, sh, sw, 1] },
          padding: { s: "EXPLICIT" },
          explicit_paddings: { ints: [0, 0, pt, pb, pl, pr, 0, 0] },
          data_format: { s: "NHWC" },
          dilations: { ints: [1, 1, 1, 1] },
          use_cudnn_on_gpu: { b: true },
        });
        if (ins[2]) {
          y = g.node("BiasAdd", [y, g.floats([o], weight(ins[2]).data)], { ...F, data_format: { s: "NHWC" } });
        }
        const [, h, wd] = v.dims as [number, number, number];
        out = { node: y, dims: [o, Math.floor((h + pt + pb - kh) / sh) + 1, Math.floor((wd + pl + pr - kw) / sw) + 1] };
        break;
      }
      case "MaxPool": {
        const v = value(ins[0]!);
        const [kh, kw] = ints(n, "kernel_shape", []) as [number, number];
        const [sh, sw] = ints(n, "strides", [1, 1]) as [number, number];
        const [pt, pl, pb, pr] = ints(n, "pads", [0, 0, 0, 0]) as [number, number, number, number];
        let src = v.node;
        if (pt || pl || pb || pr) {
          // ONNX pads a max pool with -infinity; so does this (the lowest float32).
          src = g.node("PadV2", [
            src,
            g.ints([4, 2], [0, 0, pt, pb, pl, pr, 0, 0]),
            g.floats([], new Float32Array([-3.4028234663852886e38])),
          ], {
            ...F,
            Tpaddings: { type: "int32" },
          });
        }
        const y = g.node("MaxPool", [src], {
          ...F,
          ksize: { ints: [1, kh, kw, 1] },
          strides: { ints: [1, sh, sw, 1] },
          padding: { s: "VALID" },
          data_format: { s: "NHWC" },
        });
        const [c, h, wd] = v.dims as [number, number, number];
        out = { node: y, dims: [c, Math.floor((h + pt + pb - kh) / sh) + 1, Math.floor((wd + pl + pr - kw) / sw) + 1] };
        break;
      }
      case "Relu":
        out = { node: g.node("Relu", [value(ins[0]!).node], F), dims: value(ins[0]!).dims };
        break;
      case "Add":
        out = { node: g.node("AddV2", [value(ins[0]!).node, value(ins[1]!).node], F), dims: value(ins[0]!).dims };
        break;
      case "GlobalAveragePool": {
        const v = value(ins[0]!);
        const y = g.node("Mean", [v.node, g.ints([2], [1, 2])], {
          ...F,
          Tidx: { type: "int32" },
          keep_dims: { b: true },
        });
        out = { node: y, dims: [v.dims[0]!, 1, 1] };
        break;
      }
      case "Flatten": {
        const v = value(ins[0]!);
        if (int(n, "axis", 1) !== 1) throw new ModelMismatch(`Flatten ${n.name}: only axis 1 is translated`);
        const size = v.dims.reduce((a, b) => a * b, 1);
        // ONNX flattens in C, H, W order: back to NCHW first (free when H = W = 1).
        const src = v.dims.length === 3
          ? g.node("Transpose", [v.node, g.ints([4], [0, 3, 1, 2])], { ...F, Tperm: { type: "int32" } })
          : v.node;
        out = {
          node: g.node("Reshape", [src, g.ints([2], [-1, size])], { ...F, Tshape: { type: "int32" } }),
          dims: [size],
        };
        break;
      }
      case "Gemm": {
        const v = value(ins[0]!);
        const w = weight(ins[1]!);
        if (int(n, "transA", 0) !== 0) throw new ModelMismatch(`Gemm ${n.name}: transA is not translated`);
        const transB = int(n, "transB", 0) === 1;
        let y = g.node("MatMul", [v.node, g.floats(w.dims, w.data)], {
          ...F,
          transpose_a: { b: false },
          transpose_b: { b: transB },
        });
        const units = transB ? w.dims[0]! : w.dims[1]!;
        if (ins[2]) {
          y = g.node("BiasAdd", [y, g.floats([units], weight(ins[2]).data)], { ...F, data_format: { s: "NHWC" } });
        }
        out = { node: y, dims: [units] };
        break;
      }
      case "Softmax":
        if (value(ins[0]!).dims.length !== 1) throw new ModelMismatch(`Softmax ${n.name}: only [N, K] is translated`);
        out = { node: g.node("Softmax", [value(ins[0]!).node], F), dims: value(ins[0]!).dims };
        break;
      default:
        throw new ModelMismatch(`ONNX operator ${op} (node ${n.name}) has no TensorFlow translation here`);
    }
    values.set(n.output?.[0] ?? "", out);
  }
  const result = value(outName);
  if (result.dims.length !== 1) throw new ModelMismatch(`output '${outName}' is not [N, classes]`);
  g.node("Identity", [result.node], F, outName);
  return g.toSavedModel({ input: inName, inputDims: inDims, output: outName, outputDims: result.dims });
}

/**
 * Writes the SavedModel of an ONNX classifier to directory `dir`, replacing it whole: built under a private
 * name and renamed into place, so a reader never sees a partial model. Where another writer put its copy in
 * place first (processes sharing a model cache), that copy stays and this one is dropped.
 */
export async function writeSavedModel(onnxBytes: Uint8Array, dir: string): Promise<void> {
  const pb = onnxToSavedModel(onnxBytes);
  const unique = `${process.pid}.${Math.random().toString(36).slice(2)}`;
  const tmp = `${dir}.${unique}.tmp`;
  const old = `${dir}.${unique}.old`;
  await mkdir(join(tmp, "variables"), { recursive: true });
  await writeFile(join(tmp, "saved_model.pb"), pb);
  await rename(dir, old).catch(() => {}); // nothing there yet, or another writer moved it
  try {
    await rename(tmp, dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== "ENOTEMPTY" && code !== "EEXIST") throw err;
  } finally {
    await rm(tmp, { recursive: true, force: true });
    await rm(old, { recursive: true, force: true });
  }
}
