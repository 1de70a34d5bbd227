/**
 * What goes between the encoder and its threads: a batch of captures, and their
 * record values (UTF-8 JSON envelopes) packed into one buffer that is transferred,
 * not copied, and then handed to the producer as views.
 */
import { Buffer } from "node:buffer";
import { type Capture, encodeCapture } from "../../protocols/capture.ts";

/** A batch sent to a thread. */
export interface EncodeRequest {
  id: number;
  captures: Capture[];
}

/** One capture's outcome: the record value's bytes (UTF-8 JSON), or why it failed. */
export type EncodeResult = { value: Uint8Array } | { error: string };

/** A thread's answer: every value in one transferred buffer, capture i's ending at `ends[i]`. */
export interface EncodeAnswer {
  id: number;
  bytes: Uint8Array;
  ends: number[];
  errors: (string | null)[];
}

/** Encodes a batch into one answer (run inside a thread). */
export function encodeBatch(id: number, captures: Capture[]): EncodeAnswer {
  const errors: (string | null)[] = [];
  const values = captures.map((c) => {
    try {
      errors.push(null);
      return encodeCapture(c);
    } catch (err) {
      errors[errors.length - 1] = (err as Error).message;
      return "";
    }
  });
  const bytes = Buffer.allocUnsafeSlow(values.reduce((n, v) => n + Buffer.byteLength(v), 0));
  const ends: number[] = [];
  let at = 0;
  for (const v of values) ends.push(at += bytes.write(v, at));
  return { id, bytes, ends, errors };
}

/** The results of an answer, each value a view of its bytes. */
export function resultsOf(a: EncodeAnswer): EncodeResult[] {
  return a.errors.map((
    error,
    i,
  ) => (error === null ? { value: a.bytes.subarray(i === 0 ? 0 : a.ends[i - 1], a.ends[i]) } : { error }));
}
