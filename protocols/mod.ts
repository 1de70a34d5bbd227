/**
 * Wire contracts, no I/O: the Kafka envelopes and their codecs (a capture's
 * encoding, the PNG check), the dead-letter headers, the CIFAR-100 record layout,
 * and the ops endpoint's JSON responses.
 * @module
 */
import type { ActorSnapshot, DependencyState, SystemStatus } from "../system/mod.ts";

export { type Decoded, decodeStrictBase64 } from "./_decode.ts";
export * from "./predict.ts";
export * from "./cifar100.ts";
export * from "./capture.ts";
export * from "./png_check.ts";
export * from "./deadletter.ts";
export * from "./image_envelope.ts";
export * from "./inference_envelope.ts";

/** `GET /actors`. */
export interface ActorsResponse {
  node: string;
  ready: boolean;
  status: SystemStatus;
  tree: ActorSnapshot;
}

/** `GET /readyz` (200 when ready, else 503). */
export interface ReadyResponse {
  ready: boolean;
  status: SystemStatus;
  dependencies: Record<string, DependencyState>;
}
