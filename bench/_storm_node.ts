/**
 * One round of `npm run bench:fleet`'s storm: a simulator node in this process sends
 * `STORM_IMAGES` images as fast as it can while its own logger writes `STORM_RATE`
 * error lines a second (the storm), and prints `{ imagesPerS, shipped, dropped }` on
 * standard output. The node's lines go to standard error (the parent discards them);
 * LOG_SHIP_LEVEL decides whether the fleet's log shipping takes part.
 */
import process from "node:process";
import { loadConfig } from "../node/config.ts";
import { startNode } from "../node/node.ts";

const images = Number(process.env["STORM_IMAGES"] ?? 3000);
const rate = Number(process.env["STORM_RATE"] ?? 10_000);
const config = loadConfig({
  env: {
    ...process.env,
    ROLE: "simulator",
    OPS_PORT: "0",
    LOG_LEVEL: "error",
    SIM_DEVICES: "6",
    SIM_RATE: "0",
    SIM_COUNT: String(images),
  } as Record<string, string>,
});
const node = await startNode(config);
const started = performance.now();
let i = 0;
// The storm: a tenth of a second's lines every 100 ms, for as long as the images take.
const storm = setInterval(() => {
  for (let k = 0; k < rate / 10; k++) node.log.error("storm line", { i: i++ });
}, 100);
const sim = node.roles.simulator!;
while (sim.figures().producer.sent < images) await new Promise((r) => setTimeout(r, 5));
const seconds = (performance.now() - started) / 1000;
clearInterval(storm);
await node.stop();
process.stdout.write(JSON.stringify({ imagesPerS: images / seconds, stormLines: i }) + "\n");
process.exit(0);
