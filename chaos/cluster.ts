/**
 * The four hosts of the original system, on network namespaces: the broker host
 * (the `broker` role), the db host (PostgreSQL and the `db` role), the inference
 * host (the `inference` role, serving the tiny test model so a run takes seconds)
 * and the camera host (the `simulator` role). Runs from the observer host, which
 * reads the nodes' ops endpoints and Kafka over the bridge, and PostgreSQL on the
 * db host through psql.
 */
import { join } from "node:path";
import { brokerClientConnection } from "../actors/broker/mod.ts";
import { createKafkaClient, type KafkaConnection, readTopicFromStart } from "../actors/kafka/mod.ts";
import { recordsHeld } from "../actors/kafka/client.ts";
import { type BrokerSecurity, makeBrokerCerts } from "../infra/mod.ts";
import { createLogger } from "../system/mod.ts";
import { until } from "../test/helpers/wait.ts";
import type { Host, Network } from "./netns.ts";
import { type HostProcess, runOnHost, startOnHost } from "./processes.ts";

/** The ops token every node of the suite requires (their ops endpoints are off loopback). */
export const OPS_TOKEN = "chaos-suite-ops-token-0123456789";
/** The ops port of a host's node (a second node on one host takes another: `startNode`'s `opsPort`). */
export const OPS_PORT = 7070;
/** The broker's client port. */
export const KAFKA_PORT = 9092;
/** How the suite runs a TypeScript entry point. */
export const NODE: readonly string[] = [process.execPath, "--import", "tsx"];

/** The running infrastructure and where the run's files go. */
export interface Cluster {
  net: Network;
  dir: string;
  broker: HostProcess;
  databaseUrl: string;
  brokers: string[];
  /** The broker's SASL_SSL listener (its CA and a SCRAM user), or null for plaintext. */
  security: BrokerSecurity | null;
  modelPath: string;
  /** The fleet's topics and heartbeat of the whole run, given to every node (the broker's too): one fleet view. */
  fleetEnv: Record<string, string>;
  log(line: string): void;
}

/**
 * Makes the broker's private CA, keystore (valid for the broker's and the slow link's addresses) and SCRAM users
 * where the broker role looks for them (`<KAFKA_DATA_DIR>/certs`), before it first starts.
 */
export function makeClusterCerts(net: Network, dir: string): Promise<BrokerSecurity> {
  const hosts = ["broker", "link"].map((h) => net.hosts[h]!.ip);
  return makeBrokerCerts(join(dir, "kafka", "certs"), hosts, createLogger({ level: "warn" }));
}

/** How the observer's clients reach the broker. */
export function observerConnection(c: Pick<Cluster, "security">): KafkaConnection {
  return c.security ? brokerClientConnection(c.security) : {};
}

/** What every node of a run needs to reach the broker beyond KAFKA_BROKERS (TLS and SASL), or nothing. */
export function kafkaClientEnv(c: Pick<Cluster, "security">): Record<string, string> {
  const user = c.security?.users[0];
  if (!c.security || !user) return {};
  return {
    KAFKA_TLS_CA: c.security.caPem,
    KAFKA_SASL_MECHANISM: "scram-sha-512",
    KAFKA_SASL_USERNAME: user.name,
    KAFKA_SASL_PASSWORD: user.password,
  };
}

/**
 * kcat's settings for the broker's listener. PLAIN (over TLS), not SCRAM: Debian's kcat is built on librdkafka
 * 2.0.2, whose SCRAM Kafka 4 brokers refuse as invalid credentials (edenhill/kcat#462; fixed in librdkafka 2.6.1).
 */
export function kcatSecurityArgs(c: Pick<Cluster, "security">): string[] {
  const user = c.security?.users[0];
  if (!c.security || !user) return [];
  return [
    "security.protocol=SASL_SSL",
    "sasl.mechanisms=PLAIN",
    `sasl.username=${user.name}`,
    `sasl.password=${user.password}`,
    `ssl.ca.location=${c.security.caPem}`,
  ].flatMap((setting) => ["-X", setting]);
}

/** GET of a node's ops route (with the token); the parsed JSON or null when it does not answer. */
export async function ops(host: Host, path: string, port = OPS_PORT): Promise<Record<string, unknown> | null> {
  try {
    const r = await fetch(`http://${host.ip}:${port}${path}`, {
      headers: { authorization: `Bearer ${OPS_TOKEN}` },
      signal: AbortSignal.timeout(2_000),
    });
    return (await r.json()) as Record<string, unknown>;
  } catch {
    return null;
  }
}

