/**
 * `npm run chaos [-- --quick] [--only <name>]`: the pipeline on four hosts under
 * faults. The four roles run as four hosts on this machine, each in a network
 * namespace of its own joined to a bridge (chaos/netns.ts); this process makes
 * the namespaces, then runs the scenarios from a fifth host (the observer) and
 * removes every namespace at the end. Writes bench/results/chaos.{json,md}.
 * Needs root, iproute2, Java 17 and Maven (the broker), PostgreSQL (installed with
 * apt-get when missing) and kcat. Exit code 0 when every scenario that can run
 * here passed, 1 otherwise.
 */
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import process from "node:process";
import { parseCli } from "../node/cli/args.ts";
import type { Cluster } from "./cluster.ts";
import type { Network } from "./netns.ts";
import { KEEP_RUNS, pruneRunDirs } from "../bench/chaos_run_dirs.ts";
import type { RunShape, ScenarioResult } from "./scenarios.ts";

const HOSTS = ["broker", "db", "inference", "camera", "observer", "link"];
const { values } = parseCli({
  name: "chaos",
  usage: `usage: npm run chaos -- [--quick] [--only NAME] [--rounds N] [--plaintext] [--out DIR]

The pipeline on four hosts (network namespaces) under faults: kills, outages, a
slow lossy link, poison, a consumer group scaled out and back. Needs root. The
hosts reach the broker over SASL_SSL (TLS from a private CA, SCRAM-SHA-512), as
machines of a real deployment would. Writes DIR/chaos.{json,md}; exit 1 when a
scenario failed.

  --quick      one scenario of each kind
  --only NAME  the scenarios whose name contains NAME (given again: either)
  --rounds N   run the scenarios N times, every other round in reverse order (default 1)
  --plaintext  a PLAINTEXT broker listener instead of SASL_SSL
  --out DIR    where the report goes (default bench/results)
  --help       this text
`,
  options: {
    quick: { type: "boolean" },
    only: { type: "string", multiple: true },
    plaintext: { type: "boolean" },
    rounds: { type: "string", default: "1" },
    inside: { type: "string" },
    out: { type: "string", default: "bench/results" },
  },
});
// Loaded once the flags are known: --help and a bad flag answer at once.
const { hasCommand } = await import("../infra/process.ts");
const { writeTinyModel } = await import("../test/helpers/tiny_model.ts");
const { brokersOf, makeClusterCerts, startBroker, startDatabase, stopDatabase } = await import("./cluster.ts");
const { checkNamespaces, createHosts, removeHosts } = await import("./netns.ts");
const { renderChaosMarkdown } = await import("../bench/chaos_report.ts");
const { machineInfo } = await import("../infra/cpu.ts");
const { gitCommit } = await import("../infra/git.ts");
const { runScenario, SCENARIOS, stopNodes } = await import("./scenarios.ts");
const say = (line: string) => process.stdout.write(`chaos [${new Date().toISOString().slice(11, 19)}] ${line}\n`);

if (values.inside === undefined) await outside();
else await inside(values.inside);

/** In the machine's own namespace: checks, makes the hosts, runs this program on the observer host, cleans up. */
async function outside(): Promise<void> {
  const prefix = `trp${process.pid}`;
  for (const cmd of ["ip", "kcat", "java", "mvn"]) {
    if (!(await hasCommand(cmd))) {
      console.error(`chaos: '${cmd}' is needed and not installed`);
      process.exit(1);
    }
  }
  try {
    checkNamespaces(prefix);
  } catch (err) {
    console.error((err as Error).message);
    process.exit(1);
  }
  say(`making hosts ${HOSTS.join(", ")} (namespaces ${prefix}-*, 198.18.0.0/24 on a bridge of their own)`);
  const net = createHosts(prefix, HOSTS);
  const cleanup = () => removeHosts(prefix);
  process.once("SIGINT", () => {
    cleanup();
    process.exit(130);
  });
  let code = 1;
  try {
    const args = [process.execArgv, process.argv.slice(1), ["--inside", JSON.stringify(net)]].flat();
    const child = spawn("ip", ["netns", "exec", net.hosts["observer"]!.ns, process.execPath, ...args], {
      stdio: "inherit",
    });
    code = await new Promise<number>((r) => child.once("exit", (c) => r(c ?? 1)));
  } finally {
    cleanup();
    say("hosts removed");
  }
  process.exit(code);
}

