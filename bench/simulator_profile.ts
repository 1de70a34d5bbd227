/**
 * `npm run profile:simulator`: where the simulator's CPU goes per image. Runs
 * `npm run simulate` (full speed, N images) under V8's CPU profiler, every thread
 * (the main thread: dataset, cameras, producer; the encoder threads: PNG, sha256,
 * base64, envelope), sorts each sample into a category, and writes
 * DIR/simulator_profile.{json,md,svg}: microseconds of CPU per image by category,
 * with the commit, date, CPU and flags, and the ceiling each set of costs implies
 * on this machine's cores. Needs a broker: KAFKA_BROKERS (as `npm run simulate`).
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseCli } from "../node/cli/args.ts";
import { machineInfo } from "../infra/cpu.ts";
import { gitCommit } from "../infra/git.ts";
import {
  type CpuProfile,
  profileCategories,
  type ProfileReport,
  renderProfileMarkdown,
  renderProfileSvg,
} from "./_profile.ts";

const { values } = parseCli({
  name: "profile:simulator",
  usage: `usage: npm run profile:simulator -- [--count N] [--out DIR]

Runs the simulator at full speed under V8's CPU profiler (every thread) against
KAFKA_BROKERS and writes DIR/simulator_profile.{json,md,svg}: CPU per image by
category (PNG deflate, sha256, base64, envelope, Kafka client, threads' messages,
garbage collection, ...).

  --count N   images to send (default 60000)
  --out DIR   where the results go (default bench/results)
  --help      this text
`,
  options: { count: { type: "string", default: "60000" }, out: { type: "string", default: "bench/results" } },
});

const count = Number(values.count);
if (!Number.isInteger(count) || count < 1000) {
  console.error(`profile:simulator: --count must be a whole number of at least 1000: got '${values.count}'`);
  process.exit(2);
}
if (!process.env["KAFKA_BROKERS"]) {
  console.error("profile:simulator: KAFKA_BROKERS is not set: start a broker (npm run kafka -- start) and export it");
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), "troupe-profile-"));
const commit = await gitCommit();
const started = new Date();
const topic = `troupe.profile.${Date.now().toString(36)}`;
const say = (line: string) => process.stderr.write(`profile:simulator: ${line}\n`);
say(`sending ${count} images to ${topic} under the CPU profiler (profiles in ${dir})`);
let summary = "";
const code = await new Promise<number | null>((resolve) => {
  const child = spawn(
    process.execPath,
    [
      "--cpu-prof",
      "--cpu-prof-dir",
      dir,
      "--import",
      "tsx",
      "node/cli/simulate.ts",
      "--count",
      String(count),
      "--rate",
      "0",
      "--topic",
      topic,
      "--ops-port",
      "0",
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  // The simulator's own progress and summary, passed on; its summary line kept for the report.
  const watch = (to: NodeJS.WriteStream) => (c: Buffer) => {
    const text = c.toString();
    to.write(text);
    const m = /simulate: sent [^\n]*/.exec(text);
    if (m) summary = m[0].replace(/^simulate: /, "");
  };
  child.stdout.on("data", watch(process.stdout));
  child.stderr.on("data", watch(process.stderr));
  child.once("exit", resolve);
});
if (code !== 0) {
  say(`the simulator exited with ${code}`);
  process.exit(1);
}
const profiles = readdirSync(dir).filter((f) => f.endsWith(".cpuprofile")).map((f) =>
  JSON.parse(readFileSync(join(dir, f), "utf8")) as CpuProfile
);
rmSync(dir, { recursive: true, force: true });
const report: ProfileReport = {
  commit,
  started: started.toISOString(),
  machine: machineInfo(),
  images: count,
  simulator: summary,
  threads: profiles.length,
  categories: profileCategories(profiles, count),
};
mkdirSync(values.out!, { recursive: true });
const base = join(values.out!, "simulator_profile");
writeFileSync(`${base}.json`, JSON.stringify(report, null, 2) + "\n");
writeFileSync(`${base}.md`, renderProfileMarkdown(report));
writeFileSync(`${base}.svg`, renderProfileSvg(report));
process.stdout.write(renderProfileMarkdown(report));
say(`wrote ${base}.{json,md,svg}`);
