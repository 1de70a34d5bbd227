/**
 * The chaos suite's run directories (`.troupe/chaos-<run>`: each run's logs, certificates, database and screenshots,
 * 140 to 240 MB): a new run removes all but the newest few before it makes its own.
 */
import { readdirSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";

/** How many earlier runs' directories a new run keeps. */
export const KEEP_RUNS = 4;

/** Removes the `chaos-*` directories under `root` but the `keep` newest (by modification time); returns the removed. */
export function pruneRunDirs(root: string, keep = KEEP_RUNS): string[] {
  let names: string[];
  try {
    names = readdirSync(root).filter((n) => /^chaos-[0-9a-z]+$/.test(n));
  } catch {
    return []; // no root yet
  }
  const dirs = names
    .map((n) => ({ path: join(root, n), mtime: statSync(join(root, n)).mtimeMs }))
    .sort((a, b) => b.mtime - a.mtime);
  const removed = dirs.slice(keep).map((d) => d.path);
  for (const path of removed) rmSync(path, { recursive: true, force: true });
  return removed;
}
