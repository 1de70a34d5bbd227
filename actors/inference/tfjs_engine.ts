/**
 * The TensorFlow engine: `@tensorflow/tfjs-node` (libtensorflow, CPU) behind the
 * same interface as onnxruntime. It serves
 * - a TensorFlow/Keras SavedModel (a directory holding `saved_model.pb`), run as
 *   a graph by TensorFlow's session; the meta graph (`tags`), signature and its
 *   input and output are taken from the options or discovered when there is one;
 * - a TF.js model (`model.json`, or a directory holding one): a graph model, or a
 *   layers model run op by op.
 * The input must take float32 [N, ...dims] and the output give [N, classes];
 * anything else fails at load with a message naming what the model has.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { type InferenceEngine, ModelMismatch } from "./engine.ts";
import { requireTfjsNode, type TfjsNode, type TfTensor, type TfTensorInfo } from "./tfjs_module.ts";

/**
 * Options of {@link loadTfjsEngine}.
 * @experimental
 */
export interface TfjsEngineOptions {
  /** Name of the model in responses. */
  name: string;
  /** Expected input dims without the batch dimension, e.g. [224, 224, 3]. */
  inputDims: number[];
  /** SavedModel meta graph tags, e.g. ["serve"]; default: the only meta graph, or the one tagged `serve`. */
  tags?: string[] | null;
  /** SavedModel signature; default: the only one, or `serving_default`. */
  signature?: string | null;
  /** Input and output keys of the signature; default: the only one of each. */
  inputName?: string | null;
  /** The signature's output key. */
  outputName?: string | null;
  /** Where `npm run setup:tfjs` installed tfjs-node. @default defaultTfjsDir() */
  tfjsDir?: string | null;
}

const shapeOf = (info: TfTensorInfo) => (info.shape ?? []).map((d) => d.getSize());
const fmt = (dims: readonly (number | null)[]) => `[${dims.map((d) => (d === null || d < 0 ? "N" : d)).join(", ")}]`;

function pick<T>(
  what: string,
  map: Record<string, T>,
  wanted: string | null | undefined,
  preferred: string,
): [string, T] {
  const keys = Object.keys(map);
  const key = wanted ?? (keys.length === 1 ? keys[0] : keys.includes(preferred) ? preferred : undefined);
  if (key === undefined || !(key in map)) {
    throw new ModelMismatch(
      `${wanted ? `the model has no ${what} '${wanted}'` : `the model has several ${what}s`}: it has [${
        keys.join(", ")
      }] (set the ${what} in the configuration)`,
    );
  }
  return [key, map[key]!];
}

/** Checks input dims [N?, ...want] (unknown dims accepted) and returns the batch dim (null: any). */
function checkInput(name: string, dtype: string, dims: readonly (number | null)[], want: number[]): number | null {
  const fits = dtype === "float32" && dims.length === want.length + 1 &&
    want.every((d, i) => dims[i + 1] === d || dims[i + 1] === null || dims[i + 1] === -1);
  if (!fits) {
    throw new ModelMismatch(
      `model input '${name}' is ${dtype} ${fmt(dims)}: the configuration expects float32 [N, ${
        want.join(", ")
      }] (set MODEL_INPUT_SIZE / MODEL_LAYOUT to match the model; Keras models are usually NHWC)`,
    );
  }
  const b = dims[0];
  return b === null || b === undefined || b < 0 ? null : b;
}

async function loadSavedModel(tf: TfjsNode, dir: string, o: TfjsEngineOptions) {
  const metas = await tf.node.getMetaGraphsFromSavedModel(dir);
  const meta = o.tags
    ? metas.find((m) => o.tags!.length === m.tags.length && o.tags!.every((t) => m.tags.includes(t)))
    : metas.length === 1
    ? metas[0]
    : metas.find((m) => m.tags.length === 1 && m.tags[0] === "serve");
  if (metas.length === 0) {
    throw new ModelMismatch(`${dir} holds no meta graph: its saved_model.pb is not a SavedModel`);
  }
  if (!meta) {
    throw new ModelMismatch(
      `no meta graph ${o.tags ? `tagged [${o.tags.join(", ")}]` : "to choose"}: the SavedModel has ${
        metas.map((m) => `[${m.tags.join(", ")}]`).join(", ")
      } (set MODEL_TAGS)`,
    );
  }
  const [signature, sig] = pick("signature", meta.signatureDefs, o.signature, "serving_default");
  const [inKey, input] = pick("input", sig.inputs, o.inputName, "");
  const [outKey, output] = pick("output", sig.outputs, o.outputName, "");
  const maxBatch = checkInput(inKey, input.dtype, shapeOf(input), o.inputDims);
  const outDims = shapeOf(output);
  const classes = outDims[outDims.length - 1];
  if (output.dtype !== "float32" || outDims.length !== 2 || classes === undefined || classes < 1) {
    throw new ModelMismatch(
      `model output '${outKey}' is ${output.dtype} ${fmt(outDims)}: a classifier must output float32 [N, classes]`,
    );
  }
  const model = await tf.node.loadSavedModel(dir, meta.tags, signature);
  const run = (x: TfTensor) => (model.predict({ [inKey]: x }) as Record<string, TfTensor>);
  return { model, inKey, outKey, classes, maxBatch, run: (x: TfTensor) => pluck(run(x), outKey) };
}

