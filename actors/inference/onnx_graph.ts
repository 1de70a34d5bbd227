/**
 * A small writer of ONNX models (opset 17) through onnx-proto: float32
 * initializers, nodes with int, ints and float attributes, one float32 input and
 * output with a dynamic batch dimension. Enough for the project's own models
 * (the synthetic ResNet50, the tests' tiny classifiers); not a general builder.
 */
import type onnxProto from "onnx-proto";
import { onnx } from "./onnx_proto.ts";

const FLOAT = onnx.TensorProto.DataType.FLOAT;

/** An attribute value: an int, a float, or a list of ints. */
export type AttrValue = number | number[] | { float: number };

/** Builds one graph. */
export class OnnxGraph {
  #nodes: onnxProto.onnx.INodeProto[] = [];
  #inits: onnxProto.onnx.ITensorProto[] = [];
  #n = 0;

  constructor(readonly name: string) {}

  /** A fresh tensor name. */
  fresh(prefix: string): string {
    return `${prefix}_${this.#n++}`;
  }

  /** Adds a float32 constant and returns its name. */
  initializer(name: string, dims: number[], data: Float32Array): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new RangeError(`initializer ${name}: dims ${dims.join("x")} hold ${count} values, got ${data.length}`);
    }
    this.#inits.push({
      name,
      dims,
      dataType: FLOAT,
      rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
    });
    return name;
  }

  /** Adds an int64 constant (shapes for Reshape) and returns its name. */
  int64(name: string, values: number[]): string {
    this.#inits.push({ name, dims: [values.length], dataType: onnx.TensorProto.DataType.INT64, int64Data: values });
    return name;
  }

  /** Adds a node; returns its (single) output's name. */
  node(
    opType: string,
    inputs: string[],
    attrs: Record<string, AttrValue> = {},
    output = this.fresh(opType.toLowerCase()),
  ): string {
    const attribute = Object.entries(attrs).map(([name, v]) => {
      if (Array.isArray(v)) return { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v };
      if (typeof v === "object") return { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v.float };
      return { name, type: onnx.AttributeProto.AttributeType.INT, i: v };
    });
    this.#nodes.push({ opType, input: inputs, output: [output], name: output, attribute });
    return output;
  }

  /** The serialized model: `input` [N, ...inputDims] -> `output` [N, ...outputDims]. */
  toBytes(
    io: { input: string; inputDims: number[]; output: string; outputDims: number[]; docString?: string },
  ): Uint8Array {
    const shape = (dims: number[]) => ({ dim: [{ dimParam: "N" }, ...dims.map((d) => ({ dimValue: d }))] });
    const model = onnx.ModelProto.create({
      irVersion: 8,
      opsetImport: [{ domain: "", version: 17 }],
      producerName: "troupe",
      docString: io.docString ?? "",
      graph: {
        name: this.name,
        node: this.#nodes,
        initializer: this.#inits,
        input: [{ name: io.input, type: { tensorType: { elemType: FLOAT, shape: shape(io.inputDims) } } }],
        output: [{ name: io.output, type: { tensorType: { elemType: FLOAT, shape: shape(io.outputDims) } } }],
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}
