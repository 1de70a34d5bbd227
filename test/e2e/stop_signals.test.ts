// A stop signal often reaches a node twice at the same moment: `timeout` signals the
// command and then its whole process group, a terminal's Ctrl-C reaches the group
// while npm forwards its own copy. That is one request to stop, not a second
// "exit now": the stop stays orderly and the node exits 0.
import process from "node:process";
import t from "tap";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { pipelineEnv } from "../helpers/pipeline.ts";

// Started as `timeout` or a service manager starts it, not under npm (this file may run under `npm test`).
delete process.env["npm_lifecycle_event"];

for (const signal of ["SIGTERM", "SIGINT"] as const) {
  t.test(`${signal} to the node and to its process group at once: one orderly stop, exit 0`, async (t) => {
    const node = await startNodeProcess(t, { ...pipelineEnv("signals"), ROLE: "db" }, { processGroup: true });
    const pid = node.proc.pid!;
    process.kill(pid, signal);
    process.kill(-pid, signal);
    t.equal(await node.exited, 0, "exit 0");
    t.notMatch(node.stderr(), /exiting without waiting/, "not taken for a second signal");
    t.match(node.stderr(), /"msg":"left the consumer group"/, "the consumer left its group");
    t.match(node.stderr(), /"msg":"node stopped"/);
  });
}
