/**
 * `npm run check:layers`: fails on an import against the declared direction
 * (tools/layers.ts), on any cycle between folders, on a `_private` file imported
 * from outside its folder, and on a package imported outside the unit that owns it.
 * Reads relative `import`/`export ... from`, dynamic `import()` and
 * `new URL(..., import.meta.url)` specifiers of every .ts file.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, join, normalize } from "node:path";
import process from "node:process";
import { FREE_UNITS, LAYERS, PACKAGE_OWNERS, SEALED_PACKAGES, WHITE_BOX_UNITS } from "./layers.ts";
import { parseCli } from "../node/cli/args.ts";

/** The declaration a check runs against (tests plant their own). */
export interface LayerRules {
  layers: Readonly<Record<string, readonly string[]>>;
  free: readonly string[];
  whiteBox: readonly string[];
  packageOwners: Readonly<Record<string, string>>;
  /** Packages only one unit may import, free units (tests, tools, chaos, bench) included. */
  sealedPackages: Readonly<Record<string, string>>;
}

/** The project's own rules. */
export const RULES: LayerRules = {
  layers: LAYERS,
  free: FREE_UNITS,
  whiteBox: WHITE_BOX_UNITS,
  packageOwners: PACKAGE_OWNERS,
  sealedPackages: SEALED_PACKAGES,
};

const SKIP = new Set(["node_modules", ".git", ".troupe", ".tap", "coverage"]);
const SPECIFIER = /(?:from\s+|import\s*\(\s*|import\s+|new URL\(\s*)["']([^"']+)["']/g;

/** Every .ts file under `root`, relative, with forward slashes. */
export function sourceFiles(root: string, dir = ""): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(root, dir))) {
    if (SKIP.has(name)) continue;
    const rel = dir ? `${dir}/${name}` : name;
    if (statSync(join(root, rel)).isDirectory()) out.push(...sourceFiles(root, rel));
    else if (name.endsWith(".ts") && !name.endsWith(".d.ts")) out.push(rel);
  }
  return out.sort();
}

/** The unit a file belongs to: `actors/<capability>`, a top-level folder, or `node` for files at the root. */
export function unitOf(file: string): string {
  const parts = file.split("/");
  if (parts.length === 1) return "node";
  if (parts[0] === "actors" && parts.length > 2) return `actors/${parts[1]}`;
  return parts[0] as string;
}

/** Checks the tree at `root`; returns one line per problem (empty: all is well). */
export function checkLayers(root: string, rules: LayerRules = RULES): string[] {
  const problems: string[] = [];
  const known = (u: string) => u in rules.layers || rules.free.includes(u);
  const edges = new Map<string, Map<string, string>>();
  for (const file of sourceFiles(root)) {
    const from = unitOf(file);
    if (!known(from)) {
      problems.push(`${file}: folder '${from}' is not declared in tools/layers.ts`);
      continue;
    }
    const text = readFileSync(join(root, file), "utf8");
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] as string;
      if (!spec.startsWith(".")) {
        const parts = spec.replace(/^npm:/, "").split("/");
        const pkg = (parts[0]?.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]) as string;
        const sealed = rules.sealedPackages[pkg];
        const owner = sealed ?? rules.packageOwners[pkg];
        if (owner && owner !== from && (sealed !== undefined || !rules.free.includes(from))) {
          problems.push(`${file}: imports '${pkg}', which only ${owner}/ may import`);
        }
        continue;
      }
      const target = normalize(join(dirname(file), spec)).split("\\").join("/");
      if (target.startsWith("..")) {
        problems.push(`${file}: '${spec}' leaves the project`);
        continue;
      }
      const to = unitOf(target);
      if (basename(target).startsWith("_") && dirname(target) !== dirname(file) && !rules.whiteBox.includes(from)) {
        problems.push(`${file}: imports ${target}, a private file of ${dirname(target)}/`);
      }
      if (to === from || !target.endsWith(".ts")) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      edges.get(from)!.set(to, file);
      if (rules.free.includes(from)) continue;
      if (rules.free.includes(to)) problems.push(`${file}: imports ${target}; nothing may import ${to}/`);
      else if (!known(to)) {
        problems.push(`${file}: imports ${target}, in folder '${to}' that tools/layers.ts does not declare`);
      } else if (!(rules.layers[from] ?? []).includes(to)) {
        const allowed = (rules.layers[from] ?? []).join(", ") || "nothing of troupe";
        problems.push(`${file}: ${from} may not import ${to} (${target}); ${from} may import: ${allowed}`);
      }
    }
  }
  problems.push(...cycles(edges));
  return problems;
}

function cycles(edges: Map<string, Map<string, string>>): string[] {
  const out: string[] = [];
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (u: string) => {
    state.set(u, "open");
    path.push(u);
    for (const [v, file] of edges.get(u) ?? []) {
      if (state.get(v) === "open") {
        out.push(`cycle between folders: ${[...path.slice(path.indexOf(v)), v].join(" -> ")} (closed by ${file})`);
      } else if (!state.has(v)) visit(v);
    }
    path.pop();
    state.set(u, "done");
  };
  for (const u of [...edges.keys()].sort()) if (!state.has(u)) visit(u);
  return out;
}

if (import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  parseCli({
    name: "check:layers",
    usage: `usage: npm run check:layers

Fails on an import against the declared direction (tools/layers.ts), a cycle between
folders, a _private file imported from outside its folder, or a package imported
outside the unit that owns it. Takes no flags but --help.
`,
    options: {},
  });
  const problems = checkLayers(process.cwd());
  if (problems.length > 0) {
    for (const p of problems) console.error(`check_layers: ${p}`);
    console.error(`check_layers: ${problems.length} problem(s); the declared order is in tools/layers.ts`);
    process.exit(1);
  }
  console.log(`check_layers: ${sourceFiles(process.cwd()).length} files, every import follows tools/layers.ts`);
}
