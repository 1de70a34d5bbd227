/**
 * A private local PostgreSQL cluster from Debian's `postgresql` package (installed
 * with apt-get when missing): its own data directory, a free port on 127.0.0.1,
 * trust auth on loopback only, a `troupe` role and database. Works as root (the
 * server runs as the `postgres` user).
 */
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import type { Logger } from "../system/mod.ts";
import { freePort, hasCommand, portInUse, run } from "./process.ts";
import { InfraError } from "./errors.ts";

/** A running local cluster. */
export interface LocalPostgres {
  /** The connection URL (`postgres://...` on loopback). */
  url: string;
  /** The port it listens on. */
  port: number;
  /** The cluster's data directory. */
  dataDir: string;
}

async function pgBin(log: Logger): Promise<string> {
  const find = () => {
    const root = "/usr/lib/postgresql";
    if (!existsSync(root)) return null;
    const versions = readdirSync(root).filter((v) => existsSync(join(root, v, "bin", "initdb"))).sort((a, b) =>
      Number(b) - Number(a)
    );
    return versions[0] ? join(root, versions[0], "bin") : null;
  };
  let bin = find();
  if (bin) return bin;
  if (!(await hasCommand("apt-get"))) {
    throw new InfraError("PostgreSQL is not installed and apt-get is missing: install PostgreSQL or set DATABASE_URL");
  }
  log.info("installing Debian's postgresql package (apt-get)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update", "-q"], { env });
  await run("apt-get", ["install", "-y", "-q", "postgresql"], {
    env,
    onLine: (l) => /^(Setting up|Unpacking) postgresql/.test(l) && log.info(l),
  });
  bin = find();
  if (!bin) throw new InfraError("apt-get installed postgresql but no initdb was found under /usr/lib/postgresql");
  return bin;
}

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return isRoot() ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
}

/** Starts (or finds running) the cluster in `dataDir`; resolves with its URL. */
export async function startPostgres(
  dataDir: string,
  log: Logger,
  options: { port?: number } = {},
): Promise<LocalPostgres> {
  const dir = resolve(dataDir);
  const stateFile = join(dir, "troupe-state.json");
  const bin = await pgBin(log);
  const pgdata = join(dir, "data");
  let previousPort: number | null = null;
  if (existsSync(stateFile)) {
    const st = JSON.parse(readFileSync(stateFile, "utf8")) as LocalPostgres;
    const status = await run(...asPostgres(join(bin, "pg_ctl"), ["status", "-D", pgdata]), { allowFail: true });
    if (status.code === 0) return st;
    // A restarted cluster keeps its URL when its old port is still free.
    if (!(await portInUse(st.port))) previousPort = st.port;
  }
  mkdirSync(dir, { recursive: true });
  // The postgres user must reach the data dir through every parent.
  for (let p = dir; p !== "/"; p = resolve(p, "..")) {
    try {
      chmodSync(p, (statSync(p).mode & 0o7777) | 0o755);
    } catch {
      break;
    }
  }
  if (isRoot()) await run("chown", ["-R", "postgres:postgres", dir]);
  if (!existsSync(join(pgdata, "PG_VERSION"))) {
    log.info("creating a private PostgreSQL cluster", { pgdata });
    await run(
      ...asPostgres(join(bin, "initdb"), ["-D", pgdata, "-U", "troupe", "--auth=trust", "-E", "UTF8", "--no-locale"]),
    );
  }
  const port = options.port ?? previousPort ?? await freePort();
  await run(
    ...asPostgres(join(bin, "pg_ctl"), [
      "start",
      "-w",
      "-t",
      "60",
      "-D",
      pgdata,
      "-l",
      join(dir, "postgres.log"),
      "-o",
      `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir}`,
    ]),
  );
  const psql = (args: string[]) =>
    run("psql", ["-h", "127.0.0.1", "-p", String(port), "-U", "troupe", "-d", "postgres", ...args]);
  const exists = await psql(["-tAc", "SELECT 1 FROM pg_database WHERE datname = 'troupe'"]);
  if (exists.stdout.trim() !== "1") {
    await psql(["-c", "CREATE DATABASE troupe"]);
  }
  const st: LocalPostgres = { url: `postgres://troupe@127.0.0.1:${port}/troupe`, port, dataDir: dir };
  writeFileSync(stateFile, JSON.stringify(st));
  log.info("PostgreSQL ready", { url: st.url });
  return st;
}

/** Stops the cluster in `dataDir` (fast mode). */
export async function stopPostgres(dataDir: string, log: Logger): Promise<void> {
  const dir = resolve(dataDir);
  const bin = await pgBin(log);
  await run(...asPostgres(join(bin, "pg_ctl"), ["stop", "-m", "fast", "-D", join(dir, "data")]), { allowFail: true });
}

/**
 * Sends `signal` to the cluster's postmaster and every backend it started: SIGSTOP
 * freezes the server (it answers nothing, and enforces no timeout of its own),
 * SIGCONT thaws it. For fault tests.
 */
export function signalPostgres(dataDir: string, signal: "SIGSTOP" | "SIGCONT"): number {
  const postmaster = Number(readFileSync(join(resolve(dataDir), "data", "postmaster.pid"), "utf8").split("\n")[0]);
  let children: number[] = [];
  try {
    children = execFileSync("pgrep", ["-P", String(postmaster)], { encoding: "utf8" }).split("\n").filter(Boolean)
      .map(Number);
  } catch { /* no backends */ }
  for (const pid of [postmaster, ...children]) process.kill(pid, signal);
  return 1 + children.length;
}
