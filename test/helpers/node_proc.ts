/** A troupe node run as a child process, for end-to-end tests. */
import { type ChildProcess, spawn } from "node:child_process";
import process from "node:process";
import type { Test } from "tap";
import type { ActorSnapshot } from "../../system/mod.ts";
import { nodeArgs } from "./entry.ts";
import { until } from "./wait.ts";

/** A running node process. */
export interface NodeProcess {
  proc: ChildProcess;
  base: string;
  stderr(): string;
  exited: Promise<number | null>;
  /** The actor at `path` in `/actors`, or undefined. */
  actor(path: string): Promise<ActorSnapshot | undefined>;
  metrics(): Promise<string>;
}

/**
 * Starts `main.ts` with `env` (on Node from the build of the sources, see entry.ts; or on Deno) and waits until
 * `/readyz` answers 200. The node binds a port of its own choosing (`OPS_PORT=0`)
 * and the address is read from its "ops endpoint listening" log line: a port picked
 * free beforehand could be taken by another test's node in between, and the test
 * would then talk to that node.
 */
export async function startNodeProcess(
  t: Test,
  env: Record<string, string>,
  options: {
    runtime?: "node" | "deno";
    token?: string;
    /** The node leads a process group of its own, as under a terminal or `timeout`. */
    processGroup?: boolean;
    /** Wait until `/readyz` answers 200 (else only until the ops endpoint listens). @default true */
    waitReady?: boolean;
  } = {},
): Promise<NodeProcess> {
  const [cmd, args] = options.runtime === "deno"
    ? ["node_modules/.bin/deno", ["run", "-A", "main.ts"]]
    : [process.execPath, await nodeArgs("main.ts")];
  const proc = spawn(cmd, args, {
    env: { ...process.env, OPS_PORT: "0", ...env, LOG_LEVEL: "info" },
    stdio: ["ignore", "ignore", "pipe"],
    detached: options.processGroup ?? false,
  });
  let stderr = "";
  proc.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  t.teardown(() => {
    // A failed test shows what the node logged last, so a CI log says what the node saw.
    if (!t.passing()) {
      t.comment(
        `${env["ROLE"]} node (exit ${proc.exitCode}), last lines:\n${stderr.split("\n").slice(-40).join("\n")}`,
      );
    }
    if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
  });
  const failed = () => new Error(`node exited with ${proc.exitCode}: ${stderr.slice(-2000)}`);
  const listening = await until(
    `node ${env["ROLE"]} listening`,
    () => {
      if (proc.exitCode !== null) throw failed();
      return /"msg":"ops endpoint listening"[^\n]*"url":"http:\/\/[^":]+:(\d+)"/.exec(stderr)?.[1];
    },
    90_000,
    20,
  );
  const base = `http://127.0.0.1:${listening}`;
  const auth: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  const node: NodeProcess = {
    proc,
    base,
    stderr: () => stderr,
    exited,
    async actor(path) {
      const body = (await (await fetch(`${base}/actors`, { headers: auth })).json()) as { tree: ActorSnapshot };
      const find = (
        n: ActorSnapshot,
      ): ActorSnapshot | undefined => (n.path === path ? n : n.children.map(find).find(Boolean));
      return find(body.tree);
    },
    metrics: async () => (await fetch(`${base}/metrics`, { headers: auth })).text(),
  };
  if (options.waitReady === false) return node;
  await until(
    `node ${env["ROLE"]} ready`,
    async () => {
      if (proc.exitCode !== null) throw failed();
      return (await fetch(`${base}/readyz`).catch(() => null))?.status === 200;
    },
    90_000,
    100,
  );
  return node;
}
