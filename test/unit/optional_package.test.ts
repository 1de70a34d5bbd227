// Capabilities load their optional peer packages through importOptional: a missing one is an error naming the
// package, the version range package.json declares and what needed it.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import t from "tap";
import { importOptional, isMissing, MissingPackage } from "../../system/optional_package.ts";

t.test("a package that is not installed is named with its range and the capability", async (t) => {
  const err = await importOptional(
    "troupe-no-such-package",
    "^1.2.0",
    "troupe/example (a capability)",
    // @ts-expect-error: a package that does not exist
    () => import("troupe-no-such-package"),
  ).catch((e: unknown) => e);
  t.ok(err instanceof MissingPackage, `MissingPackage: ${err}`);
  const missing = err as MissingPackage;
  t.equal(missing.code, "TROUPE_ERR_MISSING_PACKAGE");
  t.equal(missing.packageName, "troupe-no-such-package");
  t.equal(
    missing.message,
    "troupe/example (a capability) needs the package troupe-no-such-package, which is not installed: " +
      "npm install troupe-no-such-package@'^1.2.0'",
  );
  t.ok(missing.cause, "the runtime's own error is the cause");
});

t.test("other failures pass through: an error inside the package, or another package missing", async (t) => {
  const inside = new Error("boom while loading");
  t.equal(await importOptional("x", "1", "y", () => Promise.reject(inside)).catch((e) => e), inside);
  const other = Object.assign(new Error("Cannot find package 'left-pad' imported from /x/y.js"), {
    code: "ERR_MODULE_NOT_FOUND",
  });
  t.equal(await importOptional("postgres", "1", "y", () => Promise.reject(other)).catch((e) => e), other);
  t.notOk(isMissing(other, "postgres"));
  t.ok(
    isMissing(
      Object.assign(new Error("Cannot find package 'postgres' imported from /a.js"), {
        code: "ERR_MODULE_NOT_FOUND",
      }),
      "postgres",
    ),
    "Node's message",
  );
  t.ok(
    isMissing(new TypeError('Could not find package "postgres" from referrer "file:///a.js"'), "postgres"),
    "Deno's",
  );
  t.notOk(isMissing(new Error("Could not find package 'postgres-extra'"), "postgres"), "a longer name is another");
});

/** Every `importOptional("name", "range"` in the sources. */
function callsIn(dir: string): { file: string; name: string; range: string }[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return callsIn(p);
    if (!n.endsWith(".ts")) return [];
    const text = readFileSync(p, "utf8");
    return [...text.matchAll(/importOptional\(\s*"([^"]+)",\s*"([^"]+)"/g)].map((m) => ({
      file: p,
      name: m[1]!,
      range: m[2]!,
    }));
  });
}

t.test("each optional package is an optional peer, with the range its loader names", (t) => {
  const pkg = JSON.parse(readFileSync("package.json", "utf8")) as {
    dependencies: Record<string, string>;
    peerDependencies: Record<string, string>;
    peerDependenciesMeta: Record<string, { optional?: boolean }>;
    devDependencies: Record<string, string>;
  };
  const calls = ["system", "actors", "infra", "ops", "node", "protocols"].flatMap(callsIn);
  // Kafka's adapters name theirs in a table (actors/kafka/client.ts).
  const kafka = readFileSync("actors/kafka/client.ts", "utf8");
  for (const m of kafka.matchAll(/^\s+\w+: \["([^"]+)", "([^"]+)"\],$/gm)) {
    calls.push({ file: "actors/kafka/client.ts", name: m[1]!, range: m[2]! });
  }
  const named = new Set(calls.map((c) => c.name));
  t.same([...named].sort(), Object.keys(pkg.peerDependencies).sort(), "the peers are what the loaders load");
  for (const c of calls) {
    t.equal(c.range, pkg.peerDependencies[c.name], `${c.file}: ${c.name}@${c.range}`);
  }
  for (const name of named) {
    t.equal(pkg.peerDependenciesMeta[name]?.optional, true, `${name} is optional`);
    t.notOk(pkg.dependencies[name], `${name} is no dependency`);
    t.equal(pkg.devDependencies[name], pkg.peerDependencies[name], `${name}: the repository develops with it`);
  }
  t.end();
});
