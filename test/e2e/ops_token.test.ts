import t from "tap";
import { startNodeProcess } from "../helpers/node_proc.ts";
import { pipelineEnv } from "../helpers/pipeline.ts";

t.test("a node bound off loopback enforces its ops token on every route but health and readiness", async (t) => {
  const token = "ops-token-for-the-test-0123456789";
  // 0.0.0.0 is off loopback (the token is required); the test reaches it through 127.0.0.1.
  const node = await startNodeProcess(t, {
    ...pipelineEnv("opstoken"),
    ROLE: "simulator",
    SIM_COUNT: "1",
    OPS_HOST: "0.0.0.0",
    OPS_TOKEN: token,
  });
  const get = (path: string, authorization?: string) =>
    fetch(`${node.base}${path}`, authorization ? { headers: { authorization } } : {});
  for (const path of ["/", "/actors", "/metrics", "/config", "/no-such-route"]) {
    const none = await get(path);
    t.equal(none.status, 401, `${path}: no token, 401`);
    t.match(none.headers.get("www-authenticate"), /^Bearer realm="troupe-ops"/);
    t.match(await none.json(), { error: /bearer token is required/ });
    t.equal((await get(path, `Bearer ${token.replace(/.$/, "x")}`)).status, 401, `${path}: a wrong token, 401`);
    t.equal((await get(path, `Bearer ${token}`)).status, path === "/no-such-route" ? 404 : 200, `${path}: the token`);
  }
  for (const path of ["/healthz", "/readyz"]) t.equal((await get(path)).status, 200, `${path} needs no token`);
  const config = (await (await get("/config", `Bearer ${token}`)).json()) as { ops?: { token?: string } };
  t.notOk(JSON.stringify(config).includes(token), "the token is not shown in /config");
  node.proc.kill("SIGTERM");
  t.equal(await node.exited, 0);
});
