/**
 * How the tests start troupe's own programs (main.ts and the CLIs under node/cli/):
 * `node <build>/<script>.js` from the build of the current sources (tools/build.ts:
 * made once per change, shared by every test file), so a node does not load each of
 * its modules through tsx's hooks; `TROUPE_TEST_FROM_SOURCE=1` runs them through tsx
 * instead. Scripts outside the build (chaos/, bench/, tools/) always run through tsx.
 * The package scripts (`npm run local`, `npm start`) keep running the sources through
 * tsx, and the tests that are about them start them that way.
 */
import { join } from "node:path";
import process from "node:process";
import { ensureBuild } from "../../tools/build.ts";

const BUILT = /^(main\.ts|node\/cli\/[a-z_]+\.ts)$/;
let built: Promise<string> | null = null;

/** Arguments for `process.execPath` that run `script` (a path from the project root, e.g. `main.ts`). */
export async function nodeArgs(script: string): Promise<string[]> {
  if (process.env["TROUPE_TEST_FROM_SOURCE"] === "1" || !BUILT.test(script)) return ["--import", "tsx", script];
  built ??= ensureBuild();
  return [join(await built, script.replace(/\.ts$/, ".js"))];
}
