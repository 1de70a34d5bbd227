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

/** A dependency could not be reached at start (the node exits 3). */
export class DependencyUnreachable extends TroupeError {
  constructor(readonly variable: string, shown: string, problem: string) {
    super("TROUPE_ERR_UNREACHABLE", `${variable}=${shown}: ${problem}`);
  }
}

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
    throw new DependencyUnreachable("KAFKA_BROKERS", shown, problem);
  }
  const info = await bounded(probeKafka(brokers, PREFLIGHT_STEP_MS, connection)).catch((err: unknown) => {
    const refusal = kafkaRefusal(err, config);
    if (refusal) throw new DependencyUnreachable(refusal.variable, refusal.shown, refusal.problem);
    throw new DependencyUnreachable(
      "KAFKA_BROKERS",
      shown,
      err instanceof StepTimeout
        ? `no Kafka answer within ${PREFLIGHT_STEP_MS} ms`
        : `not a usable Kafka broker: ${errorMessage(err)}`,
    );
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
    if (problem) throw new DependencyUnreachable("DATABASE_URL", shown, problem);
  }
  const sql = connectPostgres(url, { max: 1, connectTimeoutS: Math.ceil(PREFLIGHT_STEP_MS / 1000) });
  try {
    await bounded(sql`SELECT 1`.execute());
  } catch (err) {
    const problem = err instanceof StepTimeout
      ? `no PostgreSQL answer within ${PREFLIGHT_STEP_MS} ms`
      : errorMessage(err);
    throw new DependencyUnreachable("DATABASE_URL", shown, problem);
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
