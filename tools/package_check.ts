/**
 * `npm run check:package`: troupe as its users get it. Packs the package (`npm pack`,
 * whose `prepack` builds `dist/` with declarations), checks what the tarball holds,
 * installs it into a scratch ESM project with no TypeScript tooling and nothing but
 * the npm registry, and runs a small service there (test/consumer/service.mjs) on
 * each runtime: the machine's Node, Node 22 and Node 24 (the npm registry's `node`
 * package, cached under `.troupe/node-versions/`) and Deno. The service answers a
 * route, says which optional packages its capabilities missed, and stops with exit 0
 * on SIGTERM. test/consumer/typed.ts is type-checked against the package's `.d.ts`.
 * With KAFKA_BROKERS and DATABASE_URL set, test/consumer/kafka_db.mjs also runs on
 * the machine's Node with @platformatic/kafka and postgres installed.
 */
import { spawn } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { run } from "../infra/process.ts";
import { parseCli } from "../node/cli/args.ts";
import { ROOT } from "./build.ts";
import { nodeOf } from "./node_version.ts";

const USAGE = `usage: npm run check:package -- [--runtimes node20,node22,node24,deno] [--keep]

Packs troupe, installs the tarball into a scratch project (plain ESM JavaScript, the npm
registry only, no optional packages) and runs test/consumer/service.mjs on each runtime:
a supervised counter behind its own route, the errors of capabilities whose packages are
missing, exit 0 on SIGTERM. Also type-checks test/consumer/typed.ts against the .d.ts files.
Node 22 and 24 come from the npm registry's 'node' package (cached in .troupe/node-versions).
With KAFKA_BROKERS and DATABASE_URL set, installs @platformatic/kafka and postgres and runs
test/consumer/kafka_db.mjs against those servers (Kafka to PostgreSQL, offsets committed).

  --runtimes LIST   which runtimes (default node20,node22,node24,deno; node20 is the machine's node)
  --keep            keep the scratch project (its path is printed)
  --help            this text
`;

/** Packages the scratch project must not get: the optional peers and anything heavy. */
const NOT_INSTALLED = [
  "kafkajs",
  "@platformatic/kafka",
  "postgres",
  "onnxruntime-node",
  "onnx-proto",
  "protobufjs",
  "@electric-sql/pglite",
  "@electric-sql/pglite-socket",
  "tsx",
];
/** What each capability's error must name when its package is missing (service.mjs's `missing`). */
const MISSING: Record<string, string> = {
  "troupe/db": "postgres",
  "troupe/kafka": "@platformatic/kafka",
  "troupe/inference": "onnx-proto",
};
const SUBPATHS = [
  "system",
  "protocols",
  "ops",
  "kafka",
  "db",
  "db-kafka",
  "simulator",
  "inference",
  "inference-kafka",
  "broker",
];

const say = (line: string) => process.stderr.write(`check:package: ${line}\n`);
const npm = process.platform === "win32" ? "npm.cmd" : "npm";

function fail(message: string): never {
  say(`FAILED: ${message}`);
  process.exit(1);
}

/** The tarball's file list (`npm pack --dry-run --json` gives the same as the pack itself). */
async function pack(into: string): Promise<{ tarball: string; files: string[] }> {
  say("npm pack (prepack builds dist/ with declarations) ...");
  const r = await run(npm, ["pack", "--json", "--pack-destination", into], { cwd: ROOT });
  const [info] = JSON.parse(r.stdout.slice(r.stdout.indexOf("["))) as {
    filename: string;
    files: { path: string }[];
    size: number;
    unpackedSize: number;
  }[];
  if (!info) fail("npm pack printed no result");
  say(`${info.filename}: ${info.files.length} files, ${(info.size / 1e6).toFixed(1)} MB packed`);
  return { tarball: join(into, info.filename), files: info.files.map((f) => f.path) };
}

