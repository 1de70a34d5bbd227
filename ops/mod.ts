/**
 * The ops endpoint of a node or of an embedding service: health, readiness, the
 * live actor tree, Prometheus metrics, config and a web view, as a Hono app to
 * serve or to mount under a service's own routes.
 * @module
 */
export { createOpsApp, type OpsAppOptions, serveOps } from "./server.ts";
export { type MetricsInput, renderMetrics } from "./metrics.ts";
export { renderWebView } from "./web_view.ts";
