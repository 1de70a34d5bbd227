/**
 * Debian packages the tests and tools need (Chromium, Prometheus): installed with
 * apt-get when the program is missing, like PostgreSQL.
 */
import { existsSync } from "node:fs";
import process from "node:process";
import type { Logger } from "../system/mod.ts";
import { InfraError } from "./errors.ts";
import { hasCommand, run } from "./process.ts";

/** Returns `path`, installing Debian's `pkg` first when it is missing. */
export async function ensureDebianPackage(pkg: string, path: string, log: Logger): Promise<string> {
  if (existsSync(path)) return path;
  if (!(await hasCommand("apt-get"))) {
    throw new InfraError(`${path} is missing and apt-get is missing too: install Debian's ${pkg} package`);
  }
  log.info(`installing Debian's ${pkg} package (apt-get)`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update", "-q"], { env });
  await run("apt-get", ["install", "-y", "-q", "--no-install-recommends", pkg], {
    env,
    onLine: (l) => l.startsWith(`Setting up ${pkg}`) && log.info(l),
  });
  if (!existsSync(path)) throw new InfraError(`apt-get installed ${pkg} but ${path} is missing`);
  return path;
}
