/**
 * Builds tap's runner for .taprc's plugins before a run, once per install. tap 21 rebuilds it by itself when the
 * plugins differ, but only for the run after: the run that rebuilds still gives its test files the loaders of the
 * plugins it was built with (after `npm ci`, tap's defaults: @tapjs/typescript's and @tapjs/mock's module hooks,
 * which made a fresh clone's first suite run about 50 s slower). The stamp lives in node_modules, so a new install
 * builds again.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Runs `tap build` unless this install was already built for this .taprc; says so on stderr when it does. */
export function ensureTapBuilt(root: string, out: (line: string) => void): void {
  const stamp = join(root, "node_modules", ".troupe-tap-build");
  const want = createHash("sha256")
    .update(readFileSync(join(root, ".taprc")))
    .update(readFileSync(join(root, "node_modules", "@tapjs", "test", "package.json")))
    .digest("hex");
  if (existsSync(stamp) && readFileSync(stamp, "utf8") === want) return;
  const t0 = Date.now();
  const r = spawnSync(join(root, "node_modules", ".bin", "tap"), ["build"], { cwd: root, stdio: "inherit" });
  if (r.status !== 0) throw new Error(`test: tap build failed (${r.error?.message ?? `exit ${r.status}`})`);
  writeFileSync(stamp, want);
  out(
    `test: tap's runner built for .taprc's plugins in ${((Date.now() - t0) / 1000).toFixed(1)} s (once per install)\n`,
  );
}
