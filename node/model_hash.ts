/**
 * The hash of the model a node serves, for the fleet's fingerprint: two inference
 * nodes of one group serving different files show as skew. A file's sha256; a
 * directory's (a SavedModel, a TF.js model) over its files' relative paths and
 * contents, in sorted order. Read once at start, streamed.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join, relative } from "node:path";

/** The first 16 hex digits of the model's sha256 (file or directory). */
export async function modelHash(path: string): Promise<string> {
  const hash = createHash("sha256");
  if ((await stat(path)).isDirectory()) {
    for (const file of await filesBelow(path)) {
      hash.update(relative(path, file));
      hash.update("\0");
      await feed(hash, file);
    }
  } else {
    await feed(hash, path);
  }
  return hash.digest("hex").slice(0, 16);
}

async function feed(hash: ReturnType<typeof createHash>, file: string): Promise<void> {
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
}

async function filesBelow(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = join(dir, e.name);
    if (e.isDirectory()) out.push(...await filesBelow(p));
    else if (e.isFile()) out.push(p);
  }
  return out;
}
