/**
 * Static INT8 quantization of an ONNX classifier as a graph rewrite (QDQ form):
 * - activations: uint8, asymmetric, from calibrated ranges; a QuantizeLinear /
 *   DequantizeLinear pair on every activation that a quantizable operator makes
 *   (the graph input, Conv, Relu, Add, GlobalAveragePool), rewired to all its
 *   consumers. MaxPool, Flatten and Reshape outputs reuse their input's
 *   parameters (they cannot widen a range). A Conv or Add whose only consumer is
 *   a Relu is left unquantized: the Relu's output (zero point 0) is, and
 *   onnxruntime folds the Relu into the quantized operator.
 * - weights of Conv and Gemm: int8, symmetric, per output channel, through
 *   DequantizeLinear; biases int32 at scale input x weight scale (zero point 0).
 * onnxruntime (graph optimisation level "all") then fuses DQ -> op -> Q groups
 * into QLinearConv, QLinearAdd, QLinearGlobalAveragePool and QGemm.
 */
import type onnxProto from "onnx-proto";
import { onnx } from "./onnx_proto.ts";

type Model = onnxProto.onnx.ModelProto;
type Node = onnxProto.onnx.INodeProto;
type Tensor = onnxProto.onnx.ITensorProto;
const T = onnx.TensorProto.DataType;

/** Operators whose output activation is calibrated and quantized. */
const CALIBRATED = new Set(["Conv", "Relu", "Add", "GlobalAveragePool"]);
/** Operators whose output keeps its input's quantization parameters. */
const PASS_THROUGH = new Set(["MaxPool", "Flatten", "Reshape"]);

/** Options of {@link quantizeGraph}. */
export interface QuantizeGraphOptions {
  /**
   * 7-bit weights ([-63, 63]): avoids the saturation of uint8 x int8 products on
   * CPUs without VNNI (AVX2, AVX-512 without VNNI), at a small cost in fidelity.
   */
  reduceRange: boolean;
}

/** Quantization parameters of a tensor. */
interface QParams {
  scale: number;
  zeroPoint: number;
}

const bytesOf = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
const floatTensor = (name: string, dims: number[], values: number[] | Float32Array): Tensor => ({
  name,
  dims,
  dataType: T.FLOAT,
  rawData: bytesOf(Float32Array.from(values)),
});

function floatsOf(t: Tensor): Float32Array {
  if (t.dataType !== T.FLOAT) throw new Error(`initializer ${t.name} is not float32`);
  if (t.rawData && t.rawData.length > 0) return new Float32Array(new Uint8Array(t.rawData).buffer);
  return Float32Array.from(t.floatData ?? []);
}

/** The graph's activation tensors whose ranges calibration must measure. */
export function calibrationTensors(model: Model): string[] {
  const { candidates } = plan(model);
  return [...candidates.entries()].filter(([, how]) => how === "calibrated").map(([name]) => name);
}

/** Which activations get QDQ, and how. */
function plan(model: Model) {
  const graph = model.graph!;
  const inits = new Set((graph.initializer ?? []).map((t) => t.name ?? ""));
  const outputs = new Set((graph.output ?? []).map((o) => o.name ?? ""));
  const consumers = new Map<string, Node[]>();
  for (const n of graph.node ?? []) {
    for (const i of n.input ?? []) consumers.set(i, [...(consumers.get(i) ?? []), n]);
  }
  const candidates = new Map<string, "calibrated" | { from: string }>();
  for (const inp of graph.input ?? []) {
    if (!inits.has(inp.name ?? "")) candidates.set(inp.name ?? "", "calibrated");
  }
  for (const n of graph.node ?? []) {
    const out = n.output?.[0];
    if (!out || outputs.has(out)) continue;
    const op = n.opType ?? "";
    if (CALIBRATED.has(op)) {
      const users = consumers.get(out) ?? [];
      const feedsRelu = users.length === 1 && users[0]!.opType === "Relu";
      if (!((op === "Conv" || op === "Add") && feedsRelu)) candidates.set(out, "calibrated");
    } else if (PASS_THROUGH.has(op) && candidates.has(n.input?.[0] ?? "")) {
      candidates.set(out, { from: n.input![0]! });
    }
  }
  return { candidates, consumers };
}

