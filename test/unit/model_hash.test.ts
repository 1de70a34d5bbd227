// The served model's hash for the fleet's fingerprint (node/model_hash.ts): a file's sha256; a directory's over its
// files' paths and contents in sorted order, so a changed, added or renamed file changes it.
import t from "tap";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { modelHash } from "../../node/model_hash.ts";

t.test("a file: its sha256; a directory: paths and contents", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-model-hash-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, "model.onnx");
  writeFileSync(file, "weights");
  t.equal(await modelHash(file), createHash("sha256").update("weights").digest("hex").slice(0, 16));
  const saved = join(dir, "saved");
  mkdirSync(join(saved, "variables"), { recursive: true });
  writeFileSync(join(saved, "saved_model.pb"), "graph");
  writeFileSync(join(saved, "variables", "v.data"), "vars");
  const h1 = await modelHash(saved);
  t.match(h1, /^[0-9a-f]{16}$/);
  t.equal(await modelHash(saved), h1, "the same directory, the same hash");
  writeFileSync(join(saved, "variables", "v.data"), "vars2");
  const h2 = await modelHash(saved);
  t.not(h2, h1, "a changed file changes it");
  renameSync(join(saved, "variables", "v.data"), join(saved, "variables", "w.data"));
  t.not(await modelHash(saved), h2, "a renamed file changes it");
});
