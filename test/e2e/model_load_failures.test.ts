// A model that cannot be loaded ends the inference node with exit 1 and one line
// naming what was wrong, on every engine and on both runtimes. (Node used to die of
// SIGSEGV at exit once a worker thread had loaded tfjs-node: Node unloads an addon
// when the worker that loaded it ends, and libtensorflow's exit handlers then
// pointed at unmapped code.)
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import t from "tap";
import { pipelineEnv } from "../helpers/pipeline.ts";
import { TF_TINY_MODULE } from "../helpers/tfjs.ts";
import { nodeArgs } from "../helpers/entry.ts";
import { writeTinyModel } from "../helpers/tiny_model.ts";

interface Outcome {
  code: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/** Runs main.ts as an inference node with `env` on `runtime`; resolves once it exited. */
async function runInference(runtime: "node" | "deno", env: Record<string, string>): Promise<Outcome> {
  const [cmd, args] = runtime === "deno"
    ? ["node_modules/.bin/deno", ["run", "-A", "main.ts"]]
    : [process.execPath, await nodeArgs("main.ts")];
  const p = spawn(cmd, args, {
    env: { ...process.env, ...pipelineEnv("badmodel"), ROLE: "inference", OPS_PORT: "0", API_PORT: "0", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((r) => p.once("exit", (code, signal) => r({ code, signal, stderr })));
}

const lastLine = (stderr: string) => stderr.trim().split("\n").at(-1) ?? "";

const dir = mkdtempSync(join(tmpdir(), "troupe-badmodel-"));
const corruptOnnx = join(dir, "corrupt.onnx");
writeFileSync(corruptOnnx, "this is not a protobuf");
const corruptSaved = join(dir, "corrupt_saved_model");
await mkdir(corruptSaved);
writeFileSync(join(corruptSaved, "saved_model.pb"), "this is not a protobuf either");
const tinyOnnx = join(dir, "tiny.onnx");
writeTinyModel(tinyOnnx);

const tfjs = {
  MODEL_ENGINE: "tfjs",
  MODEL_PATH: TF_TINY_MODULE,
  MODEL_INPUT_SIZE: "2",
  MODEL_LAYOUT: "NHWC",
  MODEL_MEAN: "0,0,0",
  MODEL_STD: "1,1,1",
  MODEL_SCALE: "1",
};

const cases: { name: string; env: Record<string, string>; says: RegExp }[] = [
  {
    name: "tfjs: a signature the SavedModel does not have",
    env: { ...tfjs, MODEL_SIGNATURE: "nope" },
    says: /no signature 'nope': it has \[(both, serving_default|serving_default, both)\]/,
  },
  {
    name: "tfjs: an input name the signature does not have",
    env: { ...tfjs, MODEL_INPUT_NAME: "nope" },
    says: /no input 'nope': it has \[pixels\]/,
  },
  {
    name: "tfjs: the wrong layout",
    env: { ...tfjs, MODEL_LAYOUT: "NCHW" },
    says: /model input 'pixels' is float32 \[N, 2, 2, 3\]: the configuration expects float32 \[N, 3, 2, 2\]/,
  },
  {
    name: "tfjs: a missing model",
    env: { ...tfjs, MODEL_PATH: join(dir, "nothing_here") },
    says: /nothing_here/,
  },
  {
    name: "tfjs: a corrupt SavedModel",
    env: { ...tfjs, MODEL_PATH: corruptSaved },
    says: /corrupt_saved_model/,
  },
  {
    name: "onnx: a missing model",
    env: { MODEL_PATH: join(dir, "nothing.onnx"), MODEL_INPUT_SIZE: "2" },
    says: /nothing\.onnx/,
  },
  {
    name: "onnx: a corrupt model",
    env: { MODEL_PATH: corruptOnnx, MODEL_INPUT_SIZE: "2" },
    says: /corrupt\.onnx/,
  },
  {
    name: "onnx: the wrong layout",
    env: { MODEL_PATH: tinyOnnx, MODEL_INPUT_SIZE: "2", MODEL_LAYOUT: "NHWC" },
    says: /\[N, 3, 2, 2\]/,
  },
];

// On Deno, one case of each kind: the messages come from the same code on both runtimes,
// what differs is how each engine's native library loads and how the process ends.
const onDeno = new Set([
  "tfjs: a signature the SavedModel does not have",
  "tfjs: a corrupt SavedModel",
  "onnx: a corrupt model",
]);

for (const runtime of ["node", "deno"] as const) {
  const mine = cases.filter((c) => runtime === "node" || onDeno.has(c.name));
  t.test(`${runtime}: every model-load failure exits 1 with its message`, async (t) => {
    t.equal(mine.length, runtime === "node" ? cases.length : onDeno.size, "the cases this runtime runs");
    // Two at a time: each start loads an engine, and the machine has two cores.
    const outcomes: Outcome[] = [];
    for (let i = 0; i < mine.length; i += 2) {
      outcomes.push(...await Promise.all(mine.slice(i, i + 2).map((c) => runInference(runtime, c.env))));
    }
    mine.forEach((c, i) => {
      const o = outcomes[i]!;
      t.same({ code: o.code, signal: o.signal }, { code: 1, signal: null }, `${c.name}: exit 1, no signal`);
      t.match(lastLine(o.stderr), /^troupe: the node could not start: /, `${c.name}: one closing line`);
      t.match(lastLine(o.stderr), c.says, `${c.name}: names what was wrong`);
      if (o.code !== 1 || !c.says.test(lastLine(o.stderr))) t.comment(o.stderr.split("\n").slice(-8).join("\n"));
    });
  });
}
