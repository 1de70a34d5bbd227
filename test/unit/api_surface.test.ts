// The runtime's public API, value by value: a name added to or removed from troupe/system, troupe/platform,
// troupe/observe or troupe/testkit shows up here first (a stable export changes only in a major version; types are
// checked by `npm run docs:api` and the consumer project's type check).
import t from "tap";
import { exportsExactly } from "../helpers/subpaths.ts";

const SURFACE: Record<string, string[]> = {
  "system/mod.ts": [
    "ActorSystem",
    "AskTimeout",
    "CONTROL_ACTIONS",
    "ControlRefused",
    "Escalated",
    "InvalidSpec",
    "LingerBatch",
    "MailboxClosed",
    "MailboxFull",
    "MissingPackage",
    "NoSuchActor",
    "Readiness",
    "TroupeError",
    "ask",
    "childSpec",
    "createLogger",
    "errorMessage",
    "realClock",
    "replyAddress",
    "silentLogger",
    "spawn",
    "startChild",
    "startSystem",
    "stateless",
    "supervise",
    "tryAsk",
  ],
  "system/platform.ts": [
    "environment",
    "exit",
    "keepTimerAlive",
    "moduleBeside",
    "onShutdownSignal",
    "runtime",
    "serveHttp",
    "startWorkerThread",
    "troupeCacheDir",
    "writeFileWhole",
  ],
  "system/observe.ts": [
    "HISTOGRAM_BOUNDS",
    "HISTORY_KEEP",
    "Histogram",
    "findInSnapshot",
    "histogramDelta",
    "histogramQuantile",
    "summarise",
    "walkSnapshot",
  ],
  "system/testkit.ts": ["ManualClock", "TestKit", "TestProbe", "createTestKit"],
};

exportsExactly(t, SURFACE);

t.test("troupe/system's values: the actor core, nothing of the platform, figures or tests", (t) => {
  const system = SURFACE["system/mod.ts"]!;
  for (const moved of ["serveHttp", "Histogram", "walkSnapshot", "ManualClock", "Mailbox", "backoffDelay"]) {
    t.notOk(system.includes(moved), `${moved} is not in troupe/system`);
  }
  t.ok(system.length <= 26, `${system.length} values (46 before the split)`);
  t.end();
});
