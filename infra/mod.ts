/**
 * Local infrastructure for development, tests and single-machine runs: a Kafka
 * broker from Maven Central jars (KRaft), a private PostgreSQL cluster from
 * Debian's package, the embedded PGlite fallback, and the process helpers they
 * share. Production nodes point `KAFKA_BROKERS` and `DATABASE_URL` at real servers.
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
export { type BrokerSecurity, type BrokerUser, certFiles, makeBrokerCerts } from "./kafka_security.ts";
export { type LocalPostgres, signalPostgres, startPostgres, stopPostgres } from "./postgres_local.ts";
export { type LocalPglite, startPglite } from "./pglite_local.ts";
export { LOCAL_PGLITE_DIR, LOCAL_POSTGRES_DIR, type LocalDatabase, startLocalDatabase } from "./local_database.ts";
export { freePort, pidAlive, run, type RunResult, terminate } from "./process.ts";
export { setupTfjs, TF_WHEEL, type TfjsSetup, type TfjsSetupOptions } from "./tfjs_setup.ts";
export { ensureVenv, type PythonVenv } from "./python_venv.ts";
export { cpuSimdFlags, hasVnni, type MachineInfo, machineInfo } from "./cpu.ts";
export { CHROMIUM_ARGS, CHROMIUM_PATH, chromiumVersion, ensureChromium } from "./chromium.ts";
export { ensureDebianPackage } from "./debian.ts";
export {
  checkPrometheusRules,
  ensurePrometheus,
  type LocalPrometheus,
  PROMETHEUS_PATH,
  PROMTOOL_PATH,
  startPrometheus,
  type StartPrometheusOptions,
} from "./prometheus.ts";
