/**
 * `npm test [-- tap flags] [test/x/y.test.ts ...]`: makes the tests' build of the current sources
 * (tools/build.ts: tsc without a type check into `.troupe/build/<hash>`, once per
 * change) and runs tap over its test files, `test/{unit,integration,e2e,examples}` (or
 * only the ones named by their source path),
 * with plain Node and source maps (stack traces name the `.ts` lines): each test file,
 * each node it starts and each worker thread then loads JavaScript instead of going
 * through tsx's hooks, and the processes a test starts go without tap's process
 * tracking (test/helpers/untracked_children.mjs). tap's runner is built for .taprc's plugins first, once per
 * install (tools/tap_build.ts). `npx tap test/x.test.ts` still runs one file from its source (tsx, from .taprc).
 */
import { spawn } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import process from "node:process";
import { pathToFileURL } from "node:url";
import { ensureBuild, ROOT } from "./build.ts";
import { ensureTapBuilt } from "./tap_build.ts";

const GROUPS = ["test/unit", "test/integration", "test/e2e", "test/examples"];

function testFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).sort().flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return testFiles(path);
    return name.endsWith(".test.js") ? [path] : [];
  });
}

const t0 = Date.now();
const build = await ensureBuild();
// Test files named on the command line (by their source path) narrow the run; other arguments go to tap.
const args = process.argv.slice(2);
const named = args.filter((a) => /\.test\.ts$/.test(a));
const all = GROUPS.flatMap((g) => testFiles(join(build, g))).map((f) => relative(ROOT, f));
const files = named.length === 0 ? all : named.map((n) => {
  const built = relative(ROOT, join(build, n.replace(/\.ts$/, ".js")));
  if (!all.includes(built)) throw new Error(`test: no test file ${n} (the tests are under ${GROUPS.join(", ")})`);
  return built;
});
process.stderr.write(
  `test: ${files.length} test files from ${relative(ROOT, build)} (built or found in ${
    ((Date.now() - t0) / 1000).toFixed(1)
  } s)\n`,
);
ensureTapBuilt(ROOT, (line) => process.stderr.write(line));
const tap = join(ROOT, "node_modules", ".bin", "tap");
// Node arguments given here replace .taprc's (tsx is not needed for JavaScript); see untracked_children.mjs.
const untracked = `--node-arg=--import=${pathToFileURL(join(ROOT, "test/helpers/untracked_children.mjs")).href}`;
const child = spawn(tap, [
  "--node-arg=--enable-source-maps",
  untracked,
  ...args.filter((a) => !named.includes(a)),
  ...files,
], {
  cwd: ROOT,
  stdio: "inherit",
});
for (const signal of ["SIGINT", "SIGTERM"] as const) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
