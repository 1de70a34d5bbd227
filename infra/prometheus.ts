/**
 * Debian's Prometheus for the fleet's tests and for trying the fleet's service
 * discovery by hand: installed with apt-get when missing; a server of one's own on a
 * loopback port with a given configuration (its data in a directory of its own);
 * `promtool check rules` for the sample alert rules.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../system/mod.ts";
import { ensureDebianPackage } from "./debian.ts";
import { InfraError } from "./errors.ts";
import { freePort, run } from "./process.ts";

/** Where Debian's package puts them. */
export const PROMETHEUS_PATH = "/usr/bin/prometheus";
export const PROMTOOL_PATH = "/usr/bin/promtool";

/** Returns Prometheus's path, installing Debian's `prometheus` package first when it is missing. */
export function ensurePrometheus(log: Logger): Promise<string> {
  return ensureDebianPackage("prometheus", PROMETHEUS_PATH, log);
}

/** `promtool check rules <file>`: resolves with its report, rejects naming what is wrong. */
export async function checkPrometheusRules(file: string, log: Logger): Promise<string> {
  await ensurePrometheus(log);
  const r = await run(PROMTOOL_PATH, ["check", "rules", file], { allowFail: true });
  if (r.code !== 0) throw new InfraError(`promtool check rules ${file} failed: ${(r.stdout + r.stderr).trim()}`);
  return r.stdout.trim();
}

/** A running Prometheus. */
export interface LocalPrometheus {
  /** `http://127.0.0.1:<port>`. */
  url: string;
  /** Stops it (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
}

/** Options of {@link startPrometheus}. */
export interface StartPrometheusOptions {
  /** Its configuration (prometheus.yml's text). */
  config: string;
  /** Rule files to copy beside the configuration (name -> text), listed in it as `rule_files`. */
  rules?: Record<string, string>;
  /** Its own directory (configuration and data). */
  dir: string;
  log: Logger;
}

/** Starts Prometheus on a free loopback port and waits until it says it is ready. */
export async function startPrometheus(options: StartPrometheusOptions): Promise<LocalPrometheus> {
  const bin = await ensurePrometheus(options.log);
  await mkdir(join(options.dir, "data"), { recursive: true });
  for (const [name, text] of Object.entries(options.rules ?? {})) await writeFile(join(options.dir, name), text);
  const configFile = join(options.dir, "prometheus.yml");
  await writeFile(configFile, options.config);
  // A port free a moment ago can be taken before Prometheus binds it: a second try takes another.
  for (let attempt = 1;; attempt++) {
    const port = await freePort();
    const proc = spawn(bin, [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(options.dir, "data")}`,
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ], { stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    proc.stderr!.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    const url = `http://127.0.0.1:${port}`;
    const ready = await waitReady(proc, url);
    if (ready) {
      options.log.info("Prometheus ready", { url, dir: options.dir });
      return { url, stop: () => stopProcess(proc) };
    }
    await stopProcess(proc);
    if (attempt >= 3 || !/address already in use/.test(stderr)) {
      throw new InfraError(`Prometheus did not start: ${stderr.trim() || `exit ${proc.exitCode}`}`);
    }
  }
}

async function waitReady(proc: ChildProcess, url: string): Promise<boolean> {
  const end = Date.now() + 60_000;
  while (Date.now() < end) {
    if (proc.exitCode !== null || proc.signalCode !== null) return false;
    const r = await fetch(`${url}/-/ready`).catch(() => null);
    if (r?.status === 200) return true;
    await new Promise((res) => setTimeout(res, 100));
  }
  return false;
}

async function stopProcess(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((res) => proc.once("exit", () => res()));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  await exited;
  clearTimeout(timer);
}
