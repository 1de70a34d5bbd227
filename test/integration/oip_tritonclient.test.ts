// The Open Inference Protocol routes driven by Triton's own HTTP client
// (tritonclient from PyPI, in a virtual environment this test sets up):
// health, metadata, configuration, FP32 and PNG inputs in JSON and binary form,
// the classification extension, and errors in the protocol's form.
import { Buffer } from "node:buffer";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import t from "tap";
import { preprocessPng } from "../../actors/inference/mod.ts";
import { ensureVenv } from "../../infra/python_venv.ts";
import { troupeCacheDir } from "../../system/platform.ts";
import { servePredict } from "../helpers/predict.ts";
import { TINY_B, TINY_INPUT, TINY_W, tinyPng } from "../helpers/tiny_model.ts";

const CLIENT = fileURLToPath(new URL("../clients/triton_http_client.py", import.meta.url));
const logits = (x: Float32Array) =>
  [0, 1, 2].map((k) => TINY_B[k]! + x.reduce((s, v, i) => s + TINY_W[k * 12 + i]! * v, 0));

t.test("tritonclient's HTTP client: every call answered as Triton would", async (t) => {
  const venv = await ensureVenv(
    join(troupeCacheDir(), "venvs", "tritonclient"),
    ["tritonclient[http]==2.73.0", "numpy==2.4.6"],
    (l) => t.comment(l),
  );
  const { hostPort } = await servePredict(t);
  const rgbs = Array.from({ length: 3 }, (_, i) => Array.from({ length: 12 }, (_, k) => (i * 59 + k * 29) % 256));
  const tensors = rgbs.map((rgb) => preprocessPng(tinyPng(rgb), TINY_INPUT));
  const request = {
    dims: [3, 2, 2],
    tensors: tensors.map((x) => Array.from(x)),
    pngs: rgbs.map((rgb) => Buffer.from(tinyPng(rgb)).toString("base64")),
    output: "y",
  };
  // Asynchronously: the server answering it runs in this process.
  const r = await runPython(venv.python, [CLIENT, hostPort, "tiny"], JSON.stringify(request));
  t.equal(r.status, 0, `the client ran: ${r.stderr.slice(-2000)}`);
  const out = JSON.parse(r.stdout) as Record<string, unknown>;
  t.same([out.live, out.ready, out.model_ready], [true, true, true], "live, ready, model ready");
  t.match(out.server, { name: "troupe", extensions: ["classification", "binary_tensor_data", "model_configuration"] });
  t.same(out.metadata, {
    name: "tiny",
    versions: ["1"],
    platform: "onnxruntime_onnx",
    inputs: [{ name: "x", datatype: "FP32", shape: [-1, 3, 2, 2] }],
    outputs: [{ name: "y", datatype: "FP32", shape: [-1, 3] }],
  });
  t.match(out.config, { name: "tiny", max_batch_size: 8, input: [{ name: "x", dims: [3, 2, 2] }] });
  const want = tensors.map(logits);
  const close = (got: number[][]) => got.every((row, i) => row.every((v, k) => Math.abs(v - want[i]![k]!) < 1e-4));
  const fpb = out.fp32_binary as { id: string; values: number[][] };
  t.ok(close(fpb.values), `FP32 in binary: the model's logits ${JSON.stringify(fpb.values)}`);
  t.equal(fpb.id, "fp32-True", "the request id comes back");
  t.ok(close((out.fp32_json as { values: number[][] }).values), "FP32 in JSON: the same logits");
  t.ok(close(out.png_raw as number[][]), "PNG images (BYTES) preprocessed by troupe: the same logits");
  const names = ["cat", "dog", "eel"];
  const expectClasses = want.map((row) =>
    [0, 1, 2].sort((a, b) => row[b]! - row[a]!).slice(0, 2).map((k) => `:${k}:${names[k]}`)
  );
  for (const key of ["png_classes_binary", "png_classes_json"]) {
    const got = out[key] as string[][];
    t.equal(got.length, 3, `${key}: one row per image`);
    got.forEach((row, i) => {
      t.same(row.map((s) => s.slice(s.indexOf(":"))), expectClasses[i], `${key} image ${i}: top-2 index and label`);
      t.ok(Math.abs(Number(row[0]!.split(":")[0]) - Math.max(...want[i]!)) < 1e-4, "the value is the output's");
    });
  }
  t.match(out.unknown_model, { status: "404", error: /unknown model 'no-such-model'/ });
  t.match(out.wrong_shape, { status: "400", error: /shape \[1, 5\]: the model takes FP32 \[N, 3, 2, 2\]/ });
});

function runPython(python: string, args: string[], input: string) {
  return new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(python, args, { stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("close", (status) => resolve({ status, stdout, stderr }));
    child.stdin.end(input);
  });
}
