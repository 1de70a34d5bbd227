import { spawn } from "node:child_process";
import { createServer } from "node:net";
import t from "tap";
import { staticPorts } from "../helpers/infra.ts";
import { nodeArgs } from "../helpers/entry.ts";
import { pipelineEnv } from "../helpers/pipeline.ts";

/**
 * A port nothing listens on, below the kernel's ephemeral range: a port `listen(0)` just gave back can be taken in
 * between by another test's server (seen: "the broker closed the connection" where a refusal was expected).
 */
async function closedPort(): Promise<number> {
  return (await staticPorts(1))[0]!;
}

/** Runs main.ts with `env`; resolves with its exit code, standard error and how long it ran. */
async function runNode(env: Record<string, string>): Promise<{ code: number | null; stderr: string; ms: number }> {
  const args = await nodeArgs("main.ts");
  const started = Date.now();
  const p = spawn(process.execPath, args, {
    env: { ...process.env, OPS_PORT: "0", ...env },
    stdio: ["ignore", "ignore", "pipe"],
  });
  let stderr = "";
  p.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((r) => p.once("exit", (code) => r({ code, stderr, ms: Date.now() - started })));
}

/** The last line of standard error: what the operator reads first. */
const lastLine = (stderr: string) => stderr.trim().split("\n").at(-1) ?? "";

t.test("a Kafka host that does not resolve: one line naming the variable, exit 3, within seconds", async (t) => {
  // Waiting cannot cure a name that does not resolve: no wait, whatever START_WAIT_S says.
  const r = await runNode({
    ...pipelineEnv("unreach"),
    ROLE: "db",
    KAFKA_BROKERS: "nohost.invalid:1",
    START_WAIT_S: "600",
  });
  t.equal(r.code, 3, "exit code 3: a dependency unreachable at start");
  // "host not found", whether the name service says so or does not answer within the bound.
  t.match(lastLine(r.stderr), /^troupe: KAFKA_BROKERS=nohost\.invalid:1: host not found( \(no answer .*\))?$/);
  t.ok(r.ms < 15_000, `exited after ${r.ms} ms`);
  t.notMatch(r.stderr, /waiting for a dependency/, "and said no wait");
});

t.test("a port where nothing listens, and one where something else answers", async (t) => {
  const closed = await closedPort();
  // START_WAIT_S=0: no waiting for a broker that may come up later.
  const r = await runNode({
    ...pipelineEnv("unreach"),
    ROLE: "simulator",
    KAFKA_BROKERS: `127.0.0.1:${closed}`,
    START_WAIT_S: "0",
  });
  t.equal(r.code, 3);
  t.equal(lastLine(r.stderr), `troupe: KAFKA_BROKERS=127.0.0.1:${closed}: connection refused`);

  // A server that accepts connections and never answers: not a Kafka broker.
  const silent = createServer(() => {});
  await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
  t.teardown(() => silent.close());
  const port = (silent.address() as { port: number }).port;
  const s = await runNode({
    ...pipelineEnv("unreach"),
    ROLE: "simulator",
    KAFKA_BROKERS: `127.0.0.1:${port}`,
    START_WAIT_S: "0",
  });
  t.equal(s.code, 3);
  t.match(
    lastLine(s.stderr),
    new RegExp(`^troupe: KAFKA_BROKERS=127\\.0\\.0\\.1:${port}: no Kafka answer within \\d+ ms`),
  );
  t.ok(s.ms < 30_000, `exited after ${s.ms} ms`);
});

t.test("a database that cannot be reached names DATABASE_URL without its password", async (t) => {
  const closed = await closedPort();
  const r = await runNode({
    ...pipelineEnv("unreach"),
    ROLE: "db",
    DATABASE_URL: `postgres://troupe:sekret@127.0.0.1:${closed}/troupe`,
    START_WAIT_S: "0",
  });
  t.equal(r.code, 3);
  t.equal(
    lastLine(r.stderr),
    `troupe: DATABASE_URL=postgres://troupe:***@127.0.0.1:${closed}/troupe: connection refused`,
  );
  t.notMatch(r.stderr, "sekret");
});

t.test("a broker not up yet: the node waits up to START_WAIT_S, says so once, then exits 3 naming the wait", async (t) => {
  const closed = await closedPort();
  const r = await runNode({
    ...pipelineEnv("unreach"),
    ROLE: "simulator",
    KAFKA_BROKERS: `127.0.0.1:${closed}`,
    START_WAIT_S: "2",
  });
  t.equal(r.code, 3);
  t.equal(
    lastLine(r.stderr),
    `troupe: KAFKA_BROKERS=127.0.0.1:${closed}: connection refused (still, after waiting 2 s: START_WAIT_S)`,
  );
  t.equal(r.stderr.split("waiting for a dependency that is not up yet").length - 1, 1, "said once in the log");
  t.ok(r.ms >= 2_000, `waited: exited after ${r.ms} ms`);
});
