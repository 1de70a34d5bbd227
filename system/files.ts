/** Files that several processes share (caches of generated models and datasets). */
import { rename, writeFile } from "node:fs/promises";
import process from "node:process";

/**
 * Writes `data` to `path` whole: under a private name first, then renamed into place, so a
 * concurrent reader never sees a partial file and concurrent writers never interleave (the
 * last rename wins).
 */
export async function writeFileWhole(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}
