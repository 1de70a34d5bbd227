/**
 * Start-up checks of what a node's roles reach outside it: the Kafka brokers of
 * `KAFKA_BROKERS` and the PostgreSQL of `DATABASE_URL`, each step bounded in
 * time, so a wrong address gives one line naming the variable, the address and
 * what is wrong (`KAFKA_BROKERS=nohost:1: host not found`) instead of a client
 * library's retries. What the node starts itself (the broker role, a local
 * database) is started, not reached, and is not checked here.
 */
import { lookup } from "node:dns/promises";
import { connect } from "node:net";
import { type KafkaConnection, probeKafka } from "../actors/kafka/mod.ts";
import { connectPostgres } from "../actors/db/mod.ts";
import { errorMessage, type Logger, TroupeError } from "../system/mod.ts";
import { redactUrl, type TroupeConfig } from "./config.ts";
import { kafkaBrokersOf, kafkaConnectionOf } from "./_kafka.ts";
import { kafkaRefusal } from "./kafka_refusal.ts";

/** How long each step (name lookup, connection, first answer) may take. */
export const PREFLIGHT_STEP_MS = 5_000;

/**
 * A dependency could not be reached at start (the node exits 3). `waitable`: what waiting can cure (a peer not up
 * yet: connection refused, no answer yet, a database still starting), as opposed to what it cannot (a name that does
 * not resolve, refused credentials, something that is not Kafka or PostgreSQL).
 */
export class DependencyUnreachable extends TroupeError {
  constructor(readonly variable: string, readonly shown: string, readonly problem: string, readonly waitable = false) {
    super("TROUPE_ERR_UNREACHABLE", `${variable}=${shown}: ${problem}`);
  }
}

/** Problems a peer that is not up yet shows. */
const NOT_UP_YET =
  /^(connection refused|connection reset|host unreachable|network unreachable|no connection within|no Kafka answer within|no PostgreSQL answer within)/;
/** PostgreSQL's own "not yet": starting up, shutting down, recovering (SQLSTATE 57P03, or its wording). */
const PG_NOT_YET = /57P03|starting up|shutting down|in recovery|not yet accepting connections/i;

/** Checks every dependency the node's roles reach; throws {@link DependencyUnreachable} naming the first failing one. */
export async function checkDependencies(config: TroupeConfig, log: Logger): Promise<void> {
  const roles = new Set(config.roles);
  const needsKafka = roles.has("db") || roles.has("inference") || roles.has("simulator");
  if (needsKafka && !roles.has("broker")) {
    const brokers = kafkaBrokersOf(config);
    const shown = config.kafkaBrokers ? brokers.join(",") : `${brokers.join(",")} (unset: this machine's broker)`;
    await checkKafka(brokers, shown, kafkaConnectionOf(config), config);
    log.info("Kafka reachable", { brokers });
  }
  if (roles.has("db") && config.databaseUrl !== null) {
    await checkPostgres(config.databaseUrl);
    log.info("PostgreSQL reachable", { url: redactUrl(config.databaseUrl) });
  }
}

async function checkKafka(
  brokers: string[],
  shown: string,
  connection: KafkaConnection,
  config: TroupeConfig,
): Promise<void> {
  const problems = await Promise.all(brokers.map((b) => reach(b)));
  if (problems.every((p) => p !== null)) {
    const problem = brokers.length === 1
      ? problems[0] as string
      : brokers.map((b, i) => `${b} ${problems[i]}`).join("; ");
    throw new DependencyUnreachable("KAFKA_BROKERS", shown, problem, problems.every((p) => NOT_UP_YET.test(p!)));
  }
  const info = await bounded(probeKafka(brokers, PREFLIGHT_STEP_MS, connection)).catch((err: unknown) => {
    const refusal = kafkaRefusal(err, config);
    if (refusal) throw new DependencyUnreachable(refusal.variable, refusal.shown, refusal.problem);
    throw err instanceof StepTimeout
      ? new DependencyUnreachable("KAFKA_BROKERS", shown, `no Kafka answer within ${PREFLIGHT_STEP_MS} ms`, true)
      : new DependencyUnreachable("KAFKA_BROKERS", shown, `not a usable Kafka broker: ${errorMessage(err)}`);
  });
  // Clients go on to the addresses the brokers advertise: a wrong advertised.listeners shows here.
  for (const b of info.brokers) {
    const problem = await reach(`${b.host}:${b.port}`);
    if (problem) {
      throw new DependencyUnreachable(
        "KAFKA_BROKERS",
        shown,
        `broker ${b.nodeId} advertises ${b.host}:${b.port}, which this node cannot reach (${problem})`,
      );
    }
  }
}

