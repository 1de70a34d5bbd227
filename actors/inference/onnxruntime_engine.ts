/**
 * The default engine: onnxruntime-node (CPU). The model's input must take
 * [N, ...dims] float32 and its output give [N, classes]; anything else fails at
 * load with a message naming what the model has and what was expected.
 */
import type * as Ort from "onnxruntime-node";
import { importOptional } from "../../system/optional_package.ts";
import { type InferenceEngine, ModelMismatch } from "./engine.ts";

/** onnxruntime-node: an optional peer dependency of troupe, named in the error when it is missing. */
const ort: typeof Ort = await importOptional(
  "onnxruntime-node",
  "^1.30.0",
  "the ONNX engine (troupe/inference)",
  () => import("onnxruntime-node"),
);

/** Options of {@link loadOnnxEngine}. */
export interface OnnxEngineOptions {
  /** Name of the model in responses. */
  name: string;
  /** Expected input dims without the batch dimension, e.g. [3, 224, 224]. */
  inputDims: number[];
  /** Threads of one session. @default 1 */
  intraOpThreads?: number;
  /** Let idle intra-op threads spin (lower latency alone, contention beside other work). @default false */
  spin?: boolean;
}

/** Loads a model from a path or bytes. */
export async function loadOnnxEngine(model: string | Uint8Array, options: OnnxEngineOptions): Promise<InferenceEngine> {
  const sessionOptions: Ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: "all",
    // Idle intra-op threads sleep instead of spinning, leaving the cores to the
    // PNG decoding and the node's other work between batches.
    extra: { session: { intra_op: { allow_spinning: options.spin ? "1" : "0" } } },
  };
  const session =
    await (typeof model === "string"
      ? ort.InferenceSession.create(model, sessionOptions)
      : ort.InferenceSession.create(model, sessionOptions));
  try {
    const inputName = session.inputNames[0];
    const outputName = session.outputNames[0];
    if (!inputName || !outputName || session.inputNames.length !== 1) {
      throw new ModelMismatch(
        `an image classifier has one input and an output: this model has inputs [${
          session.inputNames.join(", ")
        }] and outputs [${session.outputNames.join(", ")}]`,
      );
    }
    const inMeta = session.inputMetadata[0] as { isTensor: boolean; type?: string; shape?: (number | string)[] };
    const outMeta = session.outputMetadata[0] as { isTensor: boolean; type?: string; shape?: (number | string)[] };
    const shape = inMeta.shape ?? [];
    const want = options.inputDims;
    const fits = inMeta.isTensor && inMeta.type === "float32" && shape.length === want.length + 1 &&
      want.every((d, i) => shape[i + 1] === d || typeof shape[i + 1] === "string");
    if (!fits) {
      throw new ModelMismatch(
        `model input '${inputName}' is ${inMeta.type ?? "?"} [${
          shape.join(", ")
        }]: the configuration expects float32 [N, ${
          want.join(", ")
        }] (set MODEL_INPUT_SIZE / MODEL_LAYOUT to match the model)`,
      );
    }
    const outShape = outMeta.shape ?? [];
    const classes = outShape[outShape.length - 1];
    if (!outMeta.isTensor || outMeta.type !== "float32" || outShape.length !== 2 || typeof classes !== "number") {
      throw new ModelMismatch(
        `model output '${outputName}' is ${outMeta.type ?? "?"} [${
          outShape.join(", ")
        }]: a classifier must output float32 [N, classes]`,
      );
    }
    const batchDim = shape[0];
    return {
      info: {
        name: options.name,
        input: { name: inputName, dims: [...want] },
        output: { name: outputName, classes },
        maxBatch: typeof batchDim === "number" ? batchDim : null,
      },
      async run(batch, count) {
        const out = await session.run({ [inputName]: new ort.Tensor("float32", batch, [count, ...want]) });
        const t = out[outputName];
        if (!t) throw new Error(`the model produced no '${outputName}'`);
        return t.data as Float32Array;
      },
      close: () => session.release(),
    };
  } catch (err) {
    await session.release();
    throw err;
  }
}
