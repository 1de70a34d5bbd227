/**
 * A camera capture and its encoding for `troupe.images`: CIFAR planes -> PNG
 * (protocols/png_rgb.ts) -> sha256 and base64 inside the versioned envelope. Pure
 * functions, so the simulator can run them on its main thread or in worker threads.
 */
import { Buffer } from "node:buffer";
import { CIFAR_SIDE, type CifarRecord, planarToInterleaved } from "./cifar100.ts";
import { encodeImageEnvelope, IMAGE_ENVELOPE_VERSION, type ImageEnvelope, sha256Hex } from "./image_envelope.ts";
import { encodeRgbPng } from "./png_rgb.ts";

/** One image taken by a camera. */
export interface Capture {
  /** The camera that took it. */
  deviceId: string;
  /** The camera's sequence number, from 0. */
  seq: number;
  /** The image's id, `<device id>/<seq>`. */
  imageId: string;
  /** When it was taken (ISO time). */
  capturedAt: string;
  /** The CIFAR-100 record it shows. */
  record: CifarRecord;
  /** W3C trace context started at capture; sent as the record's `traceparent` header (protocols/trace_context.ts). */
  traceparent?: string;
}

/** The PNG bytes of a capture's planes (deflate level 1: fast, and CIFAR-sized images gain little more). */
export function capturePng(record: CifarRecord): Uint8Array {
  return encodeRgbPng(CIFAR_SIDE, CIFAR_SIDE, planarToInterleaved(record.planes), { level: 1 });
}

/** The envelope of a capture. */
export function captureEnvelope(c: Capture): ImageEnvelope {
  const png = capturePng(c.record);
  return {
    v: IMAGE_ENVELOPE_VERSION,
    imageId: c.imageId,
    deviceId: c.deviceId,
    seq: c.seq,
    capturedAt: c.capturedAt,
    label: { fine: c.record.fine, coarse: c.record.coarse },
    width: CIFAR_SIDE,
    height: CIFAR_SIDE,
    format: "png",
    sha256: sha256Hex(png),
    data: Buffer.from(png).toString("base64"),
  };
}

/** The record value of a capture (the envelope's JSON). */
export function encodeCapture(c: Capture): string {
  return encodeImageEnvelope(captureEnvelope(c));
}
