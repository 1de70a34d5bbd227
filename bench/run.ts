/**
 * `npm run bench [-- --full] [-- --stages producer,sink]`: each stage of the
 * pipeline measured beside its anchor in the same run, rounds alternating, medians
 * and ratios reported. Writes bench/results/latest.{json,md,svg}.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, totalmem } from "node:os";
import process from "node:process";
import { parseArgs } from "node:util";
import { benchContext } from "./_context.ts";
import type { StageResult } from "./_stats.ts";
import { benchProducer } from "./producer.ts";
import { benchSink } from "./sink.ts";
import { benchInference } from "./inference.ts";
import { renderMarkdown, renderSvg } from "./report.ts";

const STAGES: Record<string, (ctx: Awaited<ReturnType<typeof benchContext>>) => Promise<StageResult>> = {
  producer: benchProducer,
  sink: benchSink,
  inference: benchInference,
};

const { values } = parseArgs({ options: { full: { type: "boolean" }, stages: { type: "string" }, out: { type: "string" } } });
const mode = values.full ? "full" : "quick";
const wanted = values.stages ? values.stages.split(",") : Object.keys(STAGES);
const ctx = await benchContext(mode, process.env);
ctx.say(`${mode} mode; stages ${wanted.join(", ")}; ${ctx.rounds} rounds per side, alternating`);
const started = new Date();
const results: StageResult[] = [];
for (const name of wanted) {
  const stage = STAGES[name];
  if (!stage) throw new Error(`unknown stage '${name}': stages are ${Object.keys(STAGES).join(", ")}`);
  ctx.say(`stage ${name}`);
  results.push(await stage(ctx));
}
const machine = { cores: availableParallelism(), cpu: cpus()[0]?.model ?? "unknown", memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version };
const report = { mode, started: started.toISOString(), finished: new Date().toISOString(), machine, results };
const dir = values.out ?? "bench/results";
await mkdir(dir, { recursive: true });
await writeFile(`${dir}/latest.json`, JSON.stringify(report, null, 2) + "\n");
await writeFile(`${dir}/latest.md`, renderMarkdown(report));
await writeFile(`${dir}/latest.svg`, renderSvg(report));
process.stdout.write("\n" + renderMarkdown(report));
ctx.say(`wrote ${dir}/latest.json, latest.md, latest.svg`);
process.exit(0);
