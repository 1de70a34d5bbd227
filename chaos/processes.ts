/** Processes on the chaos suite's hosts: started in a host's namespace, each in a process group of its own. */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { createWriteStream } from "node:fs";
import process from "node:process";
import type { Host } from "./netns.ts";

/** A process running on a host. */
export interface HostProcess {
  name: string;
  host: Host;
  proc: ChildProcess;
  exited: Promise<number | null>;
  /** Signals the whole process group (a node and, for the broker, its JVM). */
  signal(sig: NodeJS.Signals): void;
}

/** Starts `cmd args` in `host`'s namespace with `env` added, its output appended to `logFile`. */
export function startOnHost(
  name: string,
  host: Host,
  cmd: string,
  args: string[],
  env: Record<string, string>,
  logFile: string,
): HostProcess {
  const log = createWriteStream(logFile, { flags: "a" });
  const proc = spawn("ip", ["netns", "exec", host.ns, cmd, ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  proc.stdout!.pipe(log, { end: false });
  proc.stderr!.pipe(log, { end: false });
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  return {
    name,
    host,
    proc,
    exited,
    signal(sig) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      try {
        process.kill(-proc.pid!, sig);
      } catch { /* gone */ }
    },
  };
}

/** Runs `cmd args` in `host`'s namespace to completion; resolves with its standard output. */
export function runOnHost(host: Host, cmd: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "ip",
      ["netns", "exec", host.ns, cmd, ...args],
      { env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024 },
      (
        err,
        stdout,
        stderr,
      ) => (err
        ? reject(new Error(`${cmd} ${args.join(" ")} on ${host.name}: ${stderr || err.message}`))
        : resolve(stdout)),
    );
  });
}
