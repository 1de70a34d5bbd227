/**
 * `npm run setup:tfjs [-- --dir DIR] [--cache DIR] [--force]`:
 * makes the TensorFlow engine (`MODEL_ENGINE=tfjs`) available on this machine
 * from the npm registry and PyPI (see infra/tfjs_setup.ts). Idempotent; about a
 * minute the first time, a second after.
 */
import { join } from "node:path";
import process from "node:process";
import { parseCli } from "./args.ts";
import { createLogger } from "../../system/mod.ts";
import { troupeCacheDir } from "../../system/platform.ts";
import { setupTfjs } from "../../infra/mod.ts";
import { defaultTfjsDir } from "../../actors/inference/mod.ts";

const wheels = join(troupeCacheDir(), "wheels");

const { values } = parseCli({
  name: "setup:tfjs",
  usage: `usage: npm run setup:tfjs -- [--dir DIR] [--cache DIR] [--force]

Builds the TensorFlow engine (tfjs-node on libtensorflow) from the npm registry and
PyPI, then checks that it loads and computes. A second run takes seconds.

  --dir DIR     where to install it (default ${defaultTfjsDir()})
  --cache DIR   where downloaded wheels are kept (default ${wheels})
  --force       build again even when it is there
  --help        this text
`,
  options: {
    dir: { type: "string", default: defaultTfjsDir() },
    cache: { type: "string", default: wheels },
    force: { type: "boolean", default: false },
  },
});
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