/** What the tarball must and must not hold. */
function checkContents(files: string[]): void {
  const problems: string[] = [];
  for (const sub of SUBPATHS) {
    const dir = sub === "inference-kafka" || sub === "db-kafka"
      ? `actors/${sub.replace("-", "_")}`
      : ["system", "protocols", "ops"].includes(sub)
      ? sub
      : `actors/${sub}`;
    for (const ext of ["js", "d.ts"]) {
      if (!files.includes(`dist/${dir}/mod.${ext}`)) problems.push(`no dist/${dir}/mod.${ext} (troupe/${sub})`);
    }
  }
  if (!files.some((f) => f.startsWith("dist/sql/"))) problems.push("no dist/sql/ (the migrations)");
  if (!files.includes("LICENSE")) problems.push("no LICENSE");
  const stray = files.filter((f) =>
    /(^|\/)test\//.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts")) || f.startsWith(".troupe/")
  );
  if (stray.length > 0) problems.push(`files a user does not need: ${stray.slice(0, 5).join(", ")}`);
  if (problems.length > 0) fail(`the tarball: ${problems.join("; ")}`);
  say("tarball: JavaScript and declarations for every subpath, the migrations, the LICENSE, no sources or tests");
}

/** Runs the service with `argv` in `cwd`, asks its route twice, stops it with SIGTERM; returns what it said. */
async function runService(label: string, argv: string[], cwd: string): Promise<void> {
  const child = spawn(argv[0]!, argv.slice(1), { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env } });
  let out = "";
  let err = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString()));
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  const ready = await new Promise<{ ready: string; missing: Record<string, string> } | undefined>((resolve) => {
    const look = () => {
      const line = out.split("\n").find((l) => l.startsWith('{"ready"'));
      if (line) resolve(JSON.parse(line));
    };
    child.stdout.on("data", look);
    void exited.then(() => resolve(undefined));
  });
  if (!ready) fail(`${label}: the service exited before it was ready:\n${err.trim().slice(-1500)}`);
  for (const [subpath, pkg] of Object.entries(MISSING)) {
    const said = ready.missing[subpath] ?? "nothing";
    if (!said.startsWith(`${pkg}: `) || !said.includes(`npm install ${pkg}@`)) {
      child.kill("SIGKILL");
      fail(`${label}: ${subpath} without ${pkg} should name it: got ${said}`);
    }
  }
  const first = await (await fetch(`${ready.ready}?add=2`)).json() as { n: number };
  const second = await (await fetch(`${ready.ready}?add=3`)).json() as { n: number };
  if (first.n !== 2 || second.n !== 5) fail(`${label}: the counter answered ${first.n}, ${second.n} (expected 2, 5)`);
  child.kill("SIGTERM");
  const code = await exited;
  if (code !== 0 || !out.includes('{"stopped":"SIGTERM"}')) {
    fail(`${label}: SIGTERM ended the service with ${code} (expected 0 after its stop):\n${err.trim().slice(-1500)}`);
  }
  say(`${label}: route answered 2 then 5; missing packages named (${Object.values(MISSING).join(", ")}); exit 0`);
}

