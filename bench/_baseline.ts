/** `npm run bench -- --baseline <rev>`: another commit's runtime, unpacked beside this one to be measured in the same run. */
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { run } from "../infra/process.ts";

/** Unpacks `system/` of git revision `rev` under .troupe/bench-baseline/ and returns its `mod.ts` path. */
export async function checkoutRuntime(rev: string): Promise<string> {
  const commit = (await run("git", ["rev-parse", "--verify", `${rev}^{commit}`])).stdout.trim();
  const dir = resolve(".troupe/bench-baseline", commit);
  const mod = join(dir, "system", "mod.ts");
  if (!existsSync(mod)) {
    await mkdir(dir, { recursive: true });
    await run("bash", ["-c", `git archive ${commit} system | tar -x -C '${dir}'`]);
  }
  return mod;
}
