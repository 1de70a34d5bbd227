/**
 * The ops endpoint (health, readiness, actor tree, metrics, web view) and local
 * infrastructure (Kafka from Maven jars, a private PostgreSQL cluster).
 * @module
 */
export { createOpsApp, type OpsAppOptions, serveOps } from "./server.ts";
export { type MetricsInput, renderMetrics } from "./metrics.ts";
export { renderWebView } from "./web_view.ts";
export { InfraError } from "./errors.ts";
export { type LocalBrokerSettings, startBroker } from "./kafka_local.ts";
export { type LocalPostgres, startPostgres, stopPostgres } from "./postgres_local.ts";
export { type LocalPglite, startPglite } from "./pglite_local.ts";
export { LOCAL_PGLITE_DIR, LOCAL_POSTGRES_DIR, type LocalDatabase, startLocalDatabase } from "./local_database.ts";
export { bar, RateMeter, startProgress, type ProgressOptions } from "./progress.ts";
