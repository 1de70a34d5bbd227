/**
 * `npm run setup:tfjs [-- --dir .troupe/engines/tfjs] [--cache .troupe/cache/wheels] [--force]`:
 * makes the TensorFlow engine (`MODEL_ENGINE=tfjs`) available on this machine
 * from the npm registry and PyPI (see infra/tfjs_setup.ts). Idempotent; about a
 * minute the first time, a second after.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { createLogger } from "../../system/mod.ts";
import { setupTfjs } from "../../infra/mod.ts";
import { DEFAULT_TFJS_DIR } from "../../actors/inference/mod.ts";

const { values } = parseArgs({
  options: {
    dir: { type: "string", default: DEFAULT_TFJS_DIR },
    cache: { type: "string", default: ".troupe/cache/wheels" },
    force: { type: "boolean", default: false },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log("usage: npm run setup:tfjs [-- --dir DIR] [--cache DIR] [--force]");
  process.exit(0);
}
const log = createLogger({ fields: { script: "setup:tfjs" } });
const t0 = Date.now();
try {
  const r = await setupTfjs({
    dir: values.dir!,
    cacheDir: values.cache!,
    force: values.force!,
    progress: (line) => log.info(line),
  });
  log.info("TensorFlow engine ready: MODEL_ENGINE=tfjs", {
    dir: r.dir,
    tfjsNode: r.tfjsNode,
    tensorflow: r.tensorflow,
    steps: r.done.join(",") || "none (already set up)",
    seconds: Math.round((Date.now() - t0) / 100) / 10,
  });
} catch (err) {
  log.error("setup:tfjs failed", { error: (err as Error).message });
  process.exit(1);
}