/** On the observer host: the infrastructure, then each scenario. */
async function inside(netJson: string): Promise<void> {
  const net = JSON.parse(netJson) as Network;
  const quick = values.quick === true;
  const shape: RunShape = quick
    ? { images: 600, devices: 6, rate: 20, outageMs: 10_000, settleMs: 150_000 }
    : { images: 1500, devices: 6, rate: 20, outageMs: 30_000, settleMs: 240_000 };
  const run = Date.now().toString(36);
  const removed = pruneRunDirs(resolve(".troupe"));
  if (removed.length > 0) say(`removed ${removed.length} older run directories (the newest ${KEEP_RUNS} are kept)`);
  const dir = resolve(`.troupe/chaos-${run}`);
  mkdirSync(dir, { recursive: true });
  const modelPath = join(dir, "tiny.onnx");
  writeTinyModel(modelPath);
  say(
    `${quick ? "quick" : "full"} mode: ${shape.images} images per scenario, outages of ${
      shape.outageMs / 1000
    } s; logs in ${dir}`,
  );
  const security = values.plaintext ? null : await makeClusterCerts(net, dir);
  // One fleet for the run: every node (the broker's too) beats on the run's nodes topic and ships its lines.
  const fleetEnv = {
    TOPIC_NODES: `chaos_${run}.nodes`,
    TOPIC_LOGS: `chaos_${run}.logs`,
    HEARTBEAT_MS: "1000",
    LOG_SHIP_LEVEL: "info",
  };
  const partial = { net, dir, brokers: brokersOf(net), security, modelPath, fleetEnv, log: say, databaseUrl: "" };
  say("starting PostgreSQL on the db host");
  partial.databaseUrl = await startDatabase(net, join(dir, "postgres"));
  say(`starting the broker role on the broker host (${security ? "SASL_SSL, SCRAM-SHA-512" : "PLAINTEXT"})`);
  const c: Cluster = { ...partial, broker: await startBroker(partial) };
  const only = (values.only as string[] | undefined) ?? [];
  const wanted = SCENARIOS.filter((s) => (only.length > 0 ? only.some((o) => s.name.includes(o)) : !quick || s.quick));
  const results: (ScenarioResult | { scenario: string; skipped: string })[] = [];
  const started = new Date();
  // Read at the start: the code measured is the code checked out when the run began.
  const commit = await gitCommit();
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1) {
    throw new Error(`--rounds must be a whole number from 1: got '${values.rounds}'`);
  }
  // Every other round in reverse order: no scenario always runs first.
  const plan = Array.from({ length: rounds }, (_, k) =>
    (k % 2 === 0 ? wanted : [...wanted].reverse()).map((s) => ({
      s,
      label: rounds > 1 ? `${s.name}, round ${k + 1}` : s.name,
    }))).flat();
  try {
    for (const [i, { s, label }] of plan.entries()) {
      const why = await s.unavailable?.(c);
      if (why) {
        say(`${i + 1}/${plan.length} ${label}: not run here: ${why}`);
        results.push({ scenario: label, skipped: why });
        continue;
      }
      say(`${i + 1}/${plan.length} ${label}: running`);
      const r = { ...(await runScenario(c, s, shape, `${run}_${i}`)), scenario: label };
      say(
        `${i + 1}/${plan.length} ${label}: ${
          r.ok ? "passed" : `FAILED: ${r.problems.join("; ")}`
        } (sent ${r.sent}, ${r.imageRows} image rows, ${r.inferenceRows} inference rows, replayed ${r.replayed}, recovery ${
          r.recoverySeconds ?? "—"
        } s${r.resumeSeconds === null ? "" : `, rows again ${r.resumeSeconds} s after the restarted node was ready`})`,
      );
      results.push(r);
    }
  } finally {
    await stopNodes([c.broker]);
    await stopDatabase(net, join(dir, "postgres")).catch(() => {});
  }
  const report = {
    mode: quick ? "quick" : "full",
    commit,
    listener: security ? "SASL_SSL" as const : "PLAINTEXT" as const,
    started: started.toISOString(),
    finished: new Date().toISOString(),
    machine: machineInfo(),
    shape,
    results,
  };
  mkdirSync(values.out!, { recursive: true });
  const base = quick ? "chaos-quick" : "chaos";
  writeFileSync(join(values.out!, `${base}.json`), JSON.stringify(report, null, 2) + "\n");
  writeFileSync(join(values.out!, `${base}.md`), renderChaosMarkdown(report));
  process.stdout.write("\n" + renderChaosMarkdown(report));
  say(`wrote ${values.out}/${base}.json and ${base}.md`);
  const failed = results.filter((r) => "ok" in r && !r.ok);
  process.exit(failed.length === 0 ? 0 : 1);
}
