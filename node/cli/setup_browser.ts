/**
 * `npm run setup:browser`: makes Debian's Chromium available for the browser tests
 * of the ops page (apt-get when missing; a second when it is there).
 */
import process from "node:process";
import { parseCli } from "./args.ts";

parseCli({
  name: "setup:browser",
  usage: `usage: npm run setup:browser

Makes Debian's Chromium available for the ops page's browser tests (apt-get when it
is missing). Takes no flags but --help.
`,
  options: {},
});
// Loaded once the flags are known: --help and a bad flag answer at once.
const { createLogger } = await import("../../system/mod.ts");
const { chromiumVersion, ensureChromium } = await import("../../infra/chromium.ts");
const log = createLogger({ fields: { script: "setup:browser" } });
try {
  const path = await ensureChromium(log);
  log.info("Chromium ready for the ops page tests", { path, version: await chromiumVersion(path) });
} catch (err) {
  log.error("setup:browser failed", { error: (err as Error).message });
  process.exit(1);
}
