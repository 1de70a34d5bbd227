/**
 * The fleet page as a person uses it, in headless Chromium (Debian's package, driven by playwright-core): opened on
 * the camera node's endpoint, it lists the camera and db nodes live, draws the flow with the db group OK and rates
 * on its edges, charts the throughput, shows the db node's actor tree without leaving the page, and marks the db
 * node lost with a critical alert once it is killed. With a token, it asks for it first. Screenshots go to
 * .troupe/artifacts/ (the README's is docs/fleet_page.png).
 */
import t from "tap";
import { mkdir } from "node:fs/promises";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS, ensureChromium } from "../../infra/chromium.ts";
import { silentLogger } from "../../system/mod.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { pipelineEnv } from "../helpers/pipeline.ts";

const TOKEN = "fleet-page-test-token-0123456789";

t.test("the fleet page: nodes, flow, chart, a node's tree, a lost node", async (t) => {
  const env: Record<string, string> = {
    ...pipelineEnv("fleet_page"),
    HEARTBEAT_MS: "500",
    SIM_RATE: "10",
    LOG_SHIP_LEVEL: "info",
  };
  const sim = await startNodeProcess(t, { ...env, NODE_ID: "page-sim", ROLE: "simulator", OPS_TOKEN: TOKEN }, {
    token: TOKEN,
  });
  const db = await startNodeProcess(t, { ...env, NODE_ID: "page-db", ROLE: "db" });
  const browser = await chromium.launch({
    executablePath: await ensureChromium(silentLogger),
    args: [...CHROMIUM_ARGS],
  });
  t.teardown(() => browser.close());
  const page = await (await browser.newContext({ viewport: { width: 1400, height: 1000 } })).newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));

  // The node page links to the fleet page under its own mount; with a token, the fleet page asks for it.
  await page.goto(`${sim.base}/`);
  await page.fill("#token", TOKEN);
  await page.click("#login button");
  await page.click('a[href$="fleet/"]');
  await page.waitForURL(`${sim.base}/fleet/`);
  await page.waitForSelector("#app", { state: "visible" });
  t.notOk(await page.isVisible("#login"), "the token kept in the tab opens the fleet page: no second login");

  await page.waitForSelector('tr[data-node="page-db"].live');
  await page.waitForSelector('tr[data-node="page-sim"].live');
  t.match(await page.innerText('tr[data-node="page-sim"] td[data-field="rates"]'), /captured [\d.]+\/s/);
  const dbGroup = env["DB_GROUP_ID"]!;
  await page.waitForFunction((g) => {
    const box = document.querySelector(`g[data-box="${g}"]`);
    return box !== null && /OK · lag/.test(box.textContent ?? "");
  }, dbGroup).catch(async (err) => {
    t.comment(await page.innerHTML("#flow"));
    throw err;
  });
  await page.waitForFunction(() => /\d\/s/.test(document.querySelector("#flow")?.textContent ?? ""));
  t.match(await page.innerText("#flow"), /[1-9][\d.]*\/s/, "rates on the flow's edges once offsets were read twice");
  await page.waitForSelector('#chart polyline[data-series="imagesWritten"]');
  t.equal(await page.innerText("#alerts"), "No alerts.");

  // The merged tail: a line from each node; filtered to one node.
  await page.waitForSelector('#logs .line[data-node="page-db"]');
  await page.waitForSelector('#logs .line[data-node="page-sim"]');
  await page.fill("#log-node", "page-db");
  await page.dispatchEvent("#log-node", "change");
  await page.waitForFunction(() => {
    const nodes = Array.from(document.querySelectorAll("#logs .line")).map((l) => l.getAttribute("data-node"));
    return nodes.length > 0 && nodes.every((n) => n === "page-db");
  });
  t.match(await page.innerText("#logs"), /node started/, "the db node's start in the camera node's page");

  await page.click('button[data-tree="page-db"]');
  await page.waitForSelector('#tree tr[data-path="/troupe/db/upserter"]');
  t.match(await page.innerText("#tree"), /Sent by page-db at/, "the db node's tree, on the camera node's page");
  await mkdir(".troupe/artifacts", { recursive: true });
  await page.screenshot({ path: ".troupe/artifacts/fleet_page.png", fullPage: true });

  db.proc.kill("SIGKILL");
  await page.waitForSelector('tr[data-node="page-db"].lost');
  await page.waitForSelector('.alert.critical[data-kind="group_stop"]');
  t.match(await page.innerText('tr[data-node="page-db"] td[data-field="state"]'), /lost \d+s ago/);
  await page.waitForFunction(
    (g) => /STOP/.test(document.querySelector(`g[data-box="${g}"]`)?.textContent ?? ""),
    dbGroup,
  );
  await page.screenshot({ path: ".troupe/artifacts/fleet_page_lost.png", fullPage: true });
  t.same(errors, [], "no script error on the page");
  sim.proc.kill("SIGTERM");
  t.equal(await sim.exited, 0);
});
