// Every TypeScript snippet in README.md, compiled with tsc and run as a program: it must exit 0 by itself, or, if it
// says "listening on <url>", answer there and exit 0 on SIGTERM. Imports of troupe's subpaths are pointed at the
// sources (deno.json's exports), the rest resolve from the project's node_modules.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import process from "node:process";
import t from "tap";
import { ROOT } from "../../tools/build.ts";

/** The ```ts blocks of `markdown`, with the line each starts on. */
function tsBlocks(markdown: string): { line: number; code: string }[] {
  const out: { line: number; code: string }[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```(ts|typescript)\s*$/.exec(lines[i]!);
    if (!open) continue;
    const indent = open[1]!.length;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j]!); j++) body.push(lines[j]!.slice(indent));
    out.push({ line: i + 1, code: body.join("\n") });
    i = j;
  }
  return out;
}

const exportsMap = JSON.parse(readFileSync(join(ROOT, "deno.json"), "utf8")).exports as Record<string, string>;

/** `code` with `troupe/<subpath>` imports pointed at the source files. */
function pointed(code: string, dir: string): string {
  return code.replace(/from "troupe\/([a-z-]+)"/g, (all, sub: string) => {
    const file = exportsMap[`./${sub}`];
    if (!file) throw new Error(`README imports troupe/${sub}, which is no export of deno.json`);
    const rel = join(ROOT, file).slice(ROOT.length + 1);
    const up = dir.slice(ROOT.length + 1).split("/").map(() => "..").join("/");
    return all.replace(`troupe/${sub}`, `${up}/${rel}`);
  });
}

/** Runs one snippet to its end; one that says "listening on <url>" is asked there (a POST without a body), then stopped. */
async function runSnippet(
  file: string,
): Promise<{ code: number | null; out: string; err: string; url?: string; status?: number }> {
  const child = spawn(process.execPath, ["--import", "tsx", file], {
    cwd: ROOT,
    env: { ...process.env, PORT: "0" },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  let listening!: (url: string) => void;
  const heard = new Promise<string>((r) => (listening = r));
  child.stdout.on("data", (c: Buffer) => {
    out += c.toString();
    const m = /^listening on (http:\/\/\S+)/m.exec(out);
    if (m) listening(m[1]!);
  });
  child.stderr.on("data", (c: Buffer) => (err += c.toString()));
  const guard = setTimeout(() => child.kill("SIGKILL"), 240_000);
  const exited = new Promise<number | null>((r) => child.once("exit", (c) => r(c)));
  const first = await Promise.race([exited.then(() => null), heard]);
  let status: number | undefined;
  if (first !== null) {
    status = (await fetch(first, { method: "POST", body: new Uint8Array(0) })).status;
    child.kill("SIGTERM");
  }
  const code = await exited;
  clearTimeout(guard);
  return { code, out, err, ...(first !== null ? { url: first, status } : {}) };
}

t.test("the README's TypeScript snippets compile and run", async (t) => {
  const blocks = tsBlocks(readFileSync(join(ROOT, "README.md"), "utf8"));
  t.ok(blocks.length >= 3, `${blocks.length} snippets`);
  const dir = join(ROOT, ".troupe", "readme-snippets", String(process.pid));
  mkdirSync(dir, { recursive: true });
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const files = blocks.map((b) => {
    const file = join(dir, `readme_line_${b.line}.ts`);
    writeFileSync(file, pointed(b.code, dir));
    return { ...b, file };
  });
  writeFileSync(
    join(dir, "tsconfig.json"),
    JSON.stringify({ extends: "../../../tsconfig.json", include: files.map((f) => f.file.slice(dir.length + 1)) }),
  );
  const tsc = spawn(process.execPath, [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", dir], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let tscOut = "";
  tsc.stdout.on("data", (c: Buffer) => (tscOut += c.toString()));
  const tscCode = await new Promise<number | null>((r) => tsc.once("exit", r));
  t.equal(tscCode, 0, "tsc: every snippet type-checks", { tsc: tscOut.trim().slice(0, 3000) });
  for (const f of files) {
    const r = await runSnippet(f.file);
    t.equal(r.code, 0, `README line ${f.line}: exit 0${r.url ? ` after SIGTERM (it listened on ${r.url})` : ""}`, {
      stderr: r.err.trim().slice(-1500),
    });
    // A snippet that prints its result says it in a comment: `console.log(x); // 5050: why` -> "5050".
    const promised = /console\.log\(.*\);\s*\/\/ ([^:\n]+)/.exec(f.code)?.[1]?.trim();
    const said = r.out.trim().split("\n").at(-1) ?? "";
    if (promised) t.equal(said, promised, `README line ${f.line} printed what its comment says`);
    else t.ok(said.length > 0, `README line ${f.line} said: ${said}`);
    if (r.url) t.equal(r.status, 400, `README line ${f.line}: ${r.url} answered an empty body with 400`);
  }
});
