/**
 * Node configuration, read once at start: explicit options, then the environment,
 * then an optional JSON file (`TROUPE_CONFIG`, whose keys are the same variable
 * names), then defaults. Validated, typed and frozen; a bad value names the
 * variable, what is allowed and what was given. Actors never read the environment.
 */
import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import { z } from "zod";
import {
  DEFAULT_KAFKA_CLIENT,
  KAFKA_CLIENTS,
  KAFKA_GROUP_PROTOCOLS,
  type KafkaClientKind,
  type KafkaGroupProtocol,
} from "../actors/kafka/client.ts";
import { DEFAULT_KAFKA_VERSION, KAFKA_VERSION_PATTERN } from "../infra/kafka_jvm.ts";
import { TroupeError } from "../system/mod.ts";
import { troupeCacheDir } from "../system/platform.ts";
import type { LogLevel } from "../system/mod.ts";
import { parseRoles, type Role, ROLES } from "./roles.ts";
import { KAFKA_SECURITY_VARIABLES, type KafkaSecurityConfig, readKafkaSecurity } from "./config_kafka.ts";
import {
  type DbConfig,
  PIPELINE_VARIABLES,
  readPipelineConfig,
  type SimulatorConfig,
  type TopicsConfig,
} from "./config_pipeline.ts";

import { INFERENCE_VARIABLES, type InferenceConfig, readInferenceConfig } from "./config_inference.ts";

export type { DbConfig, SimulatorConfig, TopicsConfig } from "./config_pipeline.ts";
export type { InferenceConfig } from "./config_inference.ts";

/** Raw configuration values by variable name. */
export type ConfigSource = Record<string, string | undefined>;

/** The validated configuration of a node. */
export interface TroupeConfig {
  /** Roles this node runs (`ROLE`, comma list; `all` is every role). */
  readonly roles: readonly Role[];
  /** Name of this node in logs and metrics (`NODE_ID`). */
  readonly nodeId: string;
  readonly logLevel: LogLevel;
  readonly ops: {
    /** `OPS_HOST`; anything but loopback requires `OPS_TOKEN`. */
    readonly host: string;
    readonly port: number;
    readonly token: string | null;
    /** `OPS_CONTROL`: operator controls and tracing on the ops endpoint (needs the token). */
    readonly control: boolean;
  };
  /** Kafka bootstrap servers (`KAFKA_BROKERS`); null: the local broker role's own address. */
  readonly kafkaBrokers: readonly string[] | null;
  /** `KAFKA_CLIENT`: the client package every Kafka connection of the node uses. */
  readonly kafkaClient: KafkaClientKind;
  /** `KAFKA_GROUP_INSTANCE_ID`: static membership's id prefix; null: `NODE_ID`; "none": no static membership. */
  readonly kafkaGroupInstanceId: string | null;
  /** `KAFKA_GROUP_PROTOCOL`: how the node's consumers join their groups. */
  readonly kafkaGroupProtocol: KafkaGroupProtocol;
  /** TLS and SASL of every Kafka connection (`KAFKA_TLS*`, `KAFKA_SASL_*`). */
  readonly kafkaSecurity: KafkaSecurityConfig;
  /**
   * The fleet: the nodes topic every node beats on (`TOPIC_NODES`) and how often (`HEARTBEAT_MS`; 0: off); the log
   * topic (`TOPIC_LOGS`) its lines at or above `LOG_SHIP_LEVEL` go to (null: off), at most `LOG_SHIP_RATE` a second.
   */
  readonly fleet: {
    readonly topic: string;
    readonly heartbeatMs: number;
    readonly logs: {
      readonly topic: string;
      readonly level: "debug" | "info" | "warn" | "error" | null;
      readonly rate: number;
    };
    /** Share of images whose hops every node reports (`TRACE_SAMPLE`, 0 to 1). */
    readonly traceSample: number;
  };
  /** How long a node waits at start for a broker or database that is not up yet (`START_WAIT_S`; 0: exit at once). */
  readonly startWaitS: number;
  /** The `broker` role's single-node KRaft broker. */
  readonly broker: {
    readonly port: number;
    readonly controllerPort: number;
    readonly dataDir: string;
    readonly version: string;
    readonly heap: string;
    /** `KAFKA_ADVERTISED_HOST`: the name other machines reach the broker by (non-loopback: listen on all interfaces). */
    readonly advertisedHost: string;
    /** `KAFKA_BROKER_LISTENER`: the client listener's security (`sasl_ssl`: TLS and SCRAM logins). */
    readonly listener: "plaintext" | "sasl_ssl";
  };
  /** `DATABASE_URL`; null: a local PostgreSQL started by the project. */
  readonly databaseUrl: string | null;
  /** How long a graceful shutdown may take (`SHUTDOWN_DEADLINE_MS`). */
  readonly shutdownDeadlineMs: number;
  readonly topics: TopicsConfig;
  readonly simulator: SimulatorConfig;
  readonly db: DbConfig;
  readonly inference: InferenceConfig;
  /** `TROUPE_CACHE_DIR`: where generated models, the synthetic dataset and engines are kept. */
  readonly cacheDir: string;
}

