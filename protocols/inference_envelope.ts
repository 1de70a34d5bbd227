/**
 * The `troupe.inferences` record: key = image id, value = this JSON envelope,
 * version 1:
 *
 * ```json
 * { "v": 1, "imageId": "cam-0001/42", "model": "resnet50-synthetic",
 *   "top": [{ "index": 3, "label": "bear", "prob": 0.41 }], "latencyMs": 12.5,
 *   "inferredAt": "2026-11-24T18:00:00.100Z" }
 * ```
 * The db role upserts it into `inferences` on (image_id, model).
 */
import { z } from "zod";
import { type Decoded, decodeVersioned, storableText, storableTimestamp } from "./_decode.ts";

/** The envelope version this code writes and reads. */
export const INFERENCE_ENVELOPE_VERSION = 1;

/** One class of a result. */
export interface TopClass {
  /** The class's index in the model's output. */
  index: number;
  /** The class's name. */
  label: string;
  /** Its probability (0 to 1). */
  prob: number;
}

/** A classification result on the wire. */
export interface InferenceEnvelope {
  /** The envelope version. */
  v: 1;
  /** The image's id (the record's key). */
  imageId: string;
  /** The model that classified it. */
  model: string;
  /** Best classes first; at least one. */
  top: TopClass[];
  /** Milliseconds from the request's arrival in the model pool to its result. */
  latencyMs: number;
  /** When it was classified (ISO time). */
  inferredAt: string;
  /** When the image was captured (its envelope's `capturedAt`), for the fleet's capture-to-row latency; optional. */
  capturedAt?: string;
}

const schema = z.object({
  v: z.literal(1),
  imageId: storableText(1, 256),
  model: storableText(1, 256),
  top: z.array(
    z.object({ index: z.number().int().min(0), label: storableText(0, 256), prob: z.number().min(0).max(1) }),
  ).min(1).max(1000),
  latencyMs: z.number().min(0),
  inferredAt: storableTimestamp(),
  capturedAt: storableTimestamp().optional(),
});

/** Builds the record value of an envelope. */
export function encodeInferenceEnvelope(envelope: InferenceEnvelope): string {
  return JSON.stringify(envelope);
}

/** Decodes and checks a record value. */
export function decodeInferenceEnvelope(
  value: Uint8Array | null,
  options: { maxBytes: number },
): Decoded<InferenceEnvelope> {
  return decodeVersioned<InferenceEnvelope>(value, {
    maxBytes: options.maxBytes,
    version: INFERENCE_ENVELOPE_VERSION,
    schema,
  });
}
