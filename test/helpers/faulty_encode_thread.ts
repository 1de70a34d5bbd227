/**
 * An encoder thread that dies (exit code 3) on the first batch holding a capture
 * of device `crash`, once per marker file named in TROUPE_TEST_ENCODER_MARKER:
 * the thread started after the restart finds the marker and encodes normally.
 */
import { existsSync, writeFileSync } from "node:fs";
import process from "node:process";
import { parentPort } from "node:worker_threads";
import { encodeBatch, type EncodeRequest } from "../../actors/simulator/_encode_batch.ts";

const port = parentPort!;
const marker = process.env["TROUPE_TEST_ENCODER_MARKER"] ?? "";
port.on("message", (m: EncodeRequest) => {
  if (marker && !existsSync(marker) && m.captures.some((c) => c.deviceId === "crash")) {
    writeFileSync(marker, "crashed");
    process.exit(3);
  }
  const answer = encodeBatch(m.id, m.captures);
  port.postMessage(answer, [answer.bytes.buffer as ArrayBuffer]);
});
port.postMessage({ ready: true });