/** A configuration value was missing or wrong. Nodes exit with code 2 on it. */
export class ConfigError extends TroupeError {
  constructor(readonly problems: string[]) {
    super("TROUPE_ERR_CONFIG", problems.join("; "));
  }
}

/** Every variable the configuration reads, with what it means; shown by `--help`. */
/** `KAFKA_GROUP_PROTOCOL` when not set. */
const DEFAULT_GROUP_PROTOCOL: KafkaGroupProtocol = "classic";

export const CONFIG_VARIABLES: Record<string, string> = {
  ROLE: `roles this node runs, comma separated: ${
    ROLES.join(", ")
  }, or all (default all; all leaves out broker when KAFKA_BROKERS is set)`,
  NODE_ID: "name of this node in logs and metrics (default: host name)",
  LOG_LEVEL: "debug, info, warn or error (default info)",
  OPS_HOST: "address of the ops HTTP endpoint (default 127.0.0.1; any other needs OPS_TOKEN)",
  OPS_PORT: "port of the ops HTTP endpoint (default 7070; 0 picks a free one)",
  OPS_TOKEN: "bearer token required by the ops endpoint (secret; required off loopback)",
  OPS_CONTROL:
    "on: the ops endpoint may restart, stop, suspend, resume and trace actors (needs OPS_TOKEN; default off)",
  KAFKA_BROKERS: "Kafka bootstrap servers, comma separated host:port (default: the broker role's own)",
  KAFKA_CLIENT: `Kafka client package: ${KAFKA_CLIENTS.join(" or ")} (default ${DEFAULT_KAFKA_CLIENT})`,
  KAFKA_GROUP_INSTANCE_ID:
    "static group membership: each consumer joins as <this>-<role>, and a restart within the session timeout takes its partitions back without a rebalance (default NODE_ID; none: dynamic membership)",
  KAFKA_GROUP_PROTOCOL:
    `consumer group protocol: classic, or consumer (KIP-848: only partitions that change hands move; Kafka 4, KAFKA_CLIENT=platformatic) (default ${DEFAULT_GROUP_PROTOCOL})`,
  ...KAFKA_SECURITY_VARIABLES,
  START_WAIT_S:
    "how long a node waits at start for a Kafka broker or PostgreSQL that is not up yet (connection refused, no answer yet, starting up), s; a name that does not resolve or refused credentials exit at once (default 300; 0: exit 3 at once)",
  TOPIC_NODES: "the fleet's compacted topic every node writes its heartbeat to (default troupe.nodes)",
  HEARTBEAT_MS: "how often a node writes its heartbeat, ms; lost after three missed (default 2000; 0: no heartbeats)",
  TOPIC_LOGS: "the fleet's log topic, six hours and 64 MB kept (default troupe.logs)",
  LOG_SHIP_LEVEL:
    "log lines at or above this level go to the log topic: debug, info, warn, error, or off (default warn)",
  LOG_SHIP_RATE: "most log lines a second one node puts on the log topic; the rest are counted as dropped (default 50)",
  TRACE_SAMPLE:
    "share of images (by trace id, the same on every node) whose hops every node reports to the log topic, 0 to 1 (default 0.01; 1: every image)",
  KAFKA_PORT: "broker role: client port of the local Kafka broker (default 9092)",
  KAFKA_CONTROLLER_PORT: "broker role: KRaft controller port (default 9093)",
  KAFKA_DATA_DIR: "broker role: log and metadata directory (default .troupe/kafka)",
  KAFKA_VERSION:
    `broker role: Apache Kafka version taken from Maven Central (default ${DEFAULT_KAFKA_VERSION}; 3.9.x or 4.x)`,
  KAFKA_HEAP: "broker role: JVM heap of the broker (default 512m)",
  KAFKA_BROKER_LISTENER:
    "broker role: plaintext, or sasl_ssl (TLS from a private CA and SCRAM users, made in KAFKA_DATA_DIR/certs; clients need KAFKA_TLS_CA and KAFKA_SASL_*) (default plaintext)",
  KAFKA_ADVERTISED_HOST:
    "broker role: host name other machines reach the broker by; not loopback: listen on all interfaces (default 127.0.0.1)",
  DATABASE_URL: "PostgreSQL connection URL (secret password; default: a local cluster)",
  SHUTDOWN_DEADLINE_MS: "longest graceful shutdown in milliseconds (default 10000)",
  ...PIPELINE_VARIABLES,
  ...INFERENCE_VARIABLES,
  TROUPE_CACHE_DIR:
    "where generated models, the synthetic dataset and the TensorFlow engine are kept (default $XDG_CACHE_HOME/troupe or ~/.cache/troupe)",
  TROUPE_CONFIG: "path of a JSON file holding any of these variables",
};

