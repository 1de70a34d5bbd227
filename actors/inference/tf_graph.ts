/**
 * A small writer of TensorFlow SavedModels holding one frozen graph (weights as
 * constants, no variables): the protobuf messages it needs (SavedModel,
 * MetaGraphDef, GraphDef, NodeDef, AttrValue, TensorProto, SignatureDef) are
 * declared here with their field numbers from TensorFlow's .proto files and
 * encoded by protobufjs. Enough for the project's own models (see
 * onnx_to_tf.ts); not a general builder.
 */
import type protobufTypes from "protobufjs";
import { importOptional } from "../../system/optional_package.ts";

/** protobufjs: an optional peer dependency of troupe (the SavedModel writer's), named in the error when missing. */
const protobuf = (await importOptional(
  "protobufjs",
  "^6.11.6",
  "troupe/inference (TensorFlow SavedModels)",
  () => import("protobufjs"),
)).default;

const DT_FLOAT = 1;
const DT_INT32 = 3;

const shapeFields = {
  dim: { rule: "repeated", type: "Dim", id: 2 },
  unknownRank: { type: "bool", id: 3 },
};
const schema: protobufTypes.INamespace = {
  nested: {
    TensorShapeProto: {
      fields: shapeFields,
      nested: { Dim: { fields: { size: { type: "int64", id: 1 }, name: { type: "string", id: 2 } } } },
    },
    TensorProto: {
      fields: {
        dtype: { type: "int32", id: 1 },
        tensorShape: { type: "TensorShapeProto", id: 2 },
        tensorContent: { type: "bytes", id: 4 },
        floatVal: { rule: "repeated", type: "float", id: 5 },
        intVal: { rule: "repeated", type: "int32", id: 7 },
      },
    },
    AttrValue: {
      oneofs: { value: { oneof: ["list", "s", "i", "f", "b", "type", "shape", "tensor"] } },
      fields: {
        list: { type: "ListValue", id: 1 },
        s: { type: "bytes", id: 2 },
        i: { type: "int64", id: 3 },
        f: { type: "float", id: 4 },
        b: { type: "bool", id: 5 },
        type: { type: "int32", id: 6 },
        shape: { type: "TensorShapeProto", id: 7 },
        tensor: { type: "TensorProto", id: 8 },
      },
      nested: {
        ListValue: {
          fields: { s: { rule: "repeated", type: "bytes", id: 2 }, i: { rule: "repeated", type: "int64", id: 3 } },
        },
      },
    },
    NodeDef: {
      fields: {
        name: { type: "string", id: 1 },
        op: { type: "string", id: 2 },
        input: { rule: "repeated", type: "string", id: 3 },
        attr: { keyType: "string", type: "AttrValue", id: 5 },
      },
    },
    VersionDef: { fields: { producer: { type: "int32", id: 1 }, minConsumer: { type: "int32", id: 2 } } },
    GraphDef: {
      fields: { node: { rule: "repeated", type: "NodeDef", id: 1 }, versions: { type: "VersionDef", id: 4 } },
    },
    TensorInfo: {
      fields: {
        name: { type: "string", id: 1 },
        dtype: { type: "int32", id: 2 },
        tensorShape: { type: "TensorShapeProto", id: 3 },
      },
    },
    SignatureDef: {
      fields: {
        inputs: { keyType: "string", type: "TensorInfo", id: 1 },
        outputs: { keyType: "string", type: "TensorInfo", id: 2 },
        methodName: { type: "string", id: 3 },
      },
    },
    MetaInfoDef: {
      fields: {
        metaGraphVersion: { type: "string", id: 1 },
        tags: { rule: "repeated", type: "string", id: 4 },
      },
    },
    MetaGraphDef: {
      fields: {
        metaInfoDef: { type: "MetaInfoDef", id: 1 },
        graphDef: { type: "GraphDef", id: 2 },
        signatureDef: { keyType: "string", type: "SignatureDef", id: 5 },
      },
    },
    SavedModel: {
      fields: {
        savedModelSchemaVersion: { type: "int64", id: 1 },
        metaGraphs: { rule: "repeated", type: "MetaGraphDef", id: 2 },
      },
    },
  } as Record<string, protobufTypes.AnyNestedObject>,
};
const SavedModel = protobuf.Root.fromJSON(schema).lookupType("SavedModel");

