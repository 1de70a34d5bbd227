/**
 * The ops page as a person uses it, in headless Chromium (Debian's package, driven
 * by playwright-core), against a db node on Node and on Deno with real Kafka and
 * PostgreSQL: the tree renders with figures from the running node, a crash (its
 * PostgreSQL stopped) shows up without reloading, the restart button restarts an
 * actor and the page shows it, a trace started from the page lists messages, and
 * a screenshot is written to .troupe/artifacts/.
 */
import t, { type Test } from "tap";
import { mkdir } from "node:fs/promises";
import { type Browser, chromium, type Page } from "playwright-core";
import { CHROMIUM_ARGS, ensureChromium } from "../../infra/chromium.ts";
import { startPostgres, stopPostgres } from "../../infra/postgres_local.ts";
import { Hono } from "hono";
import { createOpsApp } from "../../ops/mod.ts";
import { silentLogger, spawn, startSystem } from "../../system/mod.ts";
import { serveHttp } from "../../system/platform.ts";
import { counter } from "../helpers/actors.ts";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { pipelineEnv, privatePostgres } from "../helpers/pipeline.ts";
import { until } from "../helpers/wait.ts";

const TOKEN = "ops-page-test-token-0123456789";
const row = (path: string) => `tr[data-path="${path}"]`;
const cell = (path: string, field: string) => `${row(path)} td[data-field="${field}"]`;

// One browser for the file (a launch costs seconds of CPU); each test has a context of its own.
let launched: Promise<Browser> | null = null;
t.teardown(async () => void (await (await launched)?.close()));
async function newPage(t: Test, viewport?: { width: number; height: number }): Promise<Page> {
  launched ??= ensureChromium(silentLogger).then((path) =>
    chromium.launch({ executablePath: path, args: [...CHROMIUM_ARGS] })
  );
  const context = await (await launched).newContext(viewport ? { viewport } : {});
  t.teardown(() => context.close());
  return context.newPage();
}

t.test("mounted at /ops in an embedding service, the page works from /ops and from /ops/", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  await spawn(sys.root, counter("a", []), { name: "a", capacity: 4 });
  const host = new Hono();
  host.get("/actors", (c) => c.text("the host's own /actors", 418));
  host.route("/ops", createOpsApp(sys, { nodeId: "embedded" }));
  const server = await serveHttp(host.fetch, { host: "127.0.0.1", port: 0 });
  t.teardown(() => server.close());
  const page = await newPage(t);
  for (const path of ["/ops", "/ops/"]) {
    await page.goto(`http://127.0.0.1:${server.port}${path}`);
    await page.waitForSelector(row("/troupe/a"));
    t.equal(await page.getAttribute('a[href$="actors"]', "href"), "/ops/actors", `${path}: links stay under the mount`);
  }
});

