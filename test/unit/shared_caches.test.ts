// Caches that test files and nodes share (the synthetic dataset, the generated
// models) are written under private names and renamed: writers racing each other
// all succeed, and what is left is whole.
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import t from "tap";
import { onnxToSavedModel, writeSavedModel } from "../../actors/inference/mod.ts";
import { ensureSyntheticCifar, SYNTHETIC_FINE_NAMES } from "../../actors/simulator/mod.ts";
import { CIFAR_RECORD_BYTES } from "../../protocols/mod.ts";
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
