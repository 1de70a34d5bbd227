/** The JSON bodies of the ops endpoint (`ops/server.ts`), for dashboards and scripts. */
import type { ActorSnapshot, DependencyState, SystemStatus } from "../system/mod.ts";

/** `GET /healthz` (503 once the root supervisor gave up). */
export interface HealthResponse {
  status: "ok" | "failed";
  node: string;
}

/** `GET /readyz` (200 when ready, else 503). */
export interface ReadyResponse {
  ready: boolean;
  status: SystemStatus;
  dependencies: Record<string, DependencyState>;
}

/** `GET /actors`. */
export interface ActorsResponse {
  node: string;
  ready: boolean;
  status: SystemStatus;
  tree: ActorSnapshot;
}
