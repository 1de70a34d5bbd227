/**
 * `npm run quantize [-- --model PATH] [--out PATH] [--force]`: a static INT8
 * quantization of an ONNX classifier (default MODEL_PATH, else the generated
 * ResNet50), calibrated and compared on the configured dataset, with its fidelity
 * report. Refuses (exit 1, nothing written) below INT8_MIN_COSINE or
 * INT8_MIN_TOP1 unless --force. Settings come from the environment, as for a node
 * (MODEL_INPUT_SIZE, MODEL_LAYOUT, DATASET_DIR, INT8_*; see --help of main.ts).
 */
import process from "node:process";
import { parseCli } from "./args.ts";

const { values } = parseCli({
  name: "quantize",
  usage: `usage: npm run quantize -- [--model model.onnx] [--out model.int8.onnx] [--force]

Quantizes an ONNX classifier to INT8 (static, calibrated on the configured dataset)
and reports its fidelity against the fp32 model; refuses below INT8_MIN_COSINE /
INT8_MIN_TOP1 unless --force.

  --model F   the fp32 model (default MODEL_PATH, or the generated ResNet50)
  --out F     where to write it (default beside the model)
  --force     write it even when its fidelity is below the thresholds
  --help      this text
`,
  options: {
    model: { type: "string" },
    out: { type: "string" },
    force: { type: "boolean", default: false },
  },
});
// Loaded once the flags are known: --help and a bad flag answer at once.
const { ensureResNet50, QuantizationRefused } = await import("../../actors/inference/mod.ts");
const { createLogger } = await import("../../system/mod.ts");
const { loadConfig } = await import("../config.ts");
const { ensureInt8Model } = await import("../int8_model.ts");
const log = createLogger({ fields: { script: "quantize" } });
try {
  const config = loadConfig({ env: { ...process.env, ROLE: "inference", KAFKA_BROKERS: "unused:9092" } });
  const source = values.model ?? config.inference.modelPath ??
    (await ensureResNet50(config.inference.modelDir, 1)).path;
  log.info("quantizing to INT8", { source, int8: config.inference.int8 });
  const q = await ensureInt8Model(source, {
    config,
    log,
    force: values.force!,
    progress: (line) => log.info(line),
    ...(values.out ? { out: values.out } : {}),
  });
  log.info(q.generated ? "done" : "done: the INT8 model was already made (cached)", {
    path: q.path,
    report: `${q.path}.json`,
    reduceRange: q.reduceRange,
    belowThreshold: q.belowThreshold,
    ...q.report,
  });
  process.stdout.write(`${JSON.stringify({ path: q.path, reduceRange: q.reduceRange, ...q.report })}\n`);
} catch (err) {
  if (err instanceof QuantizationRefused) {
    log.error("refused", { error: err.message, ...err.report });
    process.exit(1);
  }
  log.error("quantize failed", { error: (err as Error).message });
  process.exit(1);
}