t.test("with a token, the header links open the data the page loads with the token", async (t) => {
  const sys = startSystem({ logger: silentLogger });
  t.teardown(() => sys.shutdown({ deadlineMs: 1000 }));
  await spawn(sys.root, counter("a", []), { name: "a", capacity: 4 });
  const server = await serveHttp(
    createOpsApp(sys, { nodeId: "tokened", token: TOKEN, config: { nodeId: "tokened" } }).fetch,
    {
      host: "127.0.0.1",
      port: 0,
    },
  );
  t.teardown(() => server.close());
  const page = await newPage(t);
  await page.goto(`http://127.0.0.1:${server.port}/`);
  await page.fill("#token", TOKEN);
  await page.click("#login button");
  await page.waitForSelector(row("/troupe/a"));
  const open = async (link: string) => {
    const [tab] = await Promise.all([page.context().waitForEvent("page"), page.click(`a[href$="${link}"]`)]);
    await tab.waitForURL(/^blob:/);
    return tab.innerText("body");
  };
  const actors = JSON.parse(await open("actors")) as { tree: { path: string; children: { path: string }[] } };
  t.equal(actors.tree.path, "/troupe", "actors: the tree, not a 401");
  t.same(actors.tree.children.map((c) => c.path), ["/troupe/a"]);
  t.match(await open("metrics"), /^# HELP troupe_/m, "metrics: the Prometheus text");
  t.match(JSON.parse(await open("config")), { nodeId: "tokened" }, "config: the node's configuration");
});

for (const runtime of ["node", "deno"] as const) {
  t.test(`the ops page of a db node on ${runtime}: live figures, a crash, the restart button, a trace`, async (t) => {
    const { dir, url } = await privatePostgres(t, `ops-page-${runtime}`);
    const env = { ...pipelineEnv(`opspage${runtime}`), DATABASE_URL: url };
    const db = await startNodeProcess(
      t,
      { ...env, ROLE: "db", OPS_TOKEN: TOKEN, OPS_CONTROL: "on", UPSERT_BATCH: "50" },
      { runtime, token: TOKEN },
    );
    await startNodeProcess(t, { ...env, ROLE: "simulator", SIM_DEVICES: "4", SIM_RATE: "5", SIM_COUNT: "100000" });
    const page = await newPage(t, { width: 1600, height: 1000 });
    const upserter = "/troupe/db/upserter";

    await page.goto(`${db.base}/`);
    await page.fill("#token", TOKEN);
    await page.click("#login button");
    await page.waitForSelector(row(upserter));
    // Real figures: the upserter's processing latencies and its rate, from images flowing.
    await page.waitForFunction(
      (sel: string) => /\d/.test(document.querySelector(sel)?.textContent ?? ""),
      cell(upserter, "processing"),
      {
        timeout: 60_000,
      },
    );
    await page.waitForFunction(
      (sel: string) => Number(document.querySelector(sel)?.textContent) > 0,
      cell(upserter, "out"),
      {
        timeout: 30_000,
      },
    );
    t.match(await page.textContent(cell(upserter, "mailbox")), /^\d+\/8$/, "depth over the upserter's capacity");
    // Updates redraw only the cells that changed: a button is the same element two updates later.
    const consumer = "/troupe/db/consumer";
    const button = await page.$(`${row(consumer)} button[data-act="suspend"]`);
    const updates = Number(await page.getAttribute("body", "data-updates"));
    await page.waitForFunction((n: number) => Number(document.body.dataset["updates"]) >= n + 2, updates);
    t.equal(await button!.evaluate((b: Element) => b.isConnected), true, "not replaced by the redraws");
    t.match(
      await page.textContent(cell("/troupe/db", "budget")),
      /^\d+\/30 · next \d+ms$/,
      "the db supervisor's budget: left of its intensity 30, and the next backoff",
    );
    t.match(await page.textContent("#pipeline"), /lag: .*:\d+ \d+/, "the consumer's lag per partition");

    // A crash, seen without reloading: PostgreSQL stops, the upserter fails and is restarted.
    await page.evaluate(() => ((globalThis as { noReload?: boolean }).noReload = true));
    await stopPostgres(dir, silentLogger);
    await page.waitForFunction(
      (sel: string) => Number(document.querySelector(sel)?.textContent) >= 1,
      cell(upserter, "failures"),
      {
        timeout: 60_000,
      },
    );
    await page.waitForSelector(`${row(upserter)}.hot`, { timeout: 5_000 });
    t.equal(await page.evaluate(() => (globalThis as { noReload?: boolean }).noReload), true, "the same document");
    await page.waitForSelector(`#log [data-log-path="${upserter}"]`);
    await startPostgres(dir, silentLogger);
    await until("db ready again", async () => (await fetch(`${db.base}/readyz`)).status === 200, 90_000, 100);
    await page.waitForFunction(
      (sel: string) => document.querySelector(sel)?.textContent === "running",
      cell(upserter, "status"),
    );

    // The restart button (controls on, token given).
    const before = (await db.actor(upserter))!.restarts;
    await page.click(`${row(upserter)} button[data-act="restart"]`);
    await page.waitForFunction(
      ([sel, n]: readonly [string, number]) => Number(document.querySelector(sel)?.textContent) === n,
      [cell(upserter, "restarts"), before + 1] as const,
    );
    const after = (await db.actor(upserter))!;
    t.equal(after.restarts, before + 1);
    t.match(after.history?.at(-1), { action: "operator", message: "restart by an operator" });

    // A trace started from the page lists the messages the upserter handles.
    await page.click(`${row(upserter)} button[data-act="trace"]`);
    await page.waitForSelector("#trace tbody tr", { timeout: 30_000 });
    t.match(await page.textContent("#trace tbody tr"), /upsert/);

    await page.evaluate(() => {
      globalThis.scrollTo(0, 0);
      document.querySelectorAll("section").forEach((s) => (s.scrollLeft = 0));
    });
    await mkdir(".troupe/artifacts", { recursive: true });
    await page.screenshot({ path: `.troupe/artifacts/ops_page_${runtime}.png`, fullPage: true });
  });
}
