/**
 * Debian's Chromium for the browser tests of the ops page (installed with apt-get
 * when missing, like PostgreSQL): its path, and the flags a headless run needs on
 * a machine with no internet (without the background-networking flags Chromium
 * keeps trying to reach Google's hosts at every start).
 */
import { existsSync } from "node:fs";
import process from "node:process";
import type { Logger } from "../system/mod.ts";
import { InfraError } from "./errors.ts";
import { hasCommand, run } from "./process.ts";

/** Where Debian's package puts it. */
export const CHROMIUM_PATH = "/usr/bin/chromium";

/** Flags for a headless run as root on a closed network. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--disable-dev-shm-usage",
];

/** Returns Chromium's path, installing Debian's `chromium` package first when it is missing. */
export async function ensureChromium(log: Logger): Promise<string> {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  if (!(await hasCommand("apt-get"))) {
    throw new InfraError(
      `Chromium is not at ${CHROMIUM_PATH} and apt-get is missing: install Debian's chromium package`,
    );
  }
  log.info("installing Debian's chromium package (apt-get)");
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  await run("apt-get", ["update", "-q"], { env });
  await run("apt-get", ["install", "-y", "-q", "chromium"], {
    env,
    onLine: (l) => /^Setting up chromium/.test(l) && log.info(l),
  });
  if (!existsSync(CHROMIUM_PATH)) throw new InfraError(`apt-get installed chromium but ${CHROMIUM_PATH} is missing`);
  return CHROMIUM_PATH;
}

/** Chromium's version line (`Chromium 156.0...`). */
export async function chromiumVersion(path = CHROMIUM_PATH): Promise<string> {
  const r = await run(path, ["--version"]);
  return r.stdout.trim();
}
