// Runs under `deno test`: the ops controls and tracing routes on Deno (the same scenarios as on Node).
import { routeScenarios } from "../helpers/ops_routes.ts";

for (const s of routeScenarios) Deno.test(s.name, () => s.run());
