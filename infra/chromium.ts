/**
 * Debian's Chromium for the browser tests of the ops page (installed with apt-get
 * when missing, like PostgreSQL): its path, and the flags a headless run needs on
 * a machine with no internet (without the background-networking flags Chromium
 * keeps trying to reach Google's hosts at every start).
 */
import type { Logger } from "../system/mod.ts";
import { ensureDebianPackage } from "./debian.ts";
import { run } from "./process.ts";

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
export function ensureChromium(log: Logger): Promise<string> {
  return ensureDebianPackage("chromium", CHROMIUM_PATH, log);
}

/** Chromium's version line (`Chromium 156.0...`). */
export async function chromiumVersion(path = CHROMIUM_PATH): Promise<string> {
  const r = await run(path, ["--version"]);
  return r.stdout.trim();
}