/** The one output wanted; the others are released. */
function pluck(outs: Record<string, TfTensor>, key: string): TfTensor {
  for (const [k, t] of Object.entries(outs)) if (k !== key) t.dispose();
  return outs[key]!;
}

async function loadTfjsModel(tf: TfjsNode, file: string, o: TfjsEngineOptions) {
  let format: string;
  try {
    const json = JSON.parse(readFileSync(file, "utf8")) as { format?: string; modelTopology?: { class_name?: string } };
    format = json.format ?? (json.modelTopology?.class_name ? "layers-model" : "graph-model");
  } catch (err) {
    throw new ModelMismatch(`${file} is not a TF.js model.json: ${(err as Error).message}`);
  }
  const handler = tf.io.fileSystem(file);
  const model = format === "layers-model" ? await tf.loadLayersModel(handler) : await tf.loadGraphModel(handler);
  const inputs = model.inputs;
  if (inputs.length !== 1) throw new ModelMismatch(`a classifier has one input: this model has ${inputs.length}`);
  const inp = inputs[0]!;
  const maxBatch = checkInput(inp.name, "dtype" in inp ? inp.dtype : "float32", inp.shape ?? [], o.inputDims);
  return {
    model,
    inKey: inp.name,
    outKey: "output",
    classes: null,
    maxBatch,
    run: (x: TfTensor) => {
      const y = model.predict(x);
      if (Array.isArray(y) || !("dispose" in y) || typeof (y as TfTensor).data !== "function") {
        throw new ModelMismatch("the model gives several outputs: a classifier gives one");
      }
      return y as TfTensor;
    },
  };
}

/**
 * Loads a SavedModel directory, or a TF.js model.json (or its directory).
 * @experimental
 */
export async function loadTfjsEngine(path: string, options: TfjsEngineOptions): Promise<InferenceEngine> {
  if (!existsSync(path)) throw new ModelMismatch(`MODEL_PATH ${path} does not exist`);
  const isDir = statSync(path).isDirectory();
  const savedModel = isDir && existsSync(join(path, "saved_model.pb"));
  const modelJson = isDir ? join(path, "model.json") : path;
  if (!savedModel && !(existsSync(modelJson) && modelJson.endsWith(".json"))) {
    throw new ModelMismatch(
      `${path} is neither a SavedModel directory (with saved_model.pb) nor a TF.js model.json: the tfjs engine serves those (ONNX files: MODEL_ENGINE=onnx)`,
    );
  }
  const tf = requireTfjsNode(options.tfjsDir ?? null);
  const m = savedModel ? await loadSavedModel(tf, path, options) : await loadTfjsModel(tf, modelJson, options);
  const dims = options.inputDims;
  let classes = m.classes;
  if (classes === null) {
    // A TF.js model declares no output shape we can trust: run one zero image.
    const y = m.run(tf.tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), [1, ...dims]));
    const shape = y.shape;
    y.dispose();
    if (shape.length !== 2) {
      throw new ModelMismatch(`the model output is ${fmt(shape)}: a classifier gives [N, classes]`);
    }
    classes = shape[1]!;
  }
  // TensorFlow optimises the graph on its first run (seconds for ResNet50): do it
  // now, not in the first request's time.
  const warm = m.run(tf.tensor(new Float32Array(dims.reduce((a, b) => a * b, 1)), [1, ...dims]));
  await warm.data();
  warm.dispose();
  return {
    info: {
      name: options.name,
      input: { name: m.inKey, dims: [...dims] },
      output: { name: m.outKey, classes },
      maxBatch: m.maxBatch,
    },
    async run(batch, count) {
      const x = tf.tensor(batch, [count, ...dims], "float32");
      try {
        const y = m.run(x);
        try {
          return await y.data();
        } finally {
          y.dispose();
        }
      } finally {
        x.dispose();
      }
    },
    close: async () => m.model.dispose?.(),
  };
}
