/**
 * How the tests start troupe's own programs (main.ts and the CLIs under node/cli/):
 * `node <build>/<script>.js` from the tests' build of the current sources
 * (tools/build.ts; `npm test` runs the tests themselves from it), so a node does not
 * load each of its modules through tsx's hooks. A test file run from its TypeScript
 * source (`npx tap test/e2e/x.test.ts`) makes that build when the sources changed;
 * `TROUPE_TEST_FROM_SOURCE=1` starts the programs through tsx instead. Scripts outside
 * main.ts and node/cli/ (chaos/, bench/, tools/) always run through tsx. The package
 * scripts (`npm run local`, `npm start`) keep running the sources through tsx, and the
 * tests that are about them start them that way.
 */
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { ensureBuild } from "../../tools/build.ts";

const BUILT = /^(main\.ts|node\/cli\/[a-z_]+\.ts)$/;
let built: Promise<string> | null = null;

/** The build this file runs from (…/test/helpers/entry.js), or null when it runs from its source. */
function ownBuild(): string | null {
  return import.meta.url.endsWith(".js") ? resolve(dirname(fileURLToPath(import.meta.url)), "..", "..") : null;
}

/** Arguments for `process.execPath` that run `script` (a path from the project root, e.g. `main.ts`). */
export async function nodeArgs(script: string): Promise<string[]> {
  if (process.env["TROUPE_TEST_FROM_SOURCE"] === "1" || !BUILT.test(script)) return ["--import", "tsx", script];
  built ??= Promise.resolve(ownBuild() ?? ensureBuild());
  return [join(await built, script.replace(/\.ts$/, ".js"))];
}
