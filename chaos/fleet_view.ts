/**
 * The fleet seen as one system on the four hosts (issue 21), from the observer host:
 * the broker host's fleet page in headless Chromium shows the run's nodes, the flow
 * with rates, lag and latency; a camera started with another images topic shows as
 * skew; the merged log tail has lines from every host; one image is followed across
 * the camera, inference and db hosts; the db node killed with -9 shows lost with its
 * group in STOP and lag growing, and back, live and OK, once restarted. Screenshots in
 * the run's directory (the README's: docs/fleet_*.png).
 */
import { join } from "node:path";
import { chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS, ensureChromium } from "../infra/chromium.ts";
import type { FleetTrace, FleetView, LogRecord } from "../protocols/mod.ts";
import { createLogger } from "../system/mod.ts";
import { until } from "../test/helpers/wait.ts";
import { ops, OPS_PORT, OPS_TOKEN } from "./cluster.ts";
import { fleetOf, groupOf, seenLost } from "./fleet_checks.ts";
import type { Run, Scenario } from "./scenarios.ts";

const ODD_OPS_PORT = OPS_PORT + 2;

/** The scenario. */
export const fleetView: Scenario = {
  name: "fleet view across four hosts",
  quick: true,
  // Every image's hops reported, and room on the log topic for them.
  env: { TRACE_SAMPLE: "1", LOG_SHIP_RATE: "500" },
  // A minute of images at 120/s: the db node is killed while they still come, so its group's lag grows.
  shape: { images: 7200 },
  note: "the broker host's fleet page in headless Chromium on the observer host: nodes, flow, skew (a camera on " +
    "another images topic), the merged log tail, one image across three hosts, the db node killed with -9 and back",
  async fault(run) {
    const { c } = run;
    const broker = c.net.hosts["broker"]!;
    const pageUrl = `http://${broker.ip}:${OPS_PORT}/fleet/`;
    await until("a quarter of the images stored", async () => (await run.rows()) >= run.shape.images / 4, 120_000, 200);
    const odd = await run.startAnother("simulator", "camera2", ODD_OPS_PORT, {
      TOPIC_IMAGES: `${run.env["TOPIC_IMAGES"]}.v2`,
      SIM_COUNT: "40",
      SIM_RATE: "2",
      SIM_DEVICES: "2",
    });
    const ids = { db: run.nodeId("db"), inference: run.nodeId("inference"), camera: run.nodeId("simulator") };
    const oddId = run.nodeId("camera2");
    // The skew, from the fleet's JSON: the odd camera alone on its images topic.
    await until(
      "the odd camera seen as skew",
      async () => {
        const v = await fleetOf(c);
        return v?.skew.some((s) => s.key === "topicImages" && s.values.at(-1)?.nodes.includes(oddId)) ?? false;
      },
      60_000,
      250,
    ).catch(() => run.problems.push(`no skew shown for ${oddId}'s images topic`));
    // The merged tail: a line from every host's node (the broker's included).
    const logs = async () =>
      ((await ops(broker, "/fleet/logs?limit=1000")) as { lines?: LogRecord[] } | null)?.lines ?? [];
    const brokerId = c.broker.name;
    await until(
      "a line from every host in the merged tail",
      async () => {
        const nodes = new Set((await logs()).map((l) => l.roles.join(",")));
        return ["broker", "db", "inference", "simulator"].every((r) => nodes.has(r));
      },
      60_000,
      250,
    ).catch(() => run.problems.push(`the merged tail lacks a host's lines (broker ${brokerId})`));
    // One image across three hosts: a trace every hop of which was reported.
    const traced = await until(
      "one image's eight hops reported",
      async () => {
        const recent = ((await ops(broker, "/fleet/traces?n=50")) as { traces?: string[] } | null)?.traces ?? [];
        for (const id of recent) {
          const tr = (await ops(broker, `/fleet/traces/${id}`)) as FleetTrace | null;
          if (tr && tr.missing.length === 0) return tr;
        }
        return null;
      },
      60_000,
      500,
    ).catch(() => {
      run.problems.push("no image followed across the hosts (a trace with every hop reported)");
      return null;
    });
    if (traced) {
      const hosts = new Set(traced.hops.map((h) => h.node));
      if (![ids.camera, ids.db, ids.inference].every((id) => hosts.has(id))) {
        run.problems.push(`the image's hops name ${[...hosts].join(", ")}, not the three hosts' nodes`);
      }
      run.measures["imageAcrossHostsMs"] = traced.hops.at(-1)!.sinceCaptureMs ?? 0;
    }
    const browser = await chromium.launch({
      executablePath: await ensureChromium(createLogger({ level: "warn" })),
      args: [...CHROMIUM_ARGS],
    });
    try {
      const page = await (await browser.newContext({ viewport: { width: 1600, height: 1000 } })).newPage();
      await page.goto(pageUrl);
      await page.fill("#token", OPS_TOKEN);
      await page.click("#login button");
      await page.waitForSelector(`tr[data-node="${ids.db}"].live`);
      await page.waitForSelector(`tr[data-node="${oddId}"].skewed`);
      await page.waitForFunction(() => /\d\/s/.test(document.querySelector("#flow")?.textContent ?? ""));
      // A chart with a few points on it (the page's node started reading offsets when first asked).
      await page.waitForFunction(() =>
        (document.querySelector("#chart polyline")?.getAttribute("points") ?? "").split(" ").length >= 8
      );
      if (traced) {
        await page.fill("#trace-id", traced.traceId);
        await page.dispatchEvent("#trace-id", "change");
        await page.waitForSelector('#trace-view tr[data-hop="result_stored"].seen');
      }
      await shot(page, run, "fleet_page");
      odd.signal("SIGTERM");
      await odd.exited;

      // kill -9 of the db node: lost, its group in STOP with lag growing; then back.
      run.nodes.db.signal("SIGKILL");
      await run.nodes.db.exited;
      const killedAt = Date.now();
      const seen = await seenLost(run, ids.db, groupOf(run, "db"), killedAt, run.problems);
      if (seen.lostS !== null) run.measures["lostSeenS"] = seen.lostS;
      if (seen.stopS !== null) run.measures["groupStopSeenS"] = seen.stopS;
      const lagAt = async () => (await fleetOf(c))?.groups.find((g) => g.groupId === groupOf(run, "db"))?.lag ?? 0;
      const lag0 = await lagAt();
      await until("the db group's lag growing", async () => (await lagAt()) > lag0, 30_000, 250)
        .catch(() => run.problems.push("the db group's lag did not grow while its node was down"));
      await page.waitForSelector(`tr[data-node="${ids.db}"].lost`);
      await page.waitForSelector('.alert.critical[data-kind="group_stop"]');
      await shot(page, run, "fleet_page_db_lost");
      await run.start("db");
      await until(
        "the db node back, its group OK",
        async () => {
          const v: FleetView | null = await fleetOf(c);
          const g = v?.groups.find((x) => x.groupId === groupOf(run, "db"));
          return v?.nodes.find((n) => n.nodeId === ids.db)?.state === "live" && g?.status === "OK";
        },
        60_000,
        250,
      ).catch(() => run.problems.push("the db node did not show live with its group OK again"));
      return killedAt;
    } finally {
      await browser.close();
    }
  },
};

async function shot(page: Page, run: Run, name: string): Promise<void> {
  const path = join(run.c.dir, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  run.notes.push(`screenshot: ${path}`);
}
