import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { endOffsetTotal } from "../../actors/kafka/mod.ts";
import { testKafkaClient } from "../helpers/infra.ts";
import t from "tap";
import { nodeArgs } from "../helpers/entry.ts";
import { imageCount, pipelineEnv, testSql } from "../helpers/pipeline.ts";
import { writeTinyModel } from "../helpers/tiny_model.ts";

async function run(
  script: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const p = spawn(process.execPath, [...await nodeArgs(script), ...args], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  p.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((r) => p.once("exit", (code) => r({ code, stdout, stderr })));
}

t.test("npm run simulate sends a fixed count, shows progress and a summary", async (t) => {
  const env = pipelineEnv("simcli");
  const r = await run(
    "node/cli/simulate.ts",
    ["--devices", "5", "--rate", "0", "--count", "250", "--ops-port", "0"],
    env,
  );
  t.equal(r.code, 0, "exits 0", { diagnostic: true, stderr: r.stderr.slice(-1000) });
  t.match(r.stdout, /\[#+\] 100% 250\/250/, "a progress line");
  t.match(r.stdout, /simulate: sent 250 images in [\d.]+ s/);
  t.match(r.stdout, /SYNTHETIC DATA/);
  const client = testKafkaClient(env["KAFKA_BROKERS"]!.split(","));
  t.teardown(() => client.close());
  t.equal(endOffsetTotal(await client.topicOffsets(env["TOPIC_IMAGES"]!)), 250, "250 records in the topic");
});

t.test("npm run simulate names a bad flag and exits 2", async (t) => {
  const bad = await run("node/cli/simulate.ts", ["--rate", "fast"], {});
  t.equal(bad.code, 2);
  t.match(bad.stderr, "--rate (SIM_RATE) must be a number of images per second from 0 to 100000: got 'fast'");
  const unknown = await run("node/cli/simulate.ts", ["--sped", "3"], {});
  t.equal(unknown.code, 2);
  t.match(unknown.stderr, /Unknown option '--sped'/);
  const help = await run("node/cli/simulate.ts", ["--help"], {});
  t.equal(help.code, 0);
  t.match(help.stdout, /--devices\s+simulated cameras/);
});

// Every command: its flags under --help, and one line naming an unknown flag with exit 2.
const COMMANDS: { script: string; name: string; flag: RegExp }[] = [
  { script: "main.ts", name: "troupe", flag: /ROLE\s/ },
  { script: "node/cli/local.ts", name: "local", flag: /--count N/ },
  { script: "node/cli/simulate.ts", name: "simulate", flag: /--devices/ },
  { script: "node/cli/kafka.ts", name: "kafka", flag: /--controller-port N/ },
  { script: "node/cli/postgres.ts", name: "postgres", flag: /--dir D/ },
  { script: "node/cli/quantize.ts", name: "quantize", flag: /--model F/ },
  { script: "node/cli/setup_tfjs.ts", name: "setup:tfjs", flag: /--cache DIR/ },
  { script: "node/cli/setup_browser.ts", name: "setup:browser", flag: /no flags but --help/ },
  { script: "node/cli/fleet.ts", name: "fleet", flag: /--url URL/ },
  { script: "node/cli/logs.ts", name: "logs", flag: /--trace ID/ },
  { script: "node/cli/setup_prometheus.ts", name: "setup:prometheus", flag: /no flags but --help/ },
  { script: "chaos/main.ts", name: "chaos", flag: /--quick/ },
  { script: "bench/run.ts", name: "bench", flag: /--stages a,b/ },
  { script: "bench/fleet_cost.ts", name: "bench:fleet", flag: /--rounds N/ },
  { script: "tools/check_layers.ts", name: "check:layers", flag: /no flags but --help/ },
  { script: "tools/readme_figures.ts", name: "readme:figures", flag: /--check/ },
  { script: "tools/build.ts", name: "build", flag: /--out DIR/ },
];

t.test("every command answers --help with its flags and refuses an unknown flag with one line, exit 2", async (t) => {
  // Every command parses its flags before it loads the rest, so each run is a Node start and little more;
  // nothing here needs Kafka or PostgreSQL. Four at a time.
  const env = { KAFKA_BROKERS: "", DATABASE_URL: "" };
  const runs: { help: Awaited<ReturnType<typeof run>>; bogus: Awaited<ReturnType<typeof run>> }[] = [];
  for (let i = 0; i < COMMANDS.length; i += 2) {
    runs.push(
      ...await Promise.all(
        COMMANDS.slice(i, i + 2).map(async (c) => {
          const [help, bogus] = await Promise.all([run(c.script, ["--help"], env), run(c.script, ["--bogus"], env)]);
          return { help, bogus };
        }),
      ),
    );
  }
  COMMANDS.forEach((c, i) => {
    const { help, bogus } = runs[i]!;
    t.equal(help.code, 0, `${c.name} --help: exit 0`);
    t.match(help.stdout, c.flag, `${c.name} --help: lists its flags`);
    t.equal(bogus.code, 2, `${c.name} --bogus: exit 2`);
    t.equal(bogus.stderr.trim(), `${c.name}: Unknown option '--bogus' (see --help)`, `${c.name} --bogus: one line`);
    t.equal(bogus.stdout, "", `${c.name} --bogus: nothing on standard output`);
  });
});

t.test("npm run kafka and npm run postgres name a missing or unknown command", async (t) => {
  const none = await run("node/cli/kafka.ts", [], {});
  t.equal(none.code, 2);
  t.equal(none.stderr.trim(), "kafka: say start, stop or certs (see --help)");
  const other = await run("node/cli/postgres.ts", ["begin"], {});
  t.equal(other.code, 2);
  t.equal(other.stderr.trim(), "postgres: unknown command 'begin': start or stop (see --help)");
});

t.test("npm run local runs the pipeline to a summary (existing Kafka and PostgreSQL)", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "troupe-local-"));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeTinyModel(join(dir, "tiny.onnx"));
  const env = {
    ...pipelineEnv("localcli"),
    MODEL_PATH: join(dir, "tiny.onnx"),
    MODEL_INPUT_SIZE: "2",
    MODEL_MEAN: "0,0,0",
    MODEL_STD: "1,1,1",
    MODEL_SCALE: "1",
    OPS_PORT: "0",
    API_PORT: "0",
  };
  const N = 150;
  const sql = testSql(env);
  t.teardown(() => sql.end());
  const r = await run("node/cli/local.ts", ["--count", String(N), "--devices", "4", "--exit"], env);
  t.equal(r.code, 0, "exits 0", { diagnostic: true, stderr: r.stderr.slice(-1000) });
  t.match(r.stdout, new RegExp(`images sent\\s+${N}\\n`));
  t.match(r.stdout, new RegExp(`stored\\s+${N} \\(${N} new rows, 0 updated\\)`));
  t.match(r.stdout, new RegExp(`inferred\\s+${N} by tiny, ${N} inference rows written`));
  t.match(r.stdout, /dead-lettered\s+0/);
  t.match(r.stdout, /ops\s+http:\/\/127\.0\.0\.1:\d+/);
  t.match(r.stdout, /predict API\s+http:\/\/127\.0\.0\.1:\d+\/v1\/predict/);
  t.match(r.stdout, /data\s+synthetic/);
  t.equal(await imageCount(sql), N);
  t.equal(Number((await sql`SELECT count(*)::int AS n FROM inferences`)[0]!["n"]), N);
});
