/** The embeddable subpaths, and what each must not drag in (shared by the Node and Deno import tests). */
import type { Test } from "tap";
import { moduleBeside } from "../../system/platform.ts";

/** Subpath -> file, as package.json and deno.json export them. */
export const SUBPATHS = {
  system: "system/mod.ts",
  inference: "actors/inference/mod.ts",
  kafka: "actors/kafka/mod.ts",
  db: "actors/db/mod.ts",
  "db-kafka": "actors/db_kafka/mod.ts",
} as const;

/** What the runtime and the inference subpaths must load none of. */
export const FORBIDDEN: Record<string, RegExp> = {
  kafkajs: /\/node_modules\/kafkajs\//,
  "@platformatic/kafka": /\/node_modules\/@platformatic\/kafka\//,
  postgres: /\/node_modules\/postgres\//,
  "the node's configuration": /\/node\/(config|config_pipeline|config_inference|roles)\.ts$/,
};

/** The names of the forbidden things among `urls`. */
export function forbiddenIn(urls: readonly string[]): string[] {
  return Object.entries(FORBIDDEN).filter(([, re]) => urls.some((u) => re.test(u))).map(([name]) => name);
}

/** A tap test per file: the module at `file` (from the repository's root) exports exactly `names` as values. */
export function exportsExactly(t: Test, surface: Record<string, string[]>): void {
  for (const [file, names] of Object.entries(surface)) {
    t.test(`${file} exports exactly its ${names.length} values`, async (t) => {
      const url = moduleBeside(import.meta.url, `../../${file.replace(/\.ts$/, "")}`).href;
      const mod = (await import(url)) as Record<string, unknown>;
      t.same(Object.keys(mod).sort(), [...names].sort());
    });
  }
}
