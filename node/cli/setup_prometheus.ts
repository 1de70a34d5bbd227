/**
 * `npm run setup:prometheus`: makes Debian's Prometheus (and promtool) available for
 * the fleet's service-discovery test and the alert rules' check (apt-get when
 * missing; a second when it is there).
 */
import process from "node:process";
import { parseCli } from "./args.ts";

parseCli({
  name: "setup:prometheus",
  usage: `usage: npm run setup:prometheus

Makes Debian's Prometheus and promtool available for the fleet's tests (apt-get when
they are missing) and checks the sample alert rules (ops/prometheus/troupe_alerts.yml)
with promtool. Takes no flags but --help.
`,
  options: {},
});
// Loaded once the flags are known: --help and a bad flag answer at once.
const { createLogger } = await import("../../system/mod.ts");
const { checkPrometheusRules, ensurePrometheus } = await import("../../infra/prometheus.ts");
const log = createLogger({ fields: { script: "setup:prometheus" } });
try {
  const path = await ensurePrometheus(log);
  const rules = new URL("../../ops/prometheus/troupe_alerts.yml", import.meta.url).pathname;
  log.info("Prometheus ready for the fleet's tests", { path, rules: await checkPrometheusRules(rules, log) });
} catch (err) {
  log.error("setup:prometheus failed", { error: (err as Error).message });
  process.exit(1);
}
