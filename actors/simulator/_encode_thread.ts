/**
 * Entry of an encoder worker thread: each message is a batch of captures, each
 * answer their record values in one transferred buffer (actors/_encode_batch.ts).
 */
import { parentPort } from "node:worker_threads";
import { encodeBatch, type EncodeRequest } from "./_encode_batch.ts";

const port = parentPort!;
port.on("message", (m: EncodeRequest) => {
  const answer = encodeBatch(m.id, m.captures);
  port.postMessage(answer, [answer.bytes.buffer as ArrayBuffer]);
});
port.postMessage({ ready: true });
