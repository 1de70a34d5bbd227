/**
 * The `troupe.images` record: key = device id (so each device's images stay in
 * order), value = this JSON envelope, version 1:
 *
 * ```json
 * { "v": 1, "imageId": "cam-0001/42", "deviceId": "cam-0001", "seq": 42,
 *   "capturedAt": "2026-11-24T18:00:00.000Z", "label": { "fine": 12, "coarse": 3 },
 *   "width": 32, "height": 32, "format": "png", "sha256": "<hex of the PNG>",
 *   "data": "<base64 of the PNG>" }
 * ```
 * `imageId` is deterministic (`deviceId` + "/" + `seq`), so a replayed record
 * updates the same row instead of adding one.
 */
import { createHash } from "node:crypto";
import { z } from "zod";
import { type Decoded, decodeVersioned, rejectWith, storableText, storableTimestamp } from "./_decode.ts";
import { decodeStrictBase64 } from "./base64.ts";
import { checkPng } from "./png_check.ts";

/** The envelope version this code writes and reads. */
export const IMAGE_ENVELOPE_VERSION = 1;

/** A camera image on the wire. */
export interface ImageEnvelope {
  /** The envelope version. */
  v: 1;
  /** The image's id, `<device id>/<seq>` (a replayed record updates the same row). */
  imageId: string;
  /** The camera that took it (the record's key, so each camera's images stay in order). */
  deviceId: string;
  /** The camera's sequence number, from 0. */
  seq: number;
  /** ISO 8601 capture time. */
  capturedAt: string;
  /** The CIFAR-100 labels of the image (fine 0-99, coarse 0-19). */
  label: { fine: number; coarse: number };
  /** Width in pixels. */
  width: number;
  /** Height in pixels. */
  height: number;
  /** The image format. */
  format: "png";
  /** Lower-case hex sha256 of the PNG bytes. */
  sha256: string;
  /** Base64 (RFC 4648, padded) of the PNG bytes. */
  data: string;
}

/** A decoded and verified image: the envelope and its PNG bytes. */
export interface VerifiedImage {
  /** The envelope as sent. */
  envelope: ImageEnvelope;
  /** The PNG bytes, checked against the envelope's `sha256`. */
  png: Uint8Array;
}

/** The deterministic image id of a device's `seq`-th image. */
export function imageIdOf(deviceId: string, seq: number): string {
  return `${deviceId}/${seq}`;
}

/** Lower-case hex sha256. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

const labelInt = z.number().int().min(0).max(65535);
const dimension = z.number().int().min(1).max(16384);
const schema = z.object({
  v: z.literal(1),
  imageId: storableText(1, 256),
  deviceId: storableText(1, 128),
  seq: z.number().int().min(0),
  capturedAt: storableTimestamp(),
  label: z.object({ fine: labelInt, coarse: labelInt }),
  width: dimension,
  height: dimension,
  format: z.literal("png"),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, "64 lower-case hex digits"),
  data: z.string().min(1),
});

/** Builds the record value of an envelope. */
export function encodeImageEnvelope(envelope: ImageEnvelope): string {
  return JSON.stringify(envelope);
}

/**
 * Decodes and verifies a record value: size, JSON, version, fields, base64, the
 * sha256 of the PNG bytes, and that they are a PNG of the stated size.
 */
export function decodeImageEnvelope(value: Uint8Array | null, options: { maxBytes: number }): Decoded<VerifiedImage> {
  const decoded = decodeVersioned<ImageEnvelope>(value, {
    maxBytes: options.maxBytes,
    version: IMAGE_ENVELOPE_VERSION,
    schema,
  });
  if (!decoded.ok) return decoded;
  const envelope = decoded.value;
  const png = decodeStrictBase64(envelope.data);
  if (!png) return rejectWith("bad_base64", `data is not padded base64 (length ${envelope.data.length})`);
  const digest = sha256Hex(png);
  if (digest !== envelope.sha256) {
    return rejectWith("sha256_mismatch", `sha256 of data is ${digest}, envelope says ${envelope.sha256}`);
  }
  const check = checkPng(png);
  if (!check.ok) return rejectWith("not_png", check.problem);
  if (check.width !== envelope.width || check.height !== envelope.height) {
    return rejectWith(
      "not_png",
      `PNG is ${check.width}x${check.height}, envelope says ${envelope.width}x${envelope.height}`,
    );
  }
  return { ok: true, value: { envelope, png } };
}
