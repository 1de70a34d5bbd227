/**
 * Finds and loads `@tensorflow/tfjs-node`, which `npm ci` does not install (its
 * own install downloads libtensorflow from a host these machines cannot reach):
 * `npm run setup:tfjs` builds it into troupe's cache (`defaultTfjsDir()`) from the npm
 * registry and PyPI. Looked up there (or in `TFJS_DIR`) first, then from the
 * project as any package, so a service that installed it itself needs no setup.
 * Declares the small part of its API the engine uses, so type checks do not
 * depend on the setup.
 */
import { existsSync, readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import process from "node:process";
import { TroupeError } from "../../system/mod.ts";
import { runtime, troupeCacheDir } from "../../system/platform.ts";

/**
 * The version `npm run setup:tfjs` installs.
 * @experimental
 */
export const TFJS_NODE_VERSION = "4.22.0";
/**
 * Where `npm run setup:tfjs` installs it: `engines/tfjs-node-<version>` in troupe's cache.
 * @experimental
 */
export function defaultTfjsDir(env: Record<string, string | undefined> = process.env): string {
  return join(troupeCacheDir(env), "engines", `tfjs-node-${TFJS_NODE_VERSION}`);
}

/** A tensor, as far as the engine uses one. */
export interface TfTensor {
  readonly shape: number[];
  readonly dtype: string;
  data(): Promise<Float32Array>;
  dispose(): void;
}
type NamedTensors = Record<string, TfTensor>;
/** A loaded SavedModel, graph model or layers model. */
export interface TfModel {
  predict(inputs: TfTensor | NamedTensors): TfTensor | TfTensor[] | NamedTensors;
  dispose?(): void;
}
/** A SavedModel's description of one input or output. */
export interface TfTensorInfo {
  dtype: string;
  name: string;
  shape?: { getSize(): number }[];
}
/** One meta graph of a SavedModel. */
export interface TfMetaGraph {
  tags: string[];
  signatureDefs: Record<string, { inputs: Record<string, TfTensorInfo>; outputs: Record<string, TfTensorInfo> }>;
}
/** What the engine uses of `@tensorflow/tfjs-node`. */
export interface TfjsNode {
  version: Record<string, string>;
  tensor(values: Float32Array, shape: number[], dtype?: "float32"): TfTensor;
  node: {
    loadSavedModel(path: string, tags?: string[], signature?: string): Promise<TfModel & { dispose(): void }>;
    getMetaGraphsFromSavedModel(path: string): Promise<TfMetaGraph[]>;
  };
  io: { fileSystem(path: string): unknown };
  loadGraphModel(handler: unknown): Promise<TfModel & { inputs: { name: string; shape?: number[]; dtype: string }[] }>;
  loadLayersModel(handler: unknown): Promise<TfModel & { inputs: { name: string; shape: (number | null)[] }[] }>;
}

/**
 * The TensorFlow engine is not installed. Not retriable.
 * @experimental
 */
export class TfjsMissing extends TroupeError {
  /** An error saying tfjs-node is not installed and how to install it. */
  constructor(message: string) {
    super("TROUPE_ERR_ENGINE_MISSING", message);
  }
}

/** Loads tfjs-node from `dir` (default {@link defaultTfjsDir}), or else from the project. */
export function requireTfjsNode(dir: string | null = null): TfjsNode {
  const where = resolve(dir ?? defaultTfjsDir());
  const local = existsSync(join(where, "node_modules", "@tensorflow", "tfjs-node", "package.json"));
  if (dir !== null && !local) {
    throw new TfjsMissing(
      `TFJS_DIR=${dir} holds no node_modules/@tensorflow/tfjs-node: run 'npm run setup:tfjs -- --dir ${dir}'`,
    );
  }
  const require = createRequire(local ? join(where, "package.json") : import.meta.url);
  // tfjs-node calls util.isNullOrUndefined and util.isArray, which Deno (and Node 23+) lack.
  const util = require("node:util") as Record<string, unknown>;
  util.isNullOrUndefined ??= (v: unknown) => v === null || v === undefined;
  util.isArray ??= Array.isArray;
  try {
    return require("@tensorflow/tfjs-node") as TfjsNode;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    const hint = local
      ? `its native addon did not load (${e.message.split("\n")[0]}): run 'npm run setup:tfjs' again`
      : `@tensorflow/tfjs-node is not installed: run 'npm run setup:tfjs' (it builds tfjs-node ${TFJS_NODE_VERSION} into ${defaultTfjsDir()} from the npm registry and PyPI)`;
    throw new TfjsMissing(`the TensorFlow engine is not available: ${hint}`);
  }
}

let pinned = false;

/**
 * Keeps tfjs-node's native library loaded in this process for as long as it runs.
 * Call it in the main thread before worker threads load the engine. Node unloads an
 * addon when the worker thread that loaded it ends; libtensorflow registers exit
 * handlers, which then point at unmapped code, and the process dies of SIGSEGV when
 * it exits (any exit, after any worker that loaded the engine ended). Loading the
 * addon once here holds a reference to the library. Costs about 0.4 s and 60 MB
 * once; nothing on Deno, which does not unload addons. Does nothing (the worker
 * then reports why) when the engine is not installed.
 */
export function pinTfjsNative(dir: string | null = null): void {
  if (pinned || runtime !== "node") return;
  const binding = findBinding(dir);
  if (!binding) return;
  process.dlopen({ exports: {} }, binding);
  pinned = true;
}

function findBinding(dir: string | null): string | null {
  const where = resolve(dir ?? defaultTfjsDir());
  const local = join(where, "package.json");
  let pkg: string;
  try {
    pkg = createRequire(existsSync(local) ? local : import.meta.url).resolve("@tensorflow/tfjs-node/package.json");
  } catch {
    return null;
  }
  const lib = join(dirname(pkg), "lib");
  const napi = existsSync(lib) ? readdirSync(lib).filter((d) => /^napi-v\d+$/.test(d)).sort() : [];
  for (const d of napi.reverse()) {
    const file = join(lib, d, "tfjs_binding.node");
    if (existsSync(file)) return file;
  }
  return null;
}