/** An attribute: a string, an int, a float, a bool, a list of ints, or a data type. */
export type TfAttr =
  | { s: string }
  | { i: number }
  | { f: number }
  | { b: boolean }
  | { ints: number[] }
  | { type: "float" | "int32" }
  | { shape: number[] };

const dtype = (t: "float" | "int32") => (t === "float" ? DT_FLOAT : DT_INT32);
const shapeOf = (dims: number[]) => ({ dim: dims.map((size) => ({ size })) });

function attrValue(a: TfAttr): Record<string, unknown> {
  if ("s" in a) return { s: new TextEncoder().encode(a.s) };
  if ("ints" in a) return { list: { i: a.ints } };
  if ("type" in a) return { type: dtype(a.type) };
  if ("shape" in a) return { shape: shapeOf(a.shape) };
  return a;
}

/**
 * GraphDef version the graphs claim. TensorFlow refuses a graph whose producer is
 * newer than itself, and adds default attributes for versions after the producer;
 * 1205 is TensorFlow 2.12's, older than any libtensorflow tfjs-node is built with.
 */
const GRAPH_DEF_PRODUCER = 1205;

/** Builds one frozen graph. */
export class TfGraph {
  #nodes: Record<string, unknown>[] = [];
  #names = new Set<string>();
  #n = 0;

  /** A fresh node name. */
  fresh(prefix: string): string {
    let name: string;
    do name = `${prefix}_${this.#n++}`; while (this.#names.has(name));
    return name;
  }

  /** Adds a node; returns its name (its first output). */
  node(op: string, inputs: string[], attrs: Record<string, TfAttr> = {}, name = this.fresh(op.toLowerCase())): string {
    if (this.#names.has(name)) throw new RangeError(`a node named ${name} is already in the graph`);
    this.#names.add(name);
    const attr: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(attrs)) attr[k] = attrValue(v);
    this.#nodes.push({ name, op, input: inputs, attr });
    return name;
  }

  /** A float32 placeholder with a dynamic batch dimension. */
  placeholder(name: string, dims: number[]): string {
    return this.node("Placeholder", [], { dtype: { type: "float" }, shape: { shape: [-1, ...dims] } }, name);
  }

  /** A float32 constant. */
  floats(dims: number[], data: Float32Array, name = this.fresh("const")): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (count !== data.length) {
      throw new RangeError(`constant ${name}: dims ${dims.join("x")} hold ${count} values, got ${data.length}`);
    }
    const bytes = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    return this.#constant(name, DT_FLOAT, dims, { tensorContent: bytes });
  }

  /** An int32 constant (shapes, axes, permutations, paddings). */
  ints(dims: number[], values: number[], name = this.fresh("const")): string {
    return this.#constant(name, DT_INT32, dims, { intVal: values });
  }

  #constant(name: string, dt: number, dims: number[], content: Record<string, unknown>): string {
    if (this.#names.has(name)) throw new RangeError(`a node named ${name} is already in the graph`);
    this.#names.add(name);
    this.#nodes.push({
      name,
      op: "Const",
      input: [],
      attr: { dtype: { type: dt }, value: { tensor: { dtype: dt, tensorShape: shapeOf(dims), ...content } } },
    });
    return name;
  }

  /** The `saved_model.pb` bytes: tag `serve`, signature `serving_default`: `input` -> `output`. */
  toSavedModel(io: { input: string; inputDims: number[]; output: string; outputDims: number[] }): Uint8Array {
    const info = (node: string, dims: number[]) => ({
      name: `${node}:0`,
      dtype: DT_FLOAT,
      tensorShape: shapeOf([-1, ...dims]),
    });
    const message = SavedModel.fromObject({
      savedModelSchemaVersion: 1,
      metaGraphs: [{
        metaInfoDef: { metaGraphVersion: "troupe", tags: ["serve"] },
        graphDef: { node: this.#nodes, versions: { producer: GRAPH_DEF_PRODUCER, minConsumer: 0 } },
        signatureDef: {
          serving_default: {
            inputs: { [io.input]: info(io.input, io.inputDims) },
            outputs: { [io.output]: info(io.output, io.outputDims) },
            methodName: "tensorflow/serving/predict",
          },
        },
      }],
    });
    return SavedModel.encode(message).finish();
  }
}
