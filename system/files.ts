/** Files that several processes share (caches of generated models and datasets). */
import { rename, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import process from "node:process";

/**
 * Writes `data` to `path` whole: under a private name first, then renamed into place, so a
 * concurrent reader never sees a partial file and concurrent writers never interleave (the
 * last rename wins).
 * @experimental
 */
export async function writeFileWhole(path: string, data: string | Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, data);
  await rename(tmp, path);
}

/**
 * Where troupe keeps what it generates or downloads once and any later run may reuse (the
 * generated model and its conversions, the synthetic dataset, the TensorFlow engine, Python
 * environments): `TROUPE_CACHE_DIR`, else `$XDG_CACHE_HOME/troupe`, else `~/.cache/troupe`,
 * else (no home directory) `.troupe/cache` in the working directory. Everything in it is
 * keyed by what made it, so clones and versions can share it; deleting it only costs time.
 */
export function troupeCacheDir(
  env: Record<string, string | undefined> = process.env,
  home: () => string = homedir,
): string {
  const given = env["TROUPE_CACHE_DIR"];
  if (given) return given;
  const xdg = env["XDG_CACHE_HOME"];
  if (xdg) return join(xdg, "troupe");
  let h = "";
  try {
    h = home();
  } catch {
    // no home directory (a service account without one)
  }
  return h ? join(h, ".cache", "troupe") : join(".troupe", "cache");
}
