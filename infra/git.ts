/** The commit a run measured, for the results files of `npm run bench` and `npm run chaos`. */
import { run } from "./process.ts";

/**
 * `git rev-parse --short=12 HEAD` of the repository at `dir` (default: the working directory), with `-dirty` when
 * tracked files differ from it; "unknown" outside git.
 */
export async function gitCommit(dir?: string): Promise<string> {
  const at = dir ? ["-C", dir] : [];
  const head = await run("git", [...at, "rev-parse", "--short=12", "HEAD"], { allowFail: true }).catch(() => null);
  if (!head || head.code !== 0) return "unknown";
  const dirty = await run("git", [...at, "status", "--porcelain", "--untracked-files=no"], { allowFail: true });
  return head.stdout.trim() + (dirty.stdout.trim() ? "-dirty" : "");
}
