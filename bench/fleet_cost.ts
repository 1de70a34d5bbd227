/**
 * `npm run bench:fleet`: what the fleet costs a node. (1) Heartbeats and tree
 * snapshots: a simulator node run as its own process with the fleet off
 * (`HEARTBEAT_MS=0`, `LOG_SHIP_LEVEL=off`) and with heartbeats twenty times as often as
 * the default (`HEARTBEAT_MS=100`, a tree every fifth beat), rounds alternating, its
 * CPU read from /proc over a steady window; the difference divided by twenty is the
 * cost at the default interval, given as a share of one core and of the node's own
 * CPU at a pipeline rate. (2) A log storm on a working node: a simulator at full
 * speed whose logger writes 10,000 error lines a second, log shipping on and off
 * (bench/_storm_node.ts), images per second compared; and the CPU one line costs the
 * log gate when a storm of them is refused. Writes
 * DIR/fleet_cost.{json,md} with the commit, date, CPU and flags. Needs a broker:
 * KAFKA_BROKERS.
 */
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import process from "node:process";
import { parseCli } from "../node/cli/args.ts";
import { machineInfo } from "../infra/cpu.ts";
import { gitCommit } from "../infra/git.ts";
import { median } from "./_stats.ts";

const { values } = parseCli({
  name: "bench:fleet",
  usage: `usage: npm run bench:fleet -- [--rounds N] [--seconds S] [--out DIR]

Measures what heartbeats, actor-tree snapshots and log shipping cost a node
(against KAFKA_BROKERS) and writes DIR/fleet_cost.{json,md}.

  --rounds N    rounds per side, alternating (default 3)
  --seconds S   steady window of each round (default 20)
  --out DIR     where the results go (default bench/results)
  --help        this text
`,
  options: {
    rounds: { type: "string", default: "3" },
    seconds: { type: "string", default: "20" },
    out: { type: "string", default: "bench/results" },
  },
});
const rounds = Number(values.rounds);
const windowS = Number(values.seconds);
if (!Number.isInteger(rounds) || rounds < 1) {
  throw new Error(`--rounds must be a whole number from 1: got '${values.rounds}'`);
}
if (!(windowS >= 5)) throw new Error(`--seconds must be at least 5: got '${values.seconds}'`);
const brokers = process.env["KAFKA_BROKERS"];
if (!brokers) {
  console.error("bench:fleet: set KAFKA_BROKERS (a broker to beat on; `bash infra/with_infra.sh npm run bench:fleet`)");
  process.exit(2);
}
// Read at the start: the code measured is the code checked out when the run began.
const commit = await gitCommit();
const say = (s: string) => process.stderr.write(`bench:fleet [${new Date().toISOString().slice(11, 19)}] ${s}\n`);
const TICK = 100; // clock ticks per second of /proc/<pid>/stat (USER_HZ)
const WARMUP_S = 8;
const SPEEDUP = 20; // HEARTBEAT_MS=100 beats twenty times as often as the default 2000

/** CPU seconds (user + system) of `pid` so far. */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) / TICK;
}

/** One round: a simulator node with `env`, its CPU share of one core over the steady window. */
async function round(side: string, env: Record<string, string>, k: number): Promise<number> {
  const name = `bench_fleet_${Date.now().toString(36)}_${k}`;
  const child = spawn(process.execPath, ["--import", "tsx", "main.ts"], {
    env: {
      ...process.env,
      ROLE: "simulator",
      NODE_ID: name,
      KAFKA_BROKERS: brokers!,
      TOPIC_IMAGES: `${name}.images`,
      TOPIC_NODES: `${name}.nodes`,
      TOPIC_LOGS: `${name}.logs`,
      OPS_PORT: "0",
      LOG_LEVEL: "error",
      SIM_DEVICES: "6",
      SIM_RATE: "20",
      ...env,
    },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const exited = new Promise((r) => child.once("exit", r));
  try {
    await new Promise((r) => setTimeout(r, WARMUP_S * 1000));
    const c0 = cpuSeconds(child.pid!);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, windowS * 1000));
    const share = (cpuSeconds(child.pid!) - c0) / ((performance.now() - t0) / 1000);
    say(`round ${k + 1} ${side}: ${(share * 100).toFixed(2)}% of a core`);
    return share;
  } finally {
    child.kill("SIGTERM");
    await exited;
  }
}

say(`heartbeats: ${rounds} rounds per side, ${windowS} s windows after ${WARMUP_S} s of warm-up`);
const sides = {
  off: { HEARTBEAT_MS: "0", LOG_SHIP_LEVEL: "off" },
  fast: { HEARTBEAT_MS: "100", LOG_SHIP_LEVEL: "warn" },
};
const shares: Record<keyof typeof sides, number[]> = { off: [], fast: [] };
for (let k = 0; k < rounds; k++) {
  const order: (keyof typeof sides)[] = k % 2 === 0 ? ["off", "fast"] : ["fast", "off"];
  for (const side of order) shares[side].push(await round(side, sides[side], k));
}
const off = median(shares.off);
const fast = median(shares.fast);
const atDefault = Math.max(0, fast - off) / SPEEDUP;

