import t from "tap";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { deviceImageSum, imageCount, pipelineEnv, shareOf, testSql, verifyImages } from "../helpers/pipeline.ts";
import { until } from "../helpers/wait.ts";

t.test("two db nodes in one group share the partitions; stopping one hands its partitions over, and every image lands once", async (t) => {
  const env = { ...pipelineEnv("scale"), TOPIC_PARTITIONS: "4" };
  const N = 3000;
  const devices = 12;
  const sql = testSql(env);
  t.teardown(() => sql.end());
  const a = await startNodeProcess(t, { ...env, ROLE: "db", NODE_ID: "db-a" });
  const sim = await startNodeProcess(t, {
    ...env,
    ROLE: "simulator",
    SIM_DEVICES: String(devices),
    // 96 images/s: the run lasts about 30 s, so node b joins while images still come (at 240/s the run could end
    // before a slow start of b had its partitions, and b then had nothing to write: seen with three test files at once).
    SIM_RATE: "8",
    SIM_COUNT: String(N),
  });
  await until("rows flowing", async () => (await imageCount(sql)) >= 300, 120_000, 20);
  const b = await startNodeProcess(t, { ...env, ROLE: "db", NODE_ID: "db-b" });
  const shared = await until(
    "partitions shared",
    async () => {
      const [ca, cb] = [await a.actor("/troupe/db/consumer"), await b.actor("/troupe/db/consumer")];
      const [na, nb] = [ca?.info?.["assigned"] as number, cb?.info?.["assigned"] as number];
      return na > 0 && nb > 0 && na + nb === 8 ? [na, nb] : undefined;
    },
    60_000,
    100,
  );
  t.same(shared[0]! + shared[1]!, 8, `the 8 partitions (images and inferences) are split ${shared[0]}/${shared[1]}`);
  await until(
    "b writes rows",
    async () => ((await b.actor("/troupe/db/upserter"))?.info?.["imagesInserted"] as number) > 0,
    60_000,
    100,
  );
  a.proc.kill("SIGTERM");
  t.equal(await a.exited, 0, "node a stops gracefully");
  await until(
    "b owns every partition",
    async () => (await b.actor("/troupe/db/consumer"))?.info?.["assigned"] === 8,
    60_000,
    100,
  );
  await until(
    "simulator finished",
    async () => (await sim.actor("/troupe/simulator/producer"))?.info?.["sent"] === N,
    180_000,
    100,
  );
  await until(`${N} rows`, async () => (await imageCount(sql)) >= N, 120_000, 100);
  await until("b idle", async () => (await b.actor("/troupe/db/consumer"))?.info?.["inFlight"] === 0, 30_000, 100);
  t.equal(await imageCount(sql), N, "exactly N rows");
  t.equal(await deviceImageSum(sql), N, "no image counted twice");
  t.same(await verifyImages(sql, devices, shareOf(N, devices)), []);
  sim.proc.kill("SIGTERM");
  b.proc.kill("SIGTERM");
  t.equal(await b.exited, 0);
});
