/**
 * The inference engine interface: what the model worker pool needs of a runtime,
 * kept narrow so another engine (TensorFlow.js, say) can be added beside
 * onnxruntime-node. An engine runs one batch at a time.
 */
import { TroupeError } from "../../system/mod.ts";

/** What a loaded model takes and gives. */
export interface ModelInfo {
  /** Name in responses and in `inferences.model`. */
  name: string;
  /** Input tensor name and its dims without the batch dimension, e.g. [3, 224, 224]. */
  input: { name: string; dims: number[] };
  /** Output tensor name and the number of classes. */
  output: { name: string; classes: number };
  /** Largest batch the model accepts (its batch dimension, or a fixed one). */
  maxBatch: number | null;
}

/** A loaded model. */
export interface InferenceEngine {
  /** What was loaded: the model's input and output. */
  readonly info: ModelInfo;
  /**
   * Runs `count` inputs laid end to end in `batch` (each the product of
   * `info.input.dims` floats); resolves with the raw outputs, `info.output.classes`
   * floats per input, laid end to end.
   */
  run(batch: Float32Array, count: number): Promise<Float32Array>;
  /** Releases the session and its memory. */
  close(): Promise<void>;
}

/** A model that does not fit what the configuration says of it. Not retriable. */
export class ModelMismatch extends TroupeError {
  /** An error saying how the model does not fit what troupe was told of it. */
  constructor(message: string) {
    super("TROUPE_ERR_MODEL", message);
  }
}