/** The `info` of the actor at `path` in a node's `/actors`, or null. */
export async function actorInfo(
  host: Host,
  path: string,
  port = OPS_PORT,
): Promise<Record<string, unknown> | null> {
  type Node = { path: string; info: Record<string, unknown> | null; restarts: number; children: Node[] };
  const body = (await ops(host, "/actors", port)) as { tree?: Node } | null;
  const find = (n: Node): Node | undefined => (n.path === path ? n : n.children.map(find).find(Boolean));
  const node = body?.tree ? find(body.tree) : undefined;
  return node ? { ...node.info, restarts: node.restarts } : null;
}

/** Starts a troupe node with `role` on `host`, and waits until its `/readyz` says ready (unless `ready` is false). */
export async function startNode(
  c: Cluster,
  host: Host,
  role: string,
  env: Record<string, string>,
  options: { ready?: boolean; tag?: string; name?: string; opsPort?: number } = {},
): Promise<HostProcess> {
  const name = options.name ?? role;
  const opsPort = options.opsPort ?? OPS_PORT;
  const p = startOnHost(name, host, NODE[0]!, [...NODE.slice(1), "main.ts"], {
    ROLE: role,
    NODE_ID: `${name}${options.tag ? `-${options.tag}` : ""}`,
    OPS_HOST: host.ip,
    OPS_PORT: String(opsPort),
    OPS_TOKEN,
    LOG_LEVEL: "info",
    ...kafkaClientEnv(c),
    ...c.fleetEnv,
    ...env,
  }, join(c.dir, `${options.name ?? host.name}.log`));
  if (options.ready !== false) {
    await until(
      `${role} on ${host.name} ready`,
      async () => {
        if (p.proc.exitCode !== null) throw new Error(`${role} exited with ${p.proc.exitCode} (see ${host.name}.log)`);
        return (await ops(host, "/readyz", opsPort))?.["ready"] === true;
      },
      120_000,
      200,
    );
  }
  return p;
}

/**
 * Starts the broker host's node (the `broker` role), advertised on its bridge
 * address or on `advertise` (the slow link's relay, which forwards to it).
 */
export function startBroker(
  c: Omit<Cluster, "broker">,
  options: { ready?: boolean; advertise?: string } = {},
): Promise<HostProcess> {
  const host = c.net.hosts["broker"]!;
  return startNode(c as Cluster, host, "broker", {
    KAFKA_ADVERTISED_HOST: options.advertise ?? host.ip,
    KAFKA_PORT: String(KAFKA_PORT),
    KAFKA_CONTROLLER_PORT: String(KAFKA_PORT + 1),
    KAFKA_DATA_DIR: join(c.dir, "kafka"),
    KAFKA_BROKER_LISTENER: c.security ? "sasl_ssl" : "plaintext",
  }, { ...(options.ready !== undefined ? { ready: options.ready } : {}) });
}

/** The brokers' address as the other hosts reach it. */
export function brokersOf(net: Network): string[] {
  return [`${net.hosts["broker"]!.ip}:${KAFKA_PORT}`];
}

/** Starts (or restarts) PostgreSQL on the db host; resolves with its URL (reachable on that host only). */
export async function startDatabase(net: Network, dir: string): Promise<string> {
  const out = await runOnHost(net.hosts["db"]!, NODE[0]!, [
    ...NODE.slice(1),
    "node/cli/postgres.ts",
    "start",
    "--dir",
    dir,
  ]);
  const line = out.trim().split("\n").find((l) => l.startsWith("DATABASE_URL="));
  if (!line) throw new Error(`PostgreSQL did not start on the db host: ${out}`);
  return line.slice("DATABASE_URL=".length);
}

/** Stops PostgreSQL on the db host (fast shutdown). */
export async function stopDatabase(net: Network, dir: string): Promise<void> {
  await runOnHost(net.hosts["db"]!, NODE[0]!, [...NODE.slice(1), "node/cli/postgres.ts", "stop", "--dir", dir]);
}

/** One value from PostgreSQL on the db host (psql). */
export async function sqlValue(c: Cluster, query: string): Promise<number> {
  const out = await runOnHost(c.net.hosts["db"]!, "psql", [c.databaseUrl, "-tAc", query]);
  return Number(out.trim());
}

/** Dead letters in `topic`, counted by reason (reads the whole topic from the observer host). */
export async function deadLettersByReason(c: Cluster, topic: string): Promise<Record<string, number>> {
  const client = createKafkaClient({ ...observerConnection(c), brokers: c.brokers, clientId: "chaos-observer" });
  const counts: Record<string, number> = {};
  try {
    const total = recordsHeld(await client.topicOffsets(topic));
    if (total === 0) return counts;
    let seen = 0;
    const reader = await readTopicFromStart(client, topic, (r) => {
      const reason = r.headers["troupe-reason"] ?? "none";
      counts[reason] = (counts[reason] ?? 0) + 1;
      seen++;
    });
    try {
      await until(`${total} dead letters read`, () => seen >= total, 60_000, 50);
    } finally {
      await reader.stop();
    }
  } finally {
    await client.close();
  }
  return counts;
}
