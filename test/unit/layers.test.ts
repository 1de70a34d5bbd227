import t from "tap";
import { checkLayers, RULES } from "../../tools/check_layers.ts";

/** A fresh directory holding `files` (path -> source), removed after the test. */
function plant(t: { testdir(content?: never): string }, files: Record<string, string>): string {
  const tree: Record<string, unknown> = {};
  for (const [path, text] of Object.entries(files)) {
    const parts = path.split("/");
    let at = tree;
    for (const dir of parts.slice(0, -1)) at = (at[dir] ??= {}) as Record<string, unknown>;
    at[parts[parts.length - 1] as string] = text;
  }
  return t.testdir(tree as never);
}

t.test("the project's own tree follows its declared order", async (t) => {
  t.same(checkLayers(process.cwd()), []);
});

t.test("an import against the declared order is named with what is allowed", async (t) => {
  const root = plant(t, {
    "system/mod.ts": `import { x } from "../actors/kafka/mod.ts";\nexport const y = x;\n`,
    "actors/kafka/mod.ts": `export const x = 1;\n`,
  });
  t.same(checkLayers(root), [
    "system/mod.ts: system may not import actors/kafka (actors/kafka/mod.ts); system may import: nothing of troupe",
  ]);
});

t.test("a capability may not reach a sibling it does not build on, nor the node", async (t) => {
  const root = plant(t, {
    "actors/inference/pool.ts":
      `import type { K } from "../kafka/client.ts";\nimport { c } from "../../node/config.ts";\n`,
    "actors/kafka/client.ts": `export type K = 1;\n`,
    "node/config.ts": `export const c = 1;\n`,
  });
  const problems = checkLayers(root);
  t.equal(problems.length, 2);
  t.match(problems[0], /actors\/inference may not import actors\/kafka/);
  t.match(problems[1], /actors\/inference may not import node/);
});

t.test("a cycle between folders fails even when each edge is declared", async (t) => {
  const root = plant(t, {
    "a/x.ts": `import "../b/y.ts";\n`,
    "b/y.ts": `import "../a/x.ts";\n`,
  });
  const rules = { ...RULES, layers: { a: ["b"], b: ["a"] } };
  t.same(checkLayers(root, rules), ["cycle between folders: a -> b -> a (closed by b/y.ts)"]);
});

t.test("a private file is for its own folder (tests may look inside)", async (t) => {
  const root = plant(t, {
    "protocols/_crc.ts": `export const crc = 1;\n`,
    "protocols/png.ts": `import { crc } from "./_crc.ts";\nexport const png = crc;\n`,
    "ops/server.ts": `import { crc } from "../protocols/_crc.ts";\n`,
    "test/unit/crc.test.ts": `import { crc } from "../../protocols/_crc.ts";\n`,
  });
  t.same(checkLayers(root), ["ops/server.ts: imports protocols/_crc.ts, a private file of protocols/"]);
});

t.test("nact belongs to system/, undeclared folders and imports of tests are refused", async (t) => {
  const root = plant(t, {
    "ops/web.ts": `import nact from "nact";\nimport { h } from "../test/helpers/h.ts";\n`,
    "test/helpers/h.ts": `export const h = 1;\n`,
    "extras/thing.ts": `export const z = 1;\n`,
  });
  t.same(checkLayers(root), [
    "extras/thing.ts: folder 'extras' is not declared in tools/layers.ts",
    "ops/web.ts: imports 'nact', which only system/ may import",
    "ops/web.ts: imports test/helpers/h.ts; nothing may import test/",
  ]);
});

t.test("Kafka client packages belong to actors/kafka/, even for tests, tools and chaos", async (t) => {
  // Written so that this file's own text holds no import of them (the project check reads it too).
  const use = (name: string, pkg: string) => `import { ${name} } ${"from"} "${pkg}";\nexport const x = ${name};\n`;
  const root = plant(t, {
    "actors/kafka/kafkajs/client.ts": use("Kafka", "kafkajs"),
    "actors/kafka/platformatic/client.ts": use("Admin", "@platformatic/kafka"),
    "test/e2e/x.test.ts": use("Kafka", "kafkajs"),
    "chaos/cluster.ts": use("Admin", "@platformatic/kafka/dist/index.js"),
    "test/unit/nact.test.ts": use("nact", "nact"),
  });
  t.same(checkLayers(root), [
    "chaos/cluster.ts: imports '@platformatic/kafka', which only actors/kafka/ may import",
    "test/e2e/x.test.ts: imports 'kafkajs', which only actors/kafka/ may import",
  ]);
});
