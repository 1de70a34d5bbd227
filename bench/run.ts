/**
 * `npm run bench [-- --full] [-- --stages producer,sink] [-- --baseline <git rev>]`: each
 * stage of the pipeline measured beside its anchor in the same run, rounds
 * alternating, medians and ratios reported. `--baseline` adds the runtime of
 * another commit (its `system/`, taken with `git archive`) as a side of the runtime
 * stage, so a change's cost is measured in one run. Writes
 * bench/results/latest.{json,md,svg}.
 */
import { mkdir, writeFile } from "node:fs/promises";
import process from "node:process";
import { parseCli } from "../node/cli/args.ts";
import type { benchContext } from "./_context.ts";
import { type StageResult, stageResult } from "./_stats.ts";
import { renderMarkdown, renderSvg } from "./report.ts";
import { machineInfo } from "../infra/cpu.ts";
import { checkoutRuntime } from "./_baseline.ts";
import { gitCommit } from "../infra/git.ts";

type Ctx = Awaited<ReturnType<typeof benchContext>>;

/** The slowest stage measured so far, in images (or rows) per second. */
function slowest(results: StageResult[]): { stage: string; rate: number } | null {
  const rates = results.flatMap((s) => {
    if (s.stage === "inference, onnx fp32") {
      return [{ stage: "inference via Kafka", rate: s.extra["viaKafkaImagesPerS"] as number }];
    }
    return s.stage === "producer" || s.stage === "sink" ? [{ stage: s.stage, rate: s.troupe.median }] : [];
  });
  return rates.length ? rates.reduce((a, b) => (b.rate < a.rate ? b : a)) : null;
}

const STAGES: Record<string, (ctx: Ctx, done: StageResult[]) => Promise<StageResult | StageResult[]>> = {
  // Each stage's module is loaded when it runs: --help answers at once, and a stage loads only what it measures.
  runtime: async (ctx) => (await import("./runtime.ts")).benchRuntime(ctx),
  producer: async (ctx) => (await import("./producer.ts")).benchProducer(ctx),
  sink: async (ctx) => (await import("./sink.ts")).benchSink(ctx),
  deno: async (ctx) => (await import("./kafka_clients_deno.ts")).benchKafkaClientsDeno(ctx),
  inference: async (ctx) => (await import("./inference.ts")).benchInference(ctx),
  e2e: async (ctx, done) => (await import("./end_to_end.ts")).benchEndToEnd(ctx, slowest(done)),
  overload: async (ctx, done) =>
    (await import("./overload.ts")).benchOverload(
      ctx,
      done.find((s) => s.stage === "end to end")?.troupe.median ?? slowest(done)?.rate ?? 10,
    ),
};

// libtensorflow (the tfjs engine) logs to stderr unless told not to.
process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
const { values } = parseCli({
  name: "bench",
  usage: `usage: npm run bench -- [--full] [--stages a,b] [--out DIR] [--baseline REV]

Measures each stage of the pipeline beside its anchor in one run, rounds
alternating; writes DIR/latest.{json,md,svg}.

  --full          the full run (more rounds and records) instead of the quick one
  --stages a,b    only these stages: ${Object.keys(STAGES).join(", ")}
  --out DIR       where results go (default bench/results)
  --baseline REV  also run the runtime stage on another commit's system/
  --help          this text
`,
  options: {
    full: { type: "boolean" },
    stages: { type: "string" },
    out: { type: "string" },
    baseline: { type: "string" },
  },
});
if (values.baseline) process.env["BENCH_RUNTIME_BASELINE"] = await checkoutRuntime(values.baseline);
const mode = values.full ? "full" : "quick";
const wanted = values.stages ? values.stages.split(",") : Object.keys(STAGES);
const ctx = await (await import("./_context.ts")).benchContext(mode, process.env);
ctx.say(`${mode} mode; stages ${wanted.join(", ")}; ${ctx.rounds} rounds per side, alternating`);
const started = new Date();
// Read at the start: the code measured is the code checked out when the run began.
const commit = await gitCommit();
const results: StageResult[] = [];
for (const name of wanted) {
  const stage = STAGES[name];
  if (!stage) throw new Error(`unknown stage '${name}': stages are ${Object.keys(STAGES).join(", ")}`);
  ctx.say(`stage ${name}`);
  try {
    results.push(...[await stage(ctx, results)].flat());
  } catch (err) {
    // One stage's failure is reported with the others' figures, and fails the run.
    ctx.say(`stage ${name} failed: ${(err as Error).stack ?? String(err)}`);
    results.push({
      ...stageResult({ stage: name, unit: "", troupe: ["not measured", []], anchor: null, target: null }),
      met: false,
      extra: { verdict: `the stage failed: ${(err as Error).message}` },
    });
  }
}
const machine = machineInfo();
const report = {
  mode,
  commit,
  started: started.toISOString(),
  finished: new Date().toISOString(),
  machine,
  results,
};
const dir = values.out ?? "bench/results";
// The runtime stage alone has its own report, so a pipeline run's figures stay.
const base = wanted.length === 1 && wanted[0] === "runtime" ? "runtime" : "latest";
await mkdir(dir, { recursive: true });
await writeFile(`${dir}/${base}.json`, JSON.stringify(report, null, 2) + "\n");
await writeFile(`${dir}/${base}.md`, renderMarkdown(report));
await writeFile(`${dir}/${base}.svg`, renderSvg(report));
process.stdout.write("\n" + renderMarkdown(report));
ctx.say(`wrote ${dir}/${base}.json, ${base}.md, ${base}.svg`);
// A bound the run checks (the overload stage's) that did not hold fails the run.
const broken = results.filter((r) => r.target === null && r.met === false);
for (const r of broken) ctx.say(`FAILED: ${r.stage}: ${String(r.extra["verdict"] ?? "its check did not hold")}`);
process.exit(broken.length ? 1 : 0);
