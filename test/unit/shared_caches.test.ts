// Caches that test files and nodes share (the synthetic dataset, the generated
// models) are written under private names and renamed: writers racing each other
// all succeed, and what is left is whole.
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { defaultTfjsDir, TFJS_NODE_VERSION } from "../../actors/inference/mod.ts";
import { onnxToSavedModel, writeSavedModel } from "../../actors/inference/onnx_to_tf.ts";
import { ensureSyntheticCifar, SYNTHETIC_FINE_NAMES } from "../../actors/simulator/mod.ts";
import { ensureVenv } from "../../infra/python_venv.ts";
import { loadConfig } from "../../node/config.ts";
import { CIFAR_RECORD_BYTES } from "../../protocols/mod.ts";
import { troupeCacheDir } from "../../system/platform.ts";
import { writeTinyModel } from "../helpers/tiny_model.ts";

t.test("SavedModels written at once into one directory: every writer succeeds, the model is whole", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-cache-"));
  const onnx = join(dir, "tiny.onnx");
  writeTinyModel(onnx);
  const bytes = readFileSync(onnx);
  const target = join(dir, "tiny.savedmodel");
  const outcomes = await Promise.allSettled(Array.from({ length: 6 }, () => writeSavedModel(bytes, target)));
  t.same(outcomes.map((o) => o.status), Array(6).fill("fulfilled"));
  t.same(readFileSync(join(target, "saved_model.pb")), Buffer.from(onnxToSavedModel(bytes)));
});

t.test("the synthetic dataset generated at once by several callers: each succeeds, files are whole", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-cache-"));
  const outcomes = await Promise.allSettled(Array.from({ length: 4 }, () => ensureSyntheticCifar(dir, { count: 20 })));
  t.same(outcomes.map((o) => o.status), Array(4).fill("fulfilled"));
  t.equal(readFileSync(join(dir, "fine_label_names.txt"), "utf8"), SYNTHETIC_FINE_NAMES.join("\n") + "\n");
  t.equal(readFileSync(join(dir, "test.bin")).length, 20 * CIFAR_RECORD_BYTES);
});

t.test("troupe's cache: TROUPE_CACHE_DIR, else $XDG_CACHE_HOME/troupe, else ~/.cache/troupe, else .troupe/cache", (t) => {
  const home = () => "/home/ana";
  t.equal(troupeCacheDir({ TROUPE_CACHE_DIR: "/srv/cache", XDG_CACHE_HOME: "/x" }, home), "/srv/cache");
  t.equal(troupeCacheDir({ XDG_CACHE_HOME: "/x" }, home), join("/x", "troupe"));
  t.equal(troupeCacheDir({}, home), join("/home/ana", ".cache", "troupe"));
  t.equal(troupeCacheDir({}, () => ""), join(".troupe", "cache"), "no home directory");
  const noHome = () => {
    throw new Error("ENOENT: no passwd entry");
  };
  t.equal(troupeCacheDir({}, noHome), join(".troupe", "cache"), "a home directory that cannot be looked up");
  t.end();
});

t.test("the node's generated model, dataset and engine default to the cache; MODEL_DIR and the others still win", (t) => {
  const env = { TROUPE_CACHE_DIR: "/srv/troupe-cache" };
  const c = loadConfig({ env });
  t.equal(c.cacheDir, "/srv/troupe-cache");
  t.equal(c.inference.modelDir, join("/srv/troupe-cache", "models"));
  t.equal(c.simulator.syntheticDir, join("/srv/troupe-cache", "synthetic-cifar100"));
  t.equal(defaultTfjsDir(env), join("/srv/troupe-cache", "engines", `tfjs-node-${TFJS_NODE_VERSION}`));
  const own = loadConfig({ env: { ...env, MODEL_DIR: "/m", SYNTHETIC_DIR: "/s" } });
  t.same([own.inference.modelDir, own.simulator.syntheticDir], ["/m", "/s"]);
  t.equal(loadConfig({ env: {}, overrides: { TROUPE_CACHE_DIR: "/o" } }).inference.modelDir, join("/o", "models"));
  t.end();
});

t.test("a Python environment several callers need at once is built once per caller and renamed into place", async (t) => {
  const dir = join(mkdtempSync(join(tmpdir(), "troupe-venv-")), "venvs", "empty");
  const made = await Promise.all([ensureVenv(dir, []), ensureVenv(dir, [])]);
  t.equal(made.filter((v) => v.created).length >= 1, true, "one of them made it");
  t.equal(made[0]!.python, join(dir, "bin", "python"));
  t.same(readdirSync(join(dir, "..")), ["empty"], "no half-built environment is left beside it");
  t.equal((await ensureVenv(dir, [])).created, false, "reused afterwards");
});