const { values } = parseCli({
  name: "check:package",
  usage: USAGE,
  options: {
    runtimes: { type: "string", default: "node20,node22,node24,deno" },
    keep: { type: "boolean", default: false },
  },
});
const runtimes = values.runtimes!.split(",").map((r) => r.trim()).filter(Boolean);
for (const r of runtimes) {
  if (!/^node\d+$|^deno$/.test(r)) fail(`--runtimes: '${r}' is neither nodeNN nor deno`);
}
const scratch = mkdtempSync(join(tmpdir(), "troupe-consumer-"));
try {
  const { tarball, files } = await pack(scratch);
  checkContents(files);
  const project = join(scratch, "service");
  mkdirSync(project);
  writeFileSync(
    join(project, "package.json"),
    JSON.stringify({ name: "troupe-consumer", private: true, type: "module" }, null, 2),
  );
  copyFileSync(join(ROOT, "test", "consumer", "service.mjs"), join(project, "service.mjs"));
  say("npm install <tarball> into a plain ESM project (no .npmrc, no TypeScript) ...");
  await run(npm, ["install", "--no-audit", "--no-fund", tarball], { cwd: project, env: cleanNpmEnv() });
  const installed = NOT_INSTALLED.filter((p) => existsSync(join(project, "node_modules", p)));
  if (installed.length > 0) fail(`installing troupe pulled optional or heavy packages: ${installed.join(", ")}`);
  const count = readdirSync(join(project, "node_modules")).filter((n) => !n.startsWith(".")).length;
  say(`installed: troupe and ${count - 1} packages (none of ${NOT_INSTALLED.join(", ")})`);
  for (const r of runtimes) {
    if (r === "deno") {
      const deno = join(ROOT, "node_modules", ".bin", "deno");
      await runService("deno", [deno, "run", "-A", "service.mjs"], project);
    } else {
      const node = await nodeOf(Number(r.slice(4)), say);
      const version = (await run(node, ["--version"])).stdout.trim();
      await runService(`node ${version}`, [node, "service.mjs"], project);
    }
  }
  // Installing the package an error named makes the capability load.
  await run(npm, ["install", "--no-audit", "--no-fund", "postgres@^4.2.0"], { cwd: project, env: cleanNpmEnv() });
  const db = await run(process.execPath, [
    "--input-type=module",
    "-e",
    'const db = await import("troupe/db"); console.log(typeof db.connectPostgres("postgres://x@127.0.0.1:9/x"));',
  ], { cwd: project, allowFail: true });
  if (db.stdout.trim() !== "function") fail(`troupe/db with postgres installed: ${db.stderr.trim() || db.stdout}`);
  say("with postgres installed, troupe/db loads");
  if (process.env["KAFKA_BROKERS"] && process.env["DATABASE_URL"]) await kafkaToPostgres(project);
  else say("KAFKA_BROKERS and DATABASE_URL not set: the Kafka-to-PostgreSQL service skipped (CI sets them)");
  // The declarations: a TypeScript consumer (its own typescript and @types/node) type-checks against them.
  copyFileSync(join(ROOT, "test", "consumer", "typed.ts"), join(project, "typed.ts"));
  copyFileSync(join(ROOT, "test", "consumer", "tsconfig.json"), join(project, "tsconfig.json"));
  await run(npm, ["install", "--no-audit", "--no-fund", "--save-dev", "@types/node@20"], {
    cwd: project,
    env: cleanNpmEnv(),
  });
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const checked = await run(process.execPath, [tsc, "-p", "tsconfig.json"], { cwd: project, allowFail: true });
  if (checked.code !== 0) fail(`typed.ts against the package's declarations:\n${checked.stdout.trim()}`);
  say("typed.ts: type-checks against the package's declarations (exports' types conditions)");
  say(`passed${values.keep ? `; the scratch project: ${project}` : ""}`);
} finally {
  if (!values.keep) rmSync(scratch, { recursive: true, force: true });
}

/**
 * With the optional packages of troupe/kafka and troupe/db installed, test/consumer/kafka_db.mjs runs against the
 * servers of KAFKA_BROKERS and DATABASE_URL: migrations from dist/sql/, a topic consumer into PostgreSQL, offsets
 * committed.
 */
async function kafkaToPostgres(project: string): Promise<void> {
  const peers = (JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    peerDependencies: Record<string, string>;
  }).peerDependencies;
  const kafka = `@platformatic/kafka@${peers["@platformatic/kafka"]}`;
  await run(npm, ["install", "--no-audit", "--no-fund", kafka], { cwd: project, env: cleanNpmEnv() });
  copyFileSync(join(ROOT, "test", "consumer", "kafka_db.mjs"), join(project, "kafka_db.mjs"));
  const r = await run(process.execPath, ["kafka_db.mjs"], { cwd: project, allowFail: true });
  const last = r.stdout.trim().split("\n").pop() ?? "";
  let got: { migrations?: number; rows?: number; sum?: number; committed?: number; end?: number } = {};
  try {
    got = JSON.parse(last) as typeof got;
  } catch {
    fail(`kafka_db.mjs (exit ${r.code}): ${r.stderr.trim().split("\n").slice(-5).join(" | ") || last}`);
  }
  const migrations = readdirSync(join(ROOT, "sql")).filter((f) => f.endsWith(".sql")).length;
  if (r.code !== 0 || got.migrations !== migrations || got.rows !== 20 || got.sum !== 210 || got.end !== 20) {
    fail(`kafka_db.mjs (exit ${r.code}): ${last}; wanted ${migrations} migrations, 20 rows summing to 210, 20 records`);
  }
  if (got.committed !== got.end) fail(`kafka_db.mjs: ${got.committed} of ${got.end} offsets committed`);
  say(
    `with ${kafka} and postgres: ${migrations} migrations from the package, 20 records from Kafka to PostgreSQL, all committed`,
  );
}

/** npm's environment without this project's settings (a consumer has not got troupe's .npmrc). */
function cleanNpmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^npm_config_onnxruntime|^npm_package_/i.test(k)),
  );
}