/** Per-channel symmetric int8 weights (axis 0 of `dims`, or 1 when `axis` is 1). */
function quantizeWeights(w: Float32Array, dims: number[], axis: 0 | 1, qmax: number) {
  const channels = dims[axis]!;
  const inner = axis === 0 ? w.length / channels : 1;
  const stride = axis === 0 ? 1 : channels;
  const rows = axis === 0 ? 1 : dims[0]!;
  const scales = new Float32Array(channels);
  const at = (c: number, k: number) => (axis === 0 ? c * inner + k : k * stride + c);
  const count = axis === 0 ? inner : rows;
  for (let c = 0; c < channels; c++) {
    let m = 0;
    for (let k = 0; k < count; k++) m = Math.max(m, Math.abs(w[at(c, k)]!));
    scales[c] = m > 0 ? m / qmax : 1;
  }
  const q = new Int8Array(w.length);
  for (let c = 0; c < channels; c++) {
    for (let k = 0; k < count; k++) {
      q[at(c, k)] = Math.max(-qmax, Math.min(qmax, Math.round(w[at(c, k)]! / scales[c]!)));
    }
  }
  return { q, scales };
}

/** uint8 asymmetric parameters of a range (always containing 0). */
export function activationParams(min: number, max: number): QParams {
  const lo = Math.min(0, min);
  let hi = Math.max(0, max);
  if (hi - lo < 1e-8) hi = lo + 1e-8;
  const scale = (hi - lo) / 255;
  return { scale, zeroPoint: Math.max(0, Math.min(255, Math.round(-lo / scale))) };
}

