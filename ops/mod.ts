/**
 * The ops endpoint of a node or of an embedding service: health, readiness, the
 * live actor tree with per-actor figures, top-N lists, Prometheus metrics, config,
 * a live page, and (when enabled) operator controls and message tracing, as a Hono
 * app to serve or to mount under a service's own routes.
 * @module
 */
export { createOpsApp, type OpsAppOptions, serveOps } from "./server.ts";
export { type FleetSource, type FleetTree, type LogQuery } from "./fleet_routes.ts";
export { prometheusTargets, renderFleetMetrics, type SdTargetGroup } from "./fleet_targets.ts";
export { renderFleetText } from "./fleet_text.ts";
export { actorsResponse } from "./tree_routes.ts";
export { type MetricsInput, renderMetrics } from "./metrics.ts";
export { Observer, type ObserverOptions, TOP_BY } from "./observer.ts";
export { pipelinePanel } from "./pipeline.ts";
export { renderPage } from "./page.ts";
