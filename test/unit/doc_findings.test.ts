// docs:api keeps deno doc's findings about troupe's API and drops those about its dependencies' types.
import t from "tap";
import { troupeFindings } from "../../tools/doc_findings.ts";

const finding = (code: string, message: string, file: string) =>
  `error[${code}]: ${message}\n  --> /work/main/${file}:13:3\n   | \n13 |   status: SystemStatus;\n   |   ^\n`;

const OUTPUT = [
  "Warning Failed resolving types. Could not find package 'zlib.d.ts' from referrer 'file:///x/@types/node/index.d.ts'.",
  "    at file:///x/@types/node/index.d.ts:93:21",
  finding("missing-jsdoc", "exported symbol is missing JSDoc documentation", "protocols/ops_responses.ts"),
  finding("private-type-ref", "public type 'createOpsApp' references private type 'Hono'", "ops/server.ts"),
  finding(
    "private-type-ref",
    "public type 'ReadyResponse[\"status\"]' references private type 'SystemStatus'",
    "protocols/ops_responses.ts",
  ),
  finding("private-type-ref", "public type 'createServingMetrics' references private type 'Registry'", "x.ts"),
  "error: Found 4 documentation lint errors.",
].join("\n");

t.test("a missing doc comment and troupe's own private type are kept; Hono and prom-client's types are not", (t) => {
  const found = troupeFindings(OUTPUT);
  t.equal(found.length, 2);
  t.match(found[0], /^error\[missing-jsdoc\][^]*ops_responses\.ts:13:3/);
  t.match(found[1], /references private type 'SystemStatus'/);
  t.notOk(found.some((f) => /Hono|Registry|Warning|Found 4/.test(f)), "no dependency type, warning or summary left");
  t.end();
});

t.test("output with nothing but warnings has no findings", (t) => {
  t.same(troupeFindings("Warning Failed resolving types.\n    at file:///x.d.ts:1:1\n"), []);
  t.end();
});
