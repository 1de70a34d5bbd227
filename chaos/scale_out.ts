/**
 * Scale-out and back: a second db node joins the db group mid-run, stores its
 * share, and stops (SIGTERM), so the group goes from one member to two and back
 * under one group protocol. Besides the exact counts every scenario ends in, it
 * measures each change from the nodes' ops endpoints (how long until the new
 * member stores rows; how long until the remaining member holds every partition
 * again) and, from PostgreSQL's own times of the image rows, the longest pause in
 * rows stored while each change settled, beside the run's steady gap.
 */
import type { KafkaGroupProtocol } from "../actors/kafka/mod.ts";
import { until } from "../test/helpers/wait.ts";
import { actorInfo, OPS_PORT, sqlValue } from "./cluster.ts";
import type { Run, Scenario } from "./scenarios.ts";

const SECOND_OPS_PORT = OPS_PORT + 1;
const CONSUMER = "/troupe/db/consumer";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const seconds = (ms: number) => Math.round(ms / 100) / 10;

/**
 * The longest gap, in seconds, between rows of `table` stored from `fromMs` to `toMs` (PostgreSQL's own times:
 * `received_at` of image rows, `updated_at` of inference rows).
 */
async function longestPause(run: Run, table: "images" | "inferences", fromMs: number, toMs: number): Promise<number> {
  const at = table === "images" ? "received_at" : "updated_at";
  const gap = await sqlValue(
    run.c,
    `SELECT coalesce(max(gap), 0) FROM (SELECT extract(epoch FROM ${at} - lag(${at}) OVER (ORDER BY ${at})) AS gap
       FROM "${run.schema}".${table} WHERE ${at} BETWEEN to_timestamp(${fromMs / 1000}) AND to_timestamp(${
      toMs / 1000
    })) g`,
  );
  return Math.round(gap * 10) / 10;
}

/** The db-group scale-out 1 -> 2 -> 1 under `protocol`. */
export function scaleOut(protocol: KafkaGroupProtocol): Scenario {
  return {
    name: `db scale-out 1→2→1 (${protocol} protocol)`,
    quick: true,
    env: { KAFKA_GROUP_PROTOCOL: protocol },
    // 50 s of images at 120/s: room for a node's start, two changes and rows between them.
    shape: { images: 6000 },
    note: `KAFKA_GROUP_PROTOCOL=${protocol}; a second db node joins mid-run and stops (SIGTERM) once it stored ` +
      "rows; measures: join (second node started -> its first rows), leave (its SIGTERM -> the first holds every " +
      "partition and stores rows), the longest pause between stored rows (image or inference) around each, and " +
      "in a steady window before",
    async fault(run) {
      const db = run.c.net.hosts["db"]!;
      const rows = () => run.rows();
      const figure = async (port: number, name: string) => Number((await actorInfo(db, CONSUMER, port))?.[name] ?? 0);
      await until("a tenth of the images stored", async () => (await rows()) >= run.shape.images / 10, 120_000, 100);
      const steadyFrom = Date.now();
      await sleep(2_000); // a window of steady rows, to compare the pauses with
      // Every partition of the group's topics (images and inferences), all the first member's now.
      const partitions = await figure(OPS_PORT, "assigned");
      const joinAt = Date.now();
      const second = await run.startAnother("db", "db2", SECOND_OPS_PORT);
      const readyAt = Date.now();
      await until(
        "the second db node stores rows",
        async () => (await figure(SECOND_OPS_PORT, "consumed")) > 0,
        60_000,
        100,
      );
      const sharedAt = Date.now();
      await until(
        "the partitions shared by both members",
        async () =>
          (await figure(OPS_PORT, "assigned")) + (await figure(SECOND_OPS_PORT, "assigned")) === partitions &&
          (await figure(OPS_PORT, "assigned")) > 0,
        60_000,
        100,
      );
      // Both members store rows for a while before the second leaves.
      const before = await figure(SECOND_OPS_PORT, "consumed");
      await until(
        "the second node stores 100 more",
        async () => (await figure(SECOND_OPS_PORT, "consumed")) >= before + 100,
        60_000,
        100,
      );
      const leaveAt = Date.now();
      second.signal("SIGTERM");
      await second.exited;
      const goneAt = Date.now();
      let rowsThen = await rows();
      await until(
        "the first node holds every partition and stores rows",
        async () => {
          if ((await figure(OPS_PORT, "assigned")) < partitions) {
            rowsThen = await rows();
            return false;
          }
          return (await rows()) > rowsThen;
        },
        90_000,
        100,
      );
      const backAt = Date.now();
      await sleep(2_000); // each pause's window ends 2 s after its change settled

      const pauses = async (from: number, to: number) =>
        Math.max(await longestPause(run, "images", from, to), await longestPause(run, "inferences", from, to));
      run.measures = {
        secondNodeReadyS: seconds(readyAt - joinAt),
        joinS: seconds(sharedAt - joinAt),
        leaveStopS: seconds(goneAt - leaveAt),
        leaveS: seconds(backAt - leaveAt),
        steadyGapS: await pauses(steadyFrom, joinAt),
        joinPauseS: await pauses(joinAt, sharedAt + 2_000),
        leavePauseS: await pauses(leaveAt, backAt + 2_000),
      };
      return Date.now();
    },
  };
}