async function checkPostgres(url: string): Promise<void> {
  const shown = redactUrl(url);
  const u = new URL(url);
  if (u.hostname && !u.hostname.startsWith("%2F")) {
    const problem = await reach(`${u.hostname}:${u.port || "5432"}`);
    if (problem) throw new DependencyUnreachable("DATABASE_URL", shown, problem, NOT_UP_YET.test(problem));
  }
  const sql = connectPostgres(url, { max: 1, connectTimeoutS: Math.ceil(PREFLIGHT_STEP_MS / 1000) });
  try {
    await bounded(sql`SELECT 1`.execute());
  } catch (err) {
    const problem = err instanceof StepTimeout
      ? `no PostgreSQL answer within ${PREFLIGHT_STEP_MS} ms`
      : errorMessage(err);
    const code = (err as { code?: unknown }).code;
    const waitable = err instanceof StepTimeout || code === "57P03" || PG_NOT_YET.test(problem) ||
      NOT_UP_YET.test(problem) || /ECONNREFUSED/.test(String(code));
    throw new DependencyUnreachable("DATABASE_URL", shown, problem, waitable);
  } finally {
    await sql.end({ timeout: 0 }).catch(() => {});
  }
}

class StepTimeout extends Error {}

/** `work`, or a {@link StepTimeout} after {@link PREFLIGHT_STEP_MS}. */
async function bounded<T>(work: Promise<T>): Promise<T> {
  const signal = AbortSignal.timeout(PREFLIGHT_STEP_MS);
  let onAbort!: () => void;
  const timedOut = new Promise<never>((_, reject) => {
    onAbort = () => reject(new StepTimeout());
    signal.addEventListener("abort", onAbort, { once: true });
  });
  try {
    return await Promise.race([work, timedOut]);
  } finally {
    signal.removeEventListener("abort", onAbort);
    work.catch(() => {});
  }
}

/** Resolves the host of `address` (host:port) and opens a TCP connection; null, or what went wrong. */
async function reach(address: string): Promise<string | null> {
  const colon = address.lastIndexOf(":");
  const host = address.slice(0, colon).replace(/^\[|\]$/g, "");
  const port = Number(address.slice(colon + 1));
  let ip: string;
  try {
    ip = (await bounded(lookup(host))).address;
  } catch (err) {
    if (err instanceof StepTimeout) {
      return `host not found (no answer to the name lookup within ${PREFLIGHT_STEP_MS} ms)`;
    }
    const code = (err as { code?: string }).code;
    return code === "ENOTFOUND" || code === "EAI_AGAIN" || code === "EAI_NONAME" ? "host not found" : errorMessage(err);
  }
  return await new Promise<string | null>((resolve) => {
    const socket = connect({ host: ip, port });
    const done = (problem: string | null) => {
      socket.destroy();
      resolve(problem);
    };
    socket.setTimeout(PREFLIGHT_STEP_MS, () => done(`no connection within ${PREFLIGHT_STEP_MS} ms`));
    socket.once("connect", () => done(null));
    socket.once("error", (err: Error & { code?: string }) => {
      const known: Record<string, string> = {
        ECONNREFUSED: "connection refused",
        EHOSTUNREACH: "host unreachable",
        ENETUNREACH: "network unreachable",
        ECONNRESET: "connection reset",
      };
      done(known[err.code ?? ""] ?? errorMessage(err));
    });
  });
}

/** What {@link waitForDependencies} tells while it waits. */
export interface WaitingNotice {
  /** What is not up yet, as the error says it (`KAFKA_BROKERS=10.0.0.1:9092: connection refused`). */
  what: string;
  /** Seconds waited so far. */
  waitedS: number;
}

/**
 * {@link checkDependencies}, again and again while what fails is a peer that is not up yet, for up to `waitS`
 * seconds (`START_WAIT_S`; 0: the first failure is final). Says once in the log what it waits for (once per
 * dependency, whatever its reasons while it starts), and each try to
 * `onWaiting` (for `/readyz` and the heartbeat); stops early when `signal` aborts. Throws the last failure when the
 * time is up, or at once when waiting cannot cure it.
 */
export async function waitForDependencies(
  config: TroupeConfig,
  log: Logger,
  options: { waitS: number; onWaiting?: (notice: WaitingNotice) => void; signal?: AbortSignal },
): Promise<void> {
  const started = Date.now();
  let said: string | null = null;
  for (let attempt = 0;; attempt++) {
    try {
      await checkDependencies(config, log);
      if (said !== null) {
        log.info("what the node waited for is up", { waitedS: Math.round((Date.now() - started) / 1000) });
      }
      return;
    } catch (err) {
      const waitedS = (Date.now() - started) / 1000;
      if (!(err instanceof DependencyUnreachable) || !err.waitable || options.signal?.aborted) throw err;
      if (waitedS >= options.waitS) {
        if (options.waitS === 0) throw err;
        const still = `${err.problem} (still, after waiting ${options.waitS} s: START_WAIT_S)`;
        throw new DependencyUnreachable(err.variable, err.shown, still, true);
      }
      // Once per dependency: PostgreSQL starting says "connection refused", then "starting up" (57P03); the
      // current reason is in /readyz and the heartbeat (onWaiting).
      if (said !== err.variable) {
        log.warn("waiting for a dependency that is not up yet", {
          waitingFor: err.message,
          upToS: options.waitS,
          variable: "START_WAIT_S",
        });
        said = err.variable;
      }
      options.onWaiting?.({ what: err.message, waitedS: Math.round(waitedS) });
      const pause = Math.min(5_000, 500 * 2 ** Math.min(attempt, 4), Math.max(0, options.waitS - waitedS) * 1000);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, pause);
        options.signal?.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve();
        }, { once: true });
      });
    }
  }
}
