/**
 * `npm run docs:api`: the API reference, generated from the doc comments with
 * `deno doc`. First `deno doc --lint` over the documented entry points (every export
 * has a doc comment, an explicit type, and no reference to a type it does not export),
 * then the HTML into `.troupe/api/` (or `--out DIR`). CI runs it; a missing doc
 * comment fails it, naming the file and line.
 */
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { run } from "../infra/process.ts";
import { parseCli } from "../node/cli/args.ts";
import { ROOT } from "./build.ts";
import { troupeFindings } from "./doc_findings.ts";

/**
 * The subpaths the reference covers: every export of the package, as deno.json (the JSR
 * configuration, which package.json's `exports` mirror in `dist/`) lists them.
 */
export const DOCUMENTED: Record<string, string> = Object.fromEntries(
  Object.entries(
    (JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")) as { exports: Record<string, string> }).exports,
  ).map(([subpath, file]) => [`troupe/${subpath.replace(/^\.\//, "")}`, file.replace(/^\.\//, "")]),
);

const { values } = parseCli({
  name: "docs:api",
  usage: `usage: npm run docs:api -- [--out DIR] [--check]

Checks that every export of ${Object.keys(DOCUMENTED).join(", ")} has a doc comment
(deno doc --lint), then writes the HTML reference to DIR (default .troupe/api).

  --out DIR   where the HTML goes (default .troupe/api)
  --check     the lint only, no HTML
  --help      this text
`,
  options: { out: { type: "string", default: join(".troupe", "api") }, check: { type: "boolean", default: false } },
});
const deno = join(ROOT, "node_modules", ".bin", "deno");
const entries = Object.values(DOCUMENTED);
const say = (line: string) => process.stderr.write(`docs:api: ${line}\n`);
say(`deno doc --lint ${entries.join(" ")} ...`);
const lint = await run(deno, ["doc", "--lint", ...entries], {
  cwd: ROOT,
  allowFail: true,
  env: { ...process.env, NO_COLOR: "1" },
});
// Only troupe's findings: deno also warns about @types/node's own references, and reports dependencies' types.
const findings = lint.code === 0 ? [] : troupeFindings(`${lint.stdout}\n${lint.stderr}`);
if (lint.code !== 0 && findings.length === 0 && !/Found \d+ documentation lint error/.test(lint.stderr)) {
  process.stderr.write(lint.stderr);
  say(`FAILED: deno doc exited with ${lint.code}`);
  process.exit(1);
}
if (findings.length > 0) {
  process.stderr.write(`${findings.join("\n\n")}\n\n`);
  say(`FAILED: ${findings.length} findings; every export needs a doc comment, an explicit type, and public types`);
  process.exit(1);
}
say(`every export of ${Object.keys(DOCUMENTED).join(", ")} is documented`);
if (!values.check) {
  const out = resolve(ROOT, values.out!);
  await run(deno, ["doc", "--html", "--name=troupe", `--output=${out}`, ...entries], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: "1" },
  });
  say(`the reference: ${join(out, "index.html")}`);
}
