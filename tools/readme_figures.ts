/**
 * `npm run readme:figures [-- --check]`: the README's figures come from the results
 * files `npm run bench` and `npm run chaos` write, never by hand. Each block
 *
 *     <!-- figures bench/results/latest.json pipeline -->
 *     ...
 *     <!-- /figures -->
 *
 * is rewritten from the file it names (`pipeline`: the pipeline stages of a bench
 * report; `runtime`: its runtime stages; `md`: a markdown file as it is, such as the
 * chaos suite's `bench/results/chaos.md`), with the commit, date, CPU, flags and
 * mode the file records. `--check` rewrites nothing and exits 1 when a block
 * differs from its file (a unit test runs the same check).
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import { type BenchReport, renderMarkdown } from "../bench/report.ts";
import { parseCli } from "../node/cli/args.ts";
import { run } from "../infra/process.ts";

const BLOCK = /<!-- figures (\S+) (pipeline|runtime|md) -->\n([\s\S]*?)<!-- \/figures -->/g;

/** The text of one block, made from its results file. */
export function renderBlock(root: string, file: string, part: string): string {
  const text = readFileSync(join(root, file), "utf8");
  if (part === "md") return text.endsWith("\n") ? text : `${text}\n`;
  const report = JSON.parse(text) as BenchReport;
  const runtime = (stage: string) => stage.startsWith("runtime ");
  const results = report.results.filter((s) => (part === "runtime" ? runtime(s.stage) : !runtime(s.stage)));
  if (results.length === 0) throw new Error(`${file} holds no ${part} results`);
  return renderMarkdown({ ...report, results });
}

/**
 * What a block says, without its layout: `deno fmt` (the project's formatter, run over the README) pads and aligns
 * tables and wraps long lines, so two blocks agree when they match once white space, pipes and dashes are gone.
 */
const content = (s: string) => s.replace(/[\s|-]+/g, "");

/** The README with every block rewritten, and the blocks that changed. */
export function updateReadme(text: string, root: string): { text: string; changed: string[] } {
  const changed: string[] = [];
  const out = text.replace(BLOCK, (all, file: string, part: string, body: string) => {
    const fresh = renderBlock(root, file, part);
    if (content(fresh) === content(body)) return all;
    changed.push(`${file} ${part}`);
    return `<!-- figures ${file} ${part} -->\n${fresh}<!-- /figures -->`;
  });
  return { text: out, changed };
}

if (import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  const { values } = parseCli({
    name: "readme:figures",
    usage: `usage: npm run readme:figures -- [--check]

Rewrites the README's figure blocks from the results files they name
(bench/results/*.json). With --check it rewrites nothing and exits 1 when a block
differs from its file.

  --check   only compare
  --help    this text
`,
    options: { check: { type: "boolean" } },
  });
  const root = process.cwd();
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const { text, changed } = updateReadme(readme, root);
  if (values.check) {
    for (const c of changed) console.error(`readme:figures: the block from ${c} differs from its file`);
    process.exit(changed.length ? 1 : 0);
  }
  writeFileSync(join(root, "README.md"), text);
  // Laid out as the project's formatter lays out every markdown file (lint runs `deno fmt --check`).
  await run("node_modules/.bin/deno", ["fmt", "README.md"], { cwd: root, allowFail: true });
  console.log(`readme:figures: ${changed.length ? `rewrote ${changed.join(", ")}` : "every block was up to date"}`);
}
