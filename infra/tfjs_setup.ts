/**
 * Makes the TensorFlow engine available from the npm registry and PyPI alone
 * (tfjs-node's own install downloads libtensorflow from a host these machines
 * cannot reach):
 * 1. installs `@tensorflow/tfjs-node` 4.22.0 without its scripts into `dir`
 *    (pinned by infra/tfjs/engine-package-lock.json);
 * 2. fetches the `tensorflow-cpu` 2.21.0 wheel with pip (checked against its
 *    sha256), which carries libtensorflow_cc and libtensorflow_framework and the
 *    C API headers;
 * 3. places them where tfjs-node's binding.gyp looks (`deps/lib`, `deps/include`),
 *    `libtensorflow.so` linked to `libtensorflow_cc.so.2`;
 * 4. builds the addon with node-pre-gyp against this Node's installed headers;
 * 5. loads it in a child process and runs one operation.
 * Each step is skipped when its product is already there; `ready.json` records
 * what was built.
 */
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { copyFile, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { InfraError } from "./errors.ts";
import { hasCommand, run } from "./process.ts";

/** The wheel: its file name and sha256 (PyPI's digest). */
export const TF_WHEEL = {
  project: "tensorflow-cpu",
  version: "2.21.0",
  file: "tensorflow_cpu-2.21.0-cp311-cp311-manylinux_2_27_x86_64.whl",
  sha256: "2b847d217b02ee7731ed91431daf3250daa0196c3c94614d23be27232e6e5b6c",
  pip: ["--platform", "manylinux_2_27_x86_64", "--python-version", "3.11", "--implementation", "cp", "--abi", "cp311"],
};
const TFJS_VERSION = "4.22.0";
const HERE = dirname(fileURLToPath(import.meta.url));

/** Options of {@link setupTfjs}. */
export interface TfjsSetupOptions {
  /** Where tfjs-node is installed. */
  dir: string;
  /** Where the wheel is kept between runs. */
  cacheDir: string;
  /** Rebuild every step. */
  force?: boolean;
  /** One line per step and per few seconds of a long one. */
  progress(line: string): void;
}

/** What the setup left. */
export interface TfjsSetup {
  /** Where tfjs-node is installed. */
  dir: string;
  /** The native addon built. */
  addon: string;
  /** tfjs-node's version. */
  tfjsNode: string;
  /** The TensorFlow version of its libtensorflow. */
  tensorflow: string;
  /** Steps that did work (the others were already done). */
  done: string[];
}

async function sha256File(path: string): Promise<string> {
  const h = createHash("sha256");
  for await (const chunk of createReadStream(path)) h.update(chunk as Uint8Array);
  return h.digest("hex");
}

/** Runs `step` with a line every 5 s while it lasts. */
async function timed<T>(progress: (l: string) => void, label: string, step: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  progress(`${label} ...`);
  const timer = setInterval(() => progress(`${label} ... ${Math.round((Date.now() - t0) / 1000)} s`), 5_000);
  try {
    const r = await step();
    progress(`${label}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    return r;
  } finally {
    clearInterval(timer);
  }
}

/** Extracts the libraries and C API headers from the wheel into tfjs-node's deps/. */
const EXTRACT = `
import sys, zipfile, os, shutil
whl, deps = sys.argv[1], sys.argv[2]
libs = ("tensorflow/libtensorflow_cc.so.2", "tensorflow/libtensorflow_framework.so.2")
heads = ("tensorflow/include/tensorflow/c/", "tensorflow/include/tensorflow/core/platform/ctstring",
         "tensorflow/include/tsl/platform/ctstring", "tensorflow/include/xla/tsl/c/")
n = 0
with zipfile.ZipFile(whl) as z:
    for info in z.infolist():
        name = info.filename
        if name in libs:
            out = os.path.join(deps, "lib", os.path.basename(name))
        elif name.startswith(heads) and not name.endswith("/"):
            out = os.path.join(deps, "include", name[len("tensorflow/include/"):])
        else:
            continue
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with z.open(info) as src, open(out, "wb") as dst:
            shutil.copyfileobj(src, dst, 1 << 20)
        n += 1
        if name in libs:
            print("extracted", name, info.file_size, flush=True)
print("files", n, flush=True)
`;

/** Sets the engine up (idempotent); throws InfraError naming the step that failed. */
export async function setupTfjs(options: TfjsSetupOptions): Promise<TfjsSetup> {
  const dir = resolve(options.dir);
  const pkg = join(dir, "node_modules", "@tensorflow", "tfjs-node");
  const deps = join(pkg, "deps");
  const addon = join(pkg, "lib", `napi-v8`, "tfjs_binding.node");
  const stamp = join(deps, `.troupe-${TF_WHEEL.project}-${TF_WHEEL.version}`);
  const done: string[] = [];
  const p = options.progress;
  for (const cmd of ["python3", "make", "g++"]) {
    if (!(await hasCommand(cmd))) {
      throw new InfraError(`setup:tfjs needs ${cmd} (to fetch the TensorFlow wheel and build the addon): install it`);
    }
  }
  if (options.force) await rm(dir, { recursive: true, force: true });

  // 1. tfjs-node, without its install script (it would download libtensorflow).
  const installed = await readFile(join(pkg, "package.json"), "utf8").then((t) => JSON.parse(t).version).catch(
    () => null,
  );
  if (installed !== TFJS_VERSION) {
    await mkdir(dir, { recursive: true });
    await copyFile(join(HERE, "tfjs", "engine-package.json"), join(dir, "package.json"));
    await copyFile(join(HERE, "tfjs", "engine-package-lock.json"), join(dir, "package-lock.json"));
    await timed(
      p,
      `[1/5] npm ci --ignore-scripts: @tensorflow/tfjs-node ${TFJS_VERSION} into ${dir}`,
      () => run("npm", ["ci", "--ignore-scripts", "--no-audit", "--no-fund"], { cwd: dir }),
    );
    done.push("install");
  } else p(`[1/5] @tensorflow/tfjs-node ${TFJS_VERSION}: already in ${dir}`);

  // 2. The wheel, checked against PyPI's digest.
  const wheel = join(resolve(options.cacheDir), TF_WHEEL.file);
  if (!existsSync(stamp)) {
    if (!existsSync(wheel) || (await sha256File(wheel)) !== TF_WHEEL.sha256) {
      await mkdir(dirname(wheel), { recursive: true });
      await timed(
        p,
        `[2/5] pip download ${TF_WHEEL.project}==${TF_WHEEL.version} (about 270 MB)`,
        () =>
          run("python3", [
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            ...TF_WHEEL.pip,
            "--dest",
            dirname(wheel),
            `${TF_WHEEL.project}==${TF_WHEEL.version}`,
          ]),
      );
      const got = existsSync(wheel) ? await sha256File(wheel) : "missing";
      if (got !== TF_WHEEL.sha256) {
        throw new InfraError(`the downloaded ${TF_WHEEL.file} has sha256 ${got}, not PyPI's ${TF_WHEEL.sha256}`);
      }
      done.push("download");
    } else p(`[2/5] ${TF_WHEEL.file}: already in ${dirname(wheel)} (sha256 checked)`);

    // 3. Libraries and headers where binding.gyp looks; libtensorflow.so is libtensorflow_cc.
    await rm(deps, { recursive: true, force: true });
    await timed(
      p,
      "[3/5] extract libtensorflow_cc, libtensorflow_framework and the C API headers",
      () => run("python3", ["-c", EXTRACT, wheel, deps], { onLine: (l) => p(`      ${l}`) }),
    );
    const lib = join(deps, "lib");
    await symlink("libtensorflow_cc.so.2", join(lib, "libtensorflow.so"));
    // scripts/install.js skips its download when this file exists.
    await symlink("libtensorflow_cc.so.2", join(lib, "libtensorflow.so.2.9.1"));
    await symlink("libtensorflow_framework.so.2", join(lib, "libtensorflow_framework.so"));
    await rm(addon, { force: true });
    await writeFile(stamp, `${TF_WHEEL.file} ${TF_WHEEL.sha256}\n`);
    done.push("extract");
  } else p(`[2/5] [3/5] libtensorflow ${TF_WHEEL.version}: already in ${deps}`);

  // 4. The addon, against this Node's headers (nothing downloaded).
  if (!existsSync(addon)) {
    const nodedir = dirname(dirname(process.execPath));
    if (!existsSync(join(nodedir, "include", "node", "node_api.h"))) {
      throw new InfraError(
        `Node's headers are not in ${nodedir}/include/node: install them (Debian: libnode-dev, or Node from nodejs.org) to build the tfjs-node addon`,
      );
    }
    const preGyp = join(dir, "node_modules", ".bin", "node-pre-gyp");
    await timed(
      p,
      `[4/5] build the tfjs-node addon (node-pre-gyp, --nodedir=${nodedir})`,
      () => run(preGyp, ["install", "--build-from-source", `--nodedir=${nodedir}`], { cwd: pkg }),
    );
    if (!existsSync(addon)) throw new InfraError(`the build finished without ${addon}`);
    done.push("build");
  } else p(`[4/5] addon: already built (${addon})`);

  // 5. Load it in a child and run one operation.
  const check = `const tf = require(${JSON.stringify(join(pkg))});
const y = tf.matMul(tf.tensor([[1, 2], [3, 4]]), tf.tensor([[1], [1]])).dataSync();
if (y[0] !== 3 || y[1] !== 7) throw new Error("matMul gave " + Array.from(y));
console.log(JSON.stringify({ tfjsNode: tf.version["tfjs-node"] }));`;
  const r = await run(process.execPath, ["-e", check], { env: { ...process.env, TF_CPP_MIN_LOG_LEVEL: "2" } });
  const tfjsNode = (JSON.parse(r.stdout.trim().split("\n").pop() ?? "{}") as { tfjsNode?: string }).tfjsNode ?? "?";
  p(`[5/5] tfjs-node ${tfjsNode} on libtensorflow ${TF_WHEEL.version}: loads and computes`);
  const result = { dir, addon, tfjsNode, tensorflow: TF_WHEEL.version, done };
  await writeFile(
    join(dir, "ready.json"),
    JSON.stringify({ ...result, wheel: TF_WHEEL.file, sha256: TF_WHEEL.sha256, node: process.version }, null, 2),
  );
  return result;
}
