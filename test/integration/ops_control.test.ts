// The ops controls and tracing routes on Node (the same scenarios run on Deno: test/deno/ops_control_test.ts).
import t from "tap";
import { routeScenarios } from "../helpers/ops_routes.ts";

for (const s of routeScenarios) t.test(s.name, () => s.run());
