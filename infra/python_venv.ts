/**
 * Python virtual environments that tests and benchmarks set up from PyPI (an
 * independent client, the original system's stack): created once per folder
 * and requirement list, then reused; pip's progress reaches `progress`. Built
 * under a private name and renamed into place, so processes that need the same
 * one at once never see a half-installed environment (the first rename wins;
 * it is run as `python -m`, which works from the renamed folder).
 */
import { existsSync } from "node:fs";
import { readFile, rename, rm, writeFile } from "node:fs/promises";
import process from "node:process";
import { join, resolve } from "node:path";
import { InfraError } from "./errors.ts";
import { hasCommand, run } from "./process.ts";

/** A ready environment. */
export interface PythonVenv {
  dir: string;
  /** Its interpreter. */
  python: string;
  /** Whether this call installed it. */
  created: boolean;
}

/** Makes `dir` a virtual environment holding exactly `requirements` (pip specifiers, pinned). */
export async function ensureVenv(
  dir: string,
  requirements: string[],
  progress: (line: string) => void = () => {},
): Promise<PythonVenv> {
  const abs = resolve(dir);
  const python = join(abs, "bin", "python");
  const marker = join(abs, ".troupe-requirements");
  const want = requirements.join("\n");
  const ready = async () => existsSync(python) && (await readFile(marker, "utf8").catch(() => "")) === want;
  if (await ready()) return { dir: abs, python, created: false };
  if (!(await hasCommand("python3"))) throw new InfraError("python3 is needed to set up a virtual environment");
  const building = `${abs}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  const buildPython = join(building, "bin", "python");
  await rm(building, { recursive: true, force: true });
  const t0 = Date.now();
  progress(`python3 -m venv ${building}`);
  await run("python3", ["-m", "venv", ...(requirements.length === 0 ? ["--without-pip"] : []), building]);
  const timer = setInterval(
    () => progress(`pip install ${requirements.join(" ")} ... ${Math.round((Date.now() - t0) / 1000)} s`),
    5_000,
  );
  try {
    if (requirements.length > 0) {
      await run(
        buildPython,
        ["-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off", ...requirements],
        {
          onLine: (l) => {
            if (/^(Collecting|Successfully|ERROR)/.test(l)) progress(`pip: ${l.trim()}`);
          },
        },
      );
    }
  } catch (err) {
    await rm(building, { recursive: true, force: true });
    throw err;
  } finally {
    clearInterval(timer);
  }
  await writeFile(join(building, ".troupe-requirements"), want);
  if (await ready()) {
    await rm(building, { recursive: true, force: true }); // another process finished first
    return { dir: abs, python, created: false };
  }
  await rm(abs, { recursive: true, force: true }); // one with other requirements
  try {
    await rename(building, abs);
  } catch (err) {
    // Another process renamed its environment into place between the check above and this rename.
    await rm(building, { recursive: true, force: true });
    if (await ready()) return { dir: abs, python, created: false };
    throw err;
  }
  progress(`virtual environment ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${abs}`);
  return { dir: abs, python, created: true };
}
