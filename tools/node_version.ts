/**
 * `npm run -s node-version -- 24`: prints the path of a Node binary of that major
 * version, installing it first from the npm registry's `node` package (`npm i node@24`)
 * into `.troupe/node-versions/24/` unless it is there. The machine's own Node is
 * printed as it is. CI runs the test suite on Node 24 with it and the consumer projects
 * (tools/package_check.ts) on Node 22 and 24.
 */
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { run } from "../infra/process.ts";
import { ROOT } from "./build.ts";

/** The Node binary of `major` (the machine's, or one from the npm registry, cached). */
export async function nodeOf(major: number, say: (line: string) => void = () => {}): Promise<string> {
  if (Number(process.versions.node.split(".")[0]) === major) return process.execPath;
  const dir = join(ROOT, ".troupe", "node-versions", String(major));
  const bin = join(dir, "node_modules", "node", "bin", "node");
  if (!existsSync(bin)) {
    say(`installing Node ${major} from the npm registry (npm i node@${major}) into ${dir} ...`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `node-${major}`, private: true }));
    await run(
      process.platform === "win32" ? "npm.cmd" : "npm",
      ["install", "--no-audit", "--no-fund", `node@${major}`],
      {
        cwd: dir,
      },
    );
  }
  return bin;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { parseCli } = await import("../node/cli/args.ts");
  const { positionals } = parseCli({
    name: "node-version",
    usage: `usage: npm run -s node-version -- MAJOR

Prints the path of a Node binary of version MAJOR (e.g. 24), installed from the npm
registry's 'node' package into .troupe/node-versions/MAJOR unless it is there already.
For example: PATH="$(dirname "$(npm run -s node-version -- 24)"):$PATH" npm test

  --help   this text
`,
    options: {},
    positionals: true,
  });
  const major = Number(positionals[0]);
  if (positionals.length !== 1 || !Number.isInteger(major) || major < 18) {
    console.error("node-version: give one major version, e.g. 24 (see --help)");
    process.exit(2);
  }
  console.log(await nodeOf(major, (l) => process.stderr.write(`node-version: ${l}\n`)));
}
