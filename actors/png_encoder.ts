/**
 * Encoder: a camera capture (CIFAR planes) -> PNG (protocols/png_rgb.ts) -> base64, with the
 * sha256 of the PNG, wrapped in the `troupe.images` envelope and handed to the
 * producer keyed by device id.
 */
import { Buffer } from "node:buffer";
import { CIFAR_SIDE, type CifarRecord, planarToInterleaved } from "../protocols/cifar100.ts";
import { encodeImageEnvelope, IMAGE_ENVELOPE_VERSION, type ImageEnvelope, sha256Hex } from "../protocols/image_envelope.ts";
import { encodeRgbPng } from "../protocols/png_rgb.ts";
import type { Behaviour, ActorRef } from "../system/mod.ts";
import type { ProducerMsg } from "./kafka_producer.ts";

/** One image taken by a camera. */
export interface Capture {
  deviceId: string;
  seq: number;
  imageId: string;
  capturedAt: string;
  record: CifarRecord;
}

/** Messages of the encoder. */
export type EncoderMsg = { type: "encoder.encode"; capture: Capture };

/** Options of {@link pngEncoder}. */
export interface PngEncoderOptions {
  topic: string;
  producer: ActorRef<ProducerMsg>;
}

/** The PNG bytes of a capture's planes. */
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

/** The encoder's behaviour. */
export function pngEncoder(options: PngEncoderOptions): Behaviour<EncoderMsg, { encoded: number; bytes: number }> {
  return {
    init: () => ({ encoded: 0, bytes: 0 }),
    async receive(state, msg) {
      const value = encodeImageEnvelope(captureEnvelope(msg.capture));
      await options.producer.send({ type: "producer.record", topic: options.topic, key: msg.capture.deviceId, value });
      return { encoded: state.encoded + 1, bytes: state.bytes + value.length };
    },
    describe: (state) => ({ encoded: state.encoded, meanRecordBytes: state.encoded ? Math.round(state.bytes / state.encoded) : 0 }),
  };
}