/** Rewrites `model` in place into QDQ form with the calibrated `ranges` ([min, max] per tensor). */
export function quantizeGraph(
  model: Model,
  ranges: Map<string, [number, number]>,
  options: QuantizeGraphOptions,
): void {
  const graph = model.graph!;
  const { candidates } = plan(model);
  const qmax = options.reduceRange ? 63 : 127;
  const params = new Map<string, QParams>();
  const resolve = (name: string): QParams | undefined => {
    const how = candidates.get(name);
    if (how === undefined) return undefined;
    if (how === "calibrated") {
      const r = ranges.get(name);
      if (!r) throw new Error(`no calibrated range for ${name}`);
      return activationParams(r[0], r[1]);
    }
    return resolve(how.from);
  };
  for (const name of candidates.keys()) {
    const p = resolve(name);
    if (p) params.set(name, p);
  }
  const inits = new Map((graph.initializer ?? []).map((t) => [t.name ?? "", t]));
  const newInits: Tensor[] = [];
  const dropped = new Set<string>();
  const front: Node[] = [];
  const after = new Map<string, Node[]>();
  let n = 0;
  const fresh = (base: string) => `${base}__q${n++}`;

  // Activations: Q and DQ after the producer; consumers read the DQ output.
  const renamed = new Map<string, string>();
  for (const [name, p] of params) {
    const scale = fresh(`${name}_scale`);
    const zp = fresh(`${name}_zp`);
    newInits.push(floatTensor(scale, [], [p.scale]));
    newInits.push({ name: zp, dims: [], dataType: T.UINT8, rawData: Uint8Array.of(p.zeroPoint) });
    const q = fresh(`${name}_quantized`);
    const dq = fresh(`${name}_dequantized`);
    const pair: Node[] = [
      { opType: "QuantizeLinear", input: [name, scale, zp], output: [q], name: fresh("Q") },
      { opType: "DequantizeLinear", input: [q, scale, zp], output: [dq], name: fresh("DQ") },
    ];
    after.set(name, pair);
    renamed.set(name, dq);
  }
  for (const node of graph.node ?? []) {
    node.input = (node.input ?? []).map((i) => renamed.get(i) ?? i);
  }

  // Weights and biases of Conv and Gemm.
  for (const node of graph.node ?? []) {
    const op = node.opType;
    if (op !== "Conv" && op !== "Gemm") continue;
    const ins = node.input!;
    const w = inits.get(ins[1] ?? "");
    if (!w) continue;
    const dims = (w.dims ?? []).map(Number);
    const transB = (node.attribute ?? []).find((a) => a.name === "transB");
    const axis: 0 | 1 = op === "Gemm" && !(transB && Number(transB.i) === 1) ? 1 : 0;
    const { q, scales } = quantizeWeights(floatsOf(w), dims, axis, qmax);
    const channels = scales.length;
    const wq = fresh(`${w.name}_int8`);
    const ws = fresh(`${w.name}_scale`);
    const wz = fresh(`${w.name}_zp`);
    const wdq = fresh(`${w.name}_dequantized`);
    newInits.push({ name: wq, dims, dataType: T.INT8, rawData: bytesOf(q) });
    newInits.push(floatTensor(ws, [channels], scales));
    newInits.push({ name: wz, dims: [channels], dataType: T.INT8, rawData: new Uint8Array(channels) });
    front.push({
      opType: "DequantizeLinear",
      input: [wq, ws, wz],
      output: [wdq],
      name: fresh("DQ"),
      attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: axis }],
    });
    dropped.add(w.name ?? "");
    ins[1] = wdq;
    // The bias, at the input's scale times each channel's weight scale.
    const b = inits.get(ins[2] ?? "");
    const source = [...renamed.entries()].find(([, dq]) => dq === ins[0])?.[0];
    const px = source ? params.get(source) : undefined;
    if (b && px && (b.dims ?? []).map(Number).join() === String(channels)) {
      const bf = floatsOf(b);
      const bs = Float32Array.from(scales, (s) => s * px.scale);
      const bq = Int32Array.from(bf, (v, c) => Math.round(v / bs[c]!));
      const bqn = fresh(`${b.name}_int32`);
      const bsn = fresh(`${b.name}_scale`);
      const bzn = fresh(`${b.name}_zp`);
      const bdq = fresh(`${b.name}_dequantized`);
      newInits.push({ name: bqn, dims: [channels], dataType: T.INT32, rawData: bytesOf(bq) });
      newInits.push(floatTensor(bsn, [channels], bs));
      newInits.push({ name: bzn, dims: [channels], dataType: T.INT32, rawData: bytesOf(new Int32Array(channels)) });
      front.push({
        opType: "DequantizeLinear",
        input: [bqn, bsn, bzn],
        output: [bdq],
        name: fresh("DQ"),
        attribute: [{ name: "axis", type: onnx.AttributeProto.AttributeType.INT, i: 0 }],
      });
      dropped.add(b.name ?? "");
      ins[2] = bdq;
    }
  }

  // Nodes in topological order: weight DQs and the input's QDQ first, each activation's QDQ after its producer.
  const ordered: Node[] = [...front];
  for (const inp of graph.input ?? []) ordered.push(...(after.get(inp.name ?? "") ?? []));
  for (const node of graph.node ?? []) {
    ordered.push(node);
    ordered.push(...(after.get(node.output?.[0] ?? "") ?? []));
  }
  graph.node = ordered as onnxProto.onnx.NodeProto[];
  graph.initializer = [
    ...(graph.initializer ?? []).filter((t) => !dropped.has(t.name ?? "")),
    ...newInits,
  ] as onnxProto.onnx.TensorProto[];
}

/** Decodes model bytes. */
export function decodeModel(bytes: Uint8Array): Model {
  return onnx.ModelProto.decode(bytes);
}

/** Encodes a model. */
export function encodeModel(model: Model): Uint8Array {
  return onnx.ModelProto.encode(model).finish();
}

/** A copy of `model` whose graph also outputs `tensors` (float32, any shape): for calibration. */
export function withOutputs(model: Model, tensors: string[]): Uint8Array {
  const copy = onnx.ModelProto.decode(encodeModel(model));
  const have = new Set((copy.graph!.output ?? []).map((o) => o.name));
  for (const name of tensors) {
    if (have.has(name)) continue;
    (copy.graph!.output ??= []).push(onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: T.FLOAT } } }));
  }
  return encodeModel(copy);
}