// A storm on a working node: a simulator at full speed whose logger writes 10,000 error lines a second, with the
// fleet's log shipping on (LOG_SHIP_LEVEL=warn) and off, rounds alternating: what shipping costs the pipeline.
async function stormRound(ship: boolean, k: number): Promise<number> {
  const name = `bench_storm_${Date.now().toString(36)}_${k}`;
  const child = spawn(process.execPath, ["--import", "tsx", "bench/_storm_node.ts"], {
    env: {
      ...process.env,
      NODE_ID: name,
      KAFKA_BROKERS: brokers!,
      TOPIC_IMAGES: `${name}.images`,
      TOPIC_NODES: `${name}.nodes`,
      TOPIC_LOGS: `${name}.logs`,
      LOG_SHIP_LEVEL: ship ? "warn" : "off",
      STORM_IMAGES: "10000",
      STORM_RATE: "10000",
    },
    stdio: ["ignore", "pipe", "ignore"],
  });
  let out = "";
  child.stdout!.on("data", (c: Buffer) => (out += c.toString()));
  const code = await new Promise((r) => child.once("exit", r));
  if (code !== 0) throw new Error(`bench:fleet: the storm round exited with ${code}`);
  const r = JSON.parse(out.trim().split("\n").at(-1)!) as { imagesPerS: number };
  say(`storm round ${k + 1}, shipping ${ship ? "on" : "off"}: ${r.imagesPerS.toFixed(0)} images/s`);
  return r.imagesPerS;
}
const storm: { on: number[]; off: number[] } = { on: [], off: [] };
for (let k = 0; k < rounds; k++) {
  for (const ship of k % 2 === 0 ? [true, false] : [false, true]) {
    storm[ship ? "on" : "off"].push(await stormRound(ship, k));
  }
}

// The log gate under a storm: lines refused by the rate limit cost a level read, a clock-free refill and a count.
const { LogGate } = await import("../actors/fleet/mod.ts");
const gate = new LogGate({ level: "warn", ratePerS: 50 });
const line = JSON.stringify({ ts: new Date().toISOString(), level: "error", msg: "storm", node: "x", i: 1 });
const N = 2_000_000;
const t0 = process.cpuUsage();
for (let i = 0; i < N; i++) gate.offer(line, 1_000_000 + Math.floor(i / 10));
const used = process.cpuUsage(t0);
const nsPerLine = ((used.user + used.system) * 1000) / N;

const report = {
  commit,
  date: new Date().toISOString(),
  machine: machineInfo(),
  node: process.version,
  method:
    `simulator node (6 cameras at 20 images/s, the chaos suite's rate) as its own process; CPU from /proc over ${windowS} s windows ` +
    `after ${WARMUP_S} s; fleet off (HEARTBEAT_MS=0, LOG_SHIP_LEVEL=off) vs HEARTBEAT_MS=100 (x${SPEEDUP} the ` +
    `default, a tree every fifth beat); ${rounds} rounds per side, alternating; medians`,
  heartbeat: {
    offShareOfCore: off,
    fastShareOfCore: fast,
    perRound: shares,
    atDefaultShareOfCore: atDefault,
    atDefaultShareOfNode: off > 0 ? atDefault / off : null,
  },
  logGate: { lines: N, nsPerRefusedLine: Math.round(nsPerLine), stormOf10kPerSShareOfCore: (nsPerLine * 10_000) / 1e9 },
  storm: {
    method: "simulator node at full speed (6 cameras, 10,000 images) whose logger writes 10,000 error lines/s, log " +
      "shipping on (LOG_SHIP_LEVEL=warn, LOG_SHIP_RATE=50) vs off; medians",
    shippingOnImagesPerS: median(storm.on),
    shippingOffImagesPerS: median(storm.off),
    ratio: median(storm.on) / median(storm.off),
    perRound: storm,
  },
};
const pct = (v: number) => `${(v * 100).toFixed(3)}%`;
const md = `# What the fleet costs a node

commit ${report.commit}, ${report.date}, ${report.machine.cpu} (${report.machine.cores} cores, ${
  report.machine.cpuFlags.join(" ")
}), Node ${report.node}

${report.method}.

| | share of one core |
| --- | --- |
| node, fleet off | ${pct(off)} |
| node, heartbeats every 100 ms (x${SPEEDUP}) | ${pct(fast)} |
| **heartbeats and trees at the default 2 s** | **${pct(atDefault)}** (${
  off > 0 ? pct(atDefault / off) : "–"
} of the node's own CPU) |

A log storm of 10,000 error lines a second on a simulator node at full speed: ${
  report.storm.shippingOnImagesPerS.toFixed(0)
} images/s with log shipping, ${report.storm.shippingOffImagesPerS.toFixed(0)} without (${
  report.storm.ratio.toFixed(2)
}x; ${rounds} rounds alternating, medians). The gate refuses a line in ${report.logGate.nsPerRefusedLine} ns of CPU; 10,000 lines a second cost the
gate ${pct(report.logGate.stormOf10kPerSShareOfCore)} of a core (the lines' own formatting by the logger is the
storm's, shipped or not).
`;
mkdirSync(values.out!, { recursive: true });
writeFileSync(`${values.out}/fleet_cost.json`, JSON.stringify(report, null, 2) + "\n");
writeFileSync(`${values.out}/fleet_cost.md`, md);
process.stdout.write(md);
say(`wrote ${values.out}/fleet_cost.json and fleet_cost.md`);
