/**
 * Python virtual environments that tests and benchmarks set up from PyPI (an
 * independent client, the original system's stack): created once per folder
 * and requirement list, then reused; pip's progress reaches `progress`.
 */
import { existsSync } from "node:fs";
import { readFile, rm, writeFile } from "node:fs/promises";
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
  if (existsSync(python) && (await readFile(marker, "utf8").catch(() => "")) === want) {
    return { dir: abs, python, created: false };
  }
  if (!(await hasCommand("python3"))) throw new InfraError("python3 is needed to set up a virtual environment");
  await rm(abs, { recursive: true, force: true });
  const t0 = Date.now();
  progress(`python3 -m venv ${abs}`);
  await run("python3", ["-m", "venv", abs]);
  const timer = setInterval(
    () => progress(`pip install ${requirements.join(" ")} ... ${Math.round((Date.now() - t0) / 1000)} s`),
    5_000,
  );
  try {
    await run(
      python,
      ["-m", "pip", "install", "--disable-pip-version-check", "--progress-bar", "off", ...requirements],
      {
        onLine: (l) => {
          if (/^(Collecting|Successfully|ERROR)/.test(l)) progress(`pip: ${l.trim()}`);
        },
      },
    );
  } finally {
    clearInterval(timer);
  }
  await writeFile(marker, want);
  progress(`virtual environment ready in ${((Date.now() - t0) / 1000).toFixed(1)} s: ${abs}`);
  return { dir: abs, python, created: true };
}