const port = (allowZero: boolean) => z.coerce.number().int().min(allowZero ? 0 : 1).max(65535);
const hostPort = /^[A-Za-z0-9.\-_[\]:]+:\d{1,5}$/;

/**
 * Reads and validates the configuration. Throws {@link ConfigError} naming every
 * bad variable.
 */
export function loadConfig(options: { overrides?: ConfigSource; env?: ConfigSource } = {}): TroupeConfig {
  const env = options.env ?? {};
  const file = readConfigFile(options.overrides?.["TROUPE_CONFIG"] ?? env["TROUPE_CONFIG"]);
  const raw = (name: string): string | undefined => {
    const v = options.overrides?.[name] ?? env[name] ?? file[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  };
  const problems: string[] = [];
  const get = <T>(name: string, fallback: T, schema: z.ZodType<T>, allowed: string): T => {
    const v = raw(name);
    if (v === undefined) return fallback;
    const parsed = schema.safeParse(v);
    if (parsed.success) return parsed.data;
    problems.push(`${name} must be ${allowed}: got '${v}'`);
    return fallback;
  };

  const cacheDir = troupeCacheDir({ ...env, TROUPE_CACHE_DIR: raw("TROUPE_CACHE_DIR") });
  let roles: Role[] = [...ROLES];
  try {
    roles = parseRoles(raw("ROLE") ?? "all", { externalKafka: raw("KAFKA_BROKERS") !== undefined });
  } catch (err) {
    problems.push((err as Error).message);
  }
  const ops = {
    host: get("OPS_HOST", "127.0.0.1", z.string().regex(/^[A-Za-z0-9.:\-[\]]+$/), "a host name or IP address"),
    port: get("OPS_PORT", 7070, port(true), "a port number from 0 to 65535"),
    token: raw("OPS_TOKEN") ?? null,
    control: get(
      "OPS_CONTROL",
      false,
      z.enum(["on", "off"]).transform((v) => v === "on") as unknown as z.ZodType<boolean>,
      "on or off",
    ),
  };
  if (ops.control && ops.token === null) {
    problems.push("OPS_CONTROL=on needs OPS_TOKEN: the control routes are always behind the token");
  }
  if (!isLoopback(ops.host) && ops.token === null) {
    problems.push(`OPS_TOKEN must be set when OPS_HOST is not a loopback address: got OPS_HOST '${ops.host}'`);
  }
  if (ops.token !== null && ops.token.length < 16) {
    problems.push("OPS_TOKEN must be at least 16 characters: got a shorter one");
  }
  const brokersRaw = raw("KAFKA_BROKERS");
  let kafkaBrokers: string[] | null = null;
  if (brokersRaw !== undefined) {
    kafkaBrokers = brokersRaw.split(",").map((s) => s.trim()).filter(Boolean);
    const bad = kafkaBrokers.filter((b) => !hostPort.test(b));
    if (bad.length > 0 || kafkaBrokers.length === 0) {
      problems.push(`KAFKA_BROKERS must be a comma list of host:port: got '${brokersRaw}'`);
    }
  }
  const databaseUrl = get(
    "DATABASE_URL",
    null,
    z.string().regex(/^postgres(ql)?:\/\/.+/),
    "a postgres:// or postgresql:// URL",
  );
  const config: TroupeConfig = {
    roles,
    nodeId: get(
      "NODE_ID",
      hostname(),
      z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
      "1 to 64 letters, digits, '.', '_' or '-'",
    ),
    logLevel: get("LOG_LEVEL", "info", z.enum(["debug", "info", "warn", "error"]), "one of debug, info, warn, error"),
    ops,
    kafkaBrokers,
    kafkaClient: get(
      "KAFKA_CLIENT",
      DEFAULT_KAFKA_CLIENT,
      z.enum(KAFKA_CLIENTS),
      `one of ${KAFKA_CLIENTS.join(", ")}`,
    ),
    kafkaGroupInstanceId: get(
      "KAFKA_GROUP_INSTANCE_ID",
      null,
      z.string().regex(/^[A-Za-z0-9._-]{1,200}$/) as z.ZodType<string | null>,
      "1 to 200 letters, digits, '.', '_' or '-' (or none)",
    ),
    kafkaGroupProtocol: get(
      "KAFKA_GROUP_PROTOCOL",
      DEFAULT_GROUP_PROTOCOL,
      z.enum(KAFKA_GROUP_PROTOCOLS),
      `one of ${KAFKA_GROUP_PROTOCOLS.join(", ")}`,
    ),
    kafkaSecurity: readKafkaSecurity(raw, get, problems),
    startWaitS: get(
      "START_WAIT_S",
      300,
      z.coerce.number().int().min(0).max(86_400),
      "a whole number of seconds from 0 to 86400",
    ),
    fleet: {
      topic: get("TOPIC_NODES", "troupe.nodes", z.string().regex(/^[A-Za-z0-9._-]{1,249}$/), "a Kafka topic name"),
      heartbeatMs: get(
        "HEARTBEAT_MS",
        2_000,
        z.coerce.number().int().refine((n) => n === 0 || (n >= 100 && n <= 600_000)),
        "0, or a whole number of milliseconds from 100 to 600000",
      ),
      logs: {
        topic: get("TOPIC_LOGS", "troupe.logs", z.string().regex(/^[A-Za-z0-9._-]{1,249}$/), "a Kafka topic name"),
        level: get(
          "LOG_SHIP_LEVEL",
          "warn" as "debug" | "info" | "warn" | "error" | null,
          z.enum(["debug", "info", "warn", "error", "off"]).transform((v) => (v === "off" ? null : v)),
          "one of debug, info, warn, error, off",
        ),
        rate: get("LOG_SHIP_RATE", 50, z.coerce.number().int().min(1).max(100_000), "a whole number from 1 to 100000"),
      },
      traceSample: get("TRACE_SAMPLE", 0.01, z.coerce.number().min(0).max(1), "a number from 0 to 1"),
    },
    broker: {
      port: get("KAFKA_PORT", 9092, port(false), "a port number from 1 to 65535"),
      controllerPort: get("KAFKA_CONTROLLER_PORT", 9093, port(false), "a port number from 1 to 65535"),
      dataDir: get("KAFKA_DATA_DIR", ".troupe/kafka", z.string().min(1), "a directory path"),
      version: get(
        "KAFKA_VERSION",
        DEFAULT_KAFKA_VERSION,
        z.string().regex(KAFKA_VERSION_PATTERN),
        `an Apache Kafka 3.9.x or 4.x version such as ${DEFAULT_KAFKA_VERSION}`,
      ),
      heap: get("KAFKA_HEAP", "512m", z.string().regex(/^\d+[kmg]$/i), "a JVM size such as 512m or 1g"),
      advertisedHost: get(
        "KAFKA_ADVERTISED_HOST",
        "127.0.0.1",
        z.string().regex(/^[A-Za-z0-9.-]{1,253}$/),
        "a host name or IPv4 address",
      ),
      listener: get(
        "KAFKA_BROKER_LISTENER",
        "plaintext",
        z.enum(["plaintext", "sasl_ssl"]),
        "plaintext or sasl_ssl",
      ),
    },
    databaseUrl,
    shutdownDeadlineMs: get(
      "SHUTDOWN_DEADLINE_MS",
      10_000,
      z.coerce.number().int().min(0).max(600_000),
      "a whole number of milliseconds from 0 to 600000",
    ),
    ...readPipelineConfig(get, cacheDir),
    inference: readInferenceConfig(get, problems, cacheDir),
    cacheDir,
  };
  if (config.kafkaGroupProtocol === "consumer" && config.kafkaClient === "kafkajs") {
    problems.push(
      "KAFKA_GROUP_PROTOCOL=consumer needs KAFKA_CLIENT=platformatic: kafkajs speaks only the classic protocol",
    );
  }
  if (config.broker.port === config.broker.controllerPort) {
    problems.push(`KAFKA_CONTROLLER_PORT must differ from KAFKA_PORT: both are ${config.broker.port}`);
  }
  if (config.simulator.rate === 0 && config.simulator.count === 0) {
    problems.push(
      "SIM_RATE must be above 0 unless SIM_COUNT is set (rate 0 means a fixed count as fast as possible): got SIM_RATE '0' and no SIM_COUNT",
    );
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** The configuration with secrets replaced by `***`, for logs and the ops endpoint. */
export function redactConfig(config: TroupeConfig): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(config)) as {
    ops: { token: string | null };
    databaseUrl: string | null;
    kafkaSecurity: { tls: Record<string, unknown> | null; sasl: { password: string } | null };
  };
  if (copy.ops.token !== null) copy.ops.token = "***";
  if (copy.kafkaSecurity.sasl) copy.kafkaSecurity.sasl.password = "***";
  // The PEM text is long and the key is a secret: the files are named instead.
  if (copy.kafkaSecurity.tls) copy.kafkaSecurity.tls = { files: copy.kafkaSecurity.tls["files"] };
  if (copy.databaseUrl !== null) copy.databaseUrl = redactUrl(copy.databaseUrl);
  return copy as unknown as Record<string, unknown>;
}

/** A URL with its password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "***";
  }
}

/** Whether an address is loopback (127.0.0.0/8, ::1, localhost). */
export function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || host === "[::1]" || /^127(\.\d{1,3}){3}$/.test(host);
}

function readConfigFile(path: string | undefined): ConfigSource {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError([`TROUPE_CONFIG must name a readable file: got '${path}' (${(err as Error).message})`]);
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new ConfigError([`TROUPE_CONFIG file '${path}' is not valid JSON: ${(err as Error).message}`]);
  }
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    throw new ConfigError([`TROUPE_CONFIG file '${path}' must hold a JSON object of variable names to values`]);
  }
  const out: ConfigSource = {};
  for (const [k, v] of Object.entries(data)) {
    if (!(k in CONFIG_VARIABLES)) {
      throw new ConfigError([
        `TROUPE_CONFIG file '${path}' has an unknown key '${k}': known keys are ${
          Object.keys(CONFIG_VARIABLES).join(", ")
        }`,
      ]);
    }
    out[k] = Array.isArray(v) ? v.join(",") : String(v);
  }
  return out;
}

function deepFreeze<T>(o: T): T {
  if (o && typeof o === "object") {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
