// npm and JSR publish the same subpaths: package.json's `exports` (built JavaScript and declarations in dist/) and
// deno.json's (the TypeScript sources) name the same subpaths for the same files. The API reference documents
// deno.json's (tools/api_docs.ts), so it covers what npm publishes too.
import { readFileSync } from "node:fs";
import t from "tap";

type Conditions = { types: string; import: string };
const npm = (JSON.parse(readFileSync("package.json", "utf8")) as { exports: Record<string, Conditions | string> })
  .exports;
const jsr = (JSON.parse(readFileSync("deno.json", "utf8")) as { exports: Record<string, string> }).exports;

t.test("every subpath of package.json is in deno.json, pointing at the same file", (t) => {
  const subpaths = Object.keys(npm).filter((k) => k !== "./package.json");
  t.same(subpaths.sort(), Object.keys(jsr).sort(), "the same subpaths");
  for (const subpath of subpaths) {
    const source = jsr[subpath]!.replace(/^\.\//, "").replace(/\.ts$/, "");
    t.same(npm[subpath], { types: `./dist/${source}.d.ts`, import: `./dist/${source}.js` }, subpath);
  }
  t.end();
});
