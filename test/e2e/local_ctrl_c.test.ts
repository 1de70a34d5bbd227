// Ctrl-C of `npm run local`, as a terminal sends it: SIGINT to the whole process
// group (npm, and the node it runs). The node stops in order (intake, consumers,
// the broker it started, last), restarts nothing, logs no error, exits 0 within
// seconds, and leaves no broker behind; npm returns the node's 0. A second Ctrl-C
// exits 130 at once, and a shutdown that cannot finish ends at SHUTDOWN_DEADLINE_MS.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import t, { type Test } from "tap";
import { pidAlive, waitForExit } from "../../infra/process.ts";
import { staticPorts } from "../helpers/infra.ts";
import { pipelineEnv } from "../helpers/pipeline.ts";
import { writeTinyModel } from "../helpers/tiny_model.ts";
import { until } from "../helpers/wait.ts";

const dir = mkdtempSync(join(tmpdir(), "troupe-ctrlc-"));
const model = join(dir, "tiny.onnx");
writeTinyModel(model);

interface Local {
  npm: ChildProcess;
  out(): string;
  err(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  brokerPid: number;
  /** SIGINT to the process group, as a terminal's Ctrl-C. */
  ctrlC(): void;
}

/** Starts `npm run local` in a process group of its own, with its own broker; resolves after its summary. */
async function startLocal(t: Test, env: Record<string, string>): Promise<Local> {
  const [port, controller] = await staticPorts(2);
  const npm = spawn("npm", ["run", "-s", "local", "--", "--count", "40", "--devices", "4"], {
    env: {
      ...process.env,
      ...pipelineEnv("ctrlc"),
      KAFKA_BROKERS: "",
      KAFKA_PORT: String(port),
      KAFKA_CONTROLLER_PORT: String(controller),
      KAFKA_DATA_DIR: mkdtempSync(join(dir, "kafka-")),
      OPS_PORT: "0",
      API_PORT: "0",
      MODEL_PATH: model,
      MODEL_INPUT_SIZE: "2",
      LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let out = "";
  let err = "";
  npm.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  npm.stderr!.on("data", (c: Buffer) => (err += c.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((r) =>
    npm.once("exit", (code, signal) => r({ code, signal, at: Date.now() }))
  );
  t.teardown(() => {
    if (!t.passing()) t.comment(`npm run local, last lines:\n${(out + err).split("\n").slice(-40).join("\n")}`);
    if (npm.exitCode === null && npm.signalCode === null) process.kill(-npm.pid!, "SIGKILL");
  });
  const summary = () => out.includes("still running so you can look around");
  await until("the summary", () => summary() || npm.exitCode !== null, 180_000, 50);
  if (!summary()) throw new Error(`npm run local exited with ${npm.exitCode} before its summary: ${err.slice(-2000)}`);
  const brokerPid = Number(/"msg":"Kafka broker starting"[^\n]*"pid":(\d+)/.exec(err)?.[1]);
  return { npm, out: () => out, err: () => err, exited, brokerPid, ctrlC: () => process.kill(-npm.pid!, "SIGINT") };
}

/** The node's log lines from the one containing `from` on, parsed. */
function linesFrom(stderr: string, from: string): { level?: string; msg?: string; [k: string]: unknown }[] {
  const lines = stderr.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
  return lines.slice(lines.findIndex((l) => l.msg === from));
}

// The three nodes start side by side (each starts a broker: the slow part); each test ends one.
const starting = {
  plain: startLocal(t, {}),
  slow: startLocal(t, { SHUTDOWN_DEADLINE_MS: "60000" }),
  capped: startLocal(t, { SHUTDOWN_DEADLINE_MS: "3000" }),
};
for (const p of Object.values(starting)) p.catch(() => {}); // awaited in the tests below

t.test("Ctrl-C: an orderly stop, exit 0 within seconds, no error, no restart, no broker left", async (t) => {
  const local = await starting.plain;
  t.ok(pidAlive(local.brokerPid), `the node's broker runs (pid ${local.brokerPid})`);
  const outBefore = local.out().length;
  const sent = Date.now();
  local.ctrlC();
  const { code, signal, at } = await local.exited;
  t.same({ code, signal }, { code: 0, signal: null }, "npm returns the node's exit code 0");
  t.ok(at - sent < 10_000, `stopped in ${at - sent} ms`);
  const stop = linesFrom(local.err(), "stopping node");
  t.ok(stop.length > 1, "the node logged its stop");
  t.same(stop.filter((l) => l.level === "error" || l.level === "warn"), [], "no error or warning while stopping");
  t.notMatch(local.err(), /ECONNREFUSED/, "nothing lost the broker while it stopped");
  t.same(stop.filter((l) => /restart/.test(String(l.msg))), [], "nothing restarted");
  const msgs = stop.map((l) => l.msg);
  const left = msgs.flatMap((m, i) => (m === "left the consumer group" ? [i] : []));
  t.equal(left.length, 2, "the db consumer and the inference consumer left their groups");
  t.ok(Math.max(...left) < msgs.indexOf("Kafka broker stopped"), "consumers stopped before the broker");
  t.equal(msgs.at(-1), "node stopped");
  t.notOk(pidAlive(local.brokerPid), "the broker process is gone");
  t.notMatch(local.out().slice(outBefore), /\[#/, "the progress line is not drawn again after the summary");
});

t.test("a second Ctrl-C exits 130 at once; a stop that cannot finish ends at SHUTDOWN_DEADLINE_MS", async (t) => {
  // A frozen broker: the consumers' last commits and group leaves wait on it.
  const slow = await starting.slow;
  process.kill(slow.brokerPid, "SIGSTOP");
  slow.ctrlC();
  await until("the stop began", () => slow.err().includes('"msg":"stopping node"'), 10_000);
  // A second press, later than npm's forward of the first.
  await new Promise((r) => setTimeout(r, 1200));
  const second = Date.now();
  slow.ctrlC();
  const s = await slow.exited;
  t.same({ code: s.code, signal: s.signal }, { code: 130, signal: null }, "exit 130");
  t.ok(s.at - second < 5_000, `exited ${s.at - second} ms after the second Ctrl-C`);
  t.match(slow.err(), "local: second SIGINT: exiting without waiting for the graceful shutdown");
  t.ok(await waitForExit(slow.brokerPid, 30_000), "the frozen broker was told to stop and is gone");

  const capped = await starting.capped;
  process.kill(capped.brokerPid, "SIGSTOP");
  const sent = Date.now();
  capped.ctrlC();
  const c = await capped.exited;
  t.same({ code: c.code, signal: c.signal }, { code: 0, signal: null }, "exit 0 at the deadline");
  t.ok(c.at - sent >= 3000 && c.at - sent < 8_000, `exited after ${c.at - sent} ms, deadline 3000 ms`);
  t.match(
    capped.err(),
    /"msg":"actor stop did not finish before the shutdown deadline"[^\n]*"actor":"\/troupe\/broker\/keeper"/,
  );
  t.ok(await waitForExit(capped.brokerPid, 30_000), "the frozen broker was told to stop and is gone");
});
