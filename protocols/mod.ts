/**
 * Wire contracts, no I/O. Today: the ops endpoint's JSON responses. The Kafka
 * envelope and its codec arrive with the pipeline.
 * @module
 */
import type { ActorSnapshot, DependencyState, SystemStatus } from "../system/mod.ts";

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
