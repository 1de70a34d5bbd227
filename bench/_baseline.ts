/** `npm run bench -- --baseline <rev>`: another commit's runtime, unpacked outside the project to be measured in the same run. */
import { existsSync, symlinkSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { run } from "../infra/process.ts";

/**
 * Unpacks `system/` of git revision `rev` under the system's temporary folder (not the
 * project: a second copy of `system/` there would be a second importer of nact) with a
 * link to this project's `node_modules`, and returns its `mod.ts` path.
 */
export async function checkoutRuntime(rev: string): Promise<string> {
  const commit = (await run("git", ["rev-parse", "--verify", `${rev}^{commit}`])).stdout.trim();
  const dir = join(tmpdir(), "troupe-bench-baseline", commit);
  const mod = join(dir, "system", "mod.ts");
  if (!existsSync(mod)) {
    await mkdir(dir, { recursive: true });
    await run("bash", ["-c", `git archive ${commit} system | tar -x -C '${dir}'`]);
  }
  if (!existsSync(join(dir, "node_modules"))) symlinkSync(resolve("node_modules"), join(dir, "node_modules"), "dir");
  return mod;
}
