/**
 * Local infrastructure for development, tests and single-machine runs: a Kafka
 * broker from Maven Central jars (KRaft) with its TLS and SASL material, a private
 * PostgreSQL cluster from Debian's package, the embedded PGlite fallback, and the
 * tfjs-node engine's setup. Production nodes point `KAFKA_BROKERS` and `DATABASE_URL`
 * at real servers.
 *
 * Experimental: this is troupe's own tooling (what `npm run kafka`, `npm run
 * postgres` and the tests use), shared as is.
 * @module
 */
export { InfraError } from "./errors.ts";
export {
  type BrokerProcess,
  DEFAULT_KAFKA_VERSION,
  KAFKA_VERSION_PATTERN,
  type LocalBrokerSettings,
  runningBrokerPid,
  startBroker,
  type StartBrokerOptions,
} from "./kafka_jvm.ts";
export { type BrokerSecurity, type BrokerUser, makeBrokerCerts } from "./kafka_security.ts";
export { type LocalPostgres, startPostgres, stopPostgres } from "./postgres_local.ts";
export { type LocalPglite, startPglite } from "./pglite_local.ts";
export { LOCAL_PGLITE_DIR, LOCAL_POSTGRES_DIR, type LocalDatabase, startLocalDatabase } from "./local_database.ts";
export { terminate } from "./process.ts";
export { setupTfjs, TF_WHEEL, type TfjsSetup, type TfjsSetupOptions } from "./tfjs_setup.ts";
