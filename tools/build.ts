/**
 * `npm run build [-- --out DIR]`: the runtime, its capabilities and the node as
 * JavaScript in DIR (default `dist`), laid out like the sources: `tsc -p
 * tsconfig.build.json` (no type check: `npm run typecheck` does that) rewrites the
 * relative `.ts` imports to `.js`, and the files read at run time are copied beside
 * (`sql/`, `infra/kafka/`, `infra/tfjs/`). `node DIR/main.js` then starts a node
 * without tsx.
 *
 * The tests run from such a build, tests included ({@link ensureBuild}; `npm test`,
 * tools/test_runner.ts): a folder under `.troupe/build/` named by the hash of the
 * sources, made once per change under a private name and renamed into place, so
 * parallel test files share it and none can run an older build than the sources.
 */
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { cp, mkdir, readdir, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { run } from "../infra/process.ts";

/** The project's root: the nearest folder up with a package.json (a build has none of its own). */
export const ROOT: string = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();
/** What the tests' build compiles: tsconfig.test-build.json's `include` (a superset of tsconfig.build.json's). */
const TEST_SOURCES: string[] = JSON.parse(readFileSync(join(ROOT, "tsconfig.test-build.json"), "utf8")).include;
/** Files read at run time, copied beside the JavaScript. */
const ASSETS = ["sql", "infra/kafka", "infra/tfjs"];
const TEST_ASSETS = ["test/fixtures", "test/clients", "test/helpers/load_hooks.mjs", "test/helpers/load_recorder.mjs"];
/** Also part of the hash: what changes the output. */
const SETTINGS = ["tsconfig.json", "tsconfig.build.json", "tsconfig.test-build.json", "package-lock.json"];
const COMPLETE = ".troupe-build.json";

function filesUnder(rel: string): string[] {
  const abs = join(ROOT, rel);
  if (!existsSync(abs)) return [];
  if (!statSync(abs).isDirectory()) return [rel];
  return readdirSync(abs).sort().flatMap((name) => filesUnder(`${rel}/${name}`));
}

/** sha256 of every source, asset and setting file (paths and contents), 16 hex digits. */
export function sourceHash(): string {
  const h = createHash("sha256");
  const all = [...TEST_SOURCES, ...ASSETS, ...TEST_ASSETS, ...SETTINGS];
  for (const rel of all.flatMap(filesUnder)) {
    h.update(`${rel}\0`);
    h.update(readFileSync(join(ROOT, rel)));
    h.update("\0");
  }
  return h.digest("hex").slice(0, 16);
}

/** Compiles into `out` (emptied first) and copies the assets; `tests`: the tests and tools too. */
export async function build(out: string, tests = false): Promise<void> {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const tsc = join(ROOT, "node_modules", "typescript", "bin", "tsc");
  const config = join(ROOT, tests ? "tsconfig.test-build.json" : "tsconfig.build.json");
  await run(process.execPath, [tsc, "-p", config, "--outDir", out], { cwd: ROOT });
  for (const rel of [...ASSETS, ...(tests ? TEST_ASSETS : [])]) {
    await cp(join(ROOT, rel), join(out, rel), { recursive: true });
  }
}

/**
 * The tests' build of the current sources (tests included) under `.troupe/build/<hash>`,
 * made now unless it is there; returns its folder. Older builds beyond the newest three
 * are removed.
 */
export async function ensureBuild(): Promise<string> {
  const base = join(ROOT, ".troupe", "build");
  const dir = join(base, sourceHash());
  if (existsSync(join(dir, COMPLETE))) return dir;
  const tmp = `${dir}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    await build(tmp, true);
    await writeFile(join(tmp, COMPLETE), JSON.stringify({ builtAt: new Date().toISOString() }));
    await rename(tmp, dir);
  } catch (err) {
    await rm(tmp, { recursive: true, force: true });
    if (existsSync(join(dir, COMPLETE))) return dir; // another process built the same sources first
    throw err;
  }
  await prune(base, dir);
  return dir;
}

async function prune(base: string, keep: string): Promise<void> {
  const builds = await Promise.all(
    (await readdir(base)).filter((n) => /^[0-9a-f]{16}$/.test(n)).map(async (n) => ({
      path: join(base, n),
      mtime: (await stat(join(base, n))).mtimeMs,
    })),
  );
  const old = builds.filter((b) => b.path !== keep).sort((a, b) => b.mtime - a.mtime).slice(2);
  for (const b of old) await rm(b.path, { recursive: true, force: true });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { parseCli } = await import("../node/cli/args.ts");
  const { values } = parseCli({
    name: "build",
    usage: `usage: npm run build -- [--out DIR]

Compiles the runtime, its capabilities and the node to JavaScript in DIR, laid out
like the sources (relative .ts imports become .js), with sql/ and the infra files
beside; then 'node DIR/main.js' runs a node without tsx. No type check (npm run typecheck).

  --out DIR   where (default dist)
  --tests     the tests' build (tests included) in .troupe/build/<hash of the sources>,
              unless it is there already (npm test makes it first)
  --clean     remove DIR instead (npm pack's postpack: the packed dist/ does not stay in the tree)
  --help      this text
`,
    options: {
      out: { type: "string", default: "dist" },
      tests: { type: "boolean", default: false },
      clean: { type: "boolean", default: false },
    },
  });
  if (values.clean) {
    await rm(resolve(values.out!), { recursive: true, force: true });
    process.exit(0);
  }
  if (values.tests) {
    const t0 = Date.now();
    const dir = await ensureBuild();
    process.stderr.write(`build: ${dir} (${((Date.now() - t0) / 1000).toFixed(1)} s)\n`);
    process.exit(0);
  }
  const out = resolve(values.out!);
  const t0 = Date.now();
  process.stderr.write(`build: tsc -p tsconfig.build.json --outDir ${out} ...\n`);
  await build(out);
  process.stderr.write(`build: done in ${((Date.now() - t0) / 1000).toFixed(1)} s: node ${join(out, "main.js")}\n`);
}
