// Which client errors mean a member cannot reach the brokers. Found in CI: kafka_outage.test.ts saw a kafkajs member
// say [false, true, false] by the end of an outage; a member with one retry per request that restarts itself on a
// broker which answers with an error (a new broker's group coordinator still loading, say) said "unreachable" for a
// broker that was answering. The errors are built in the shapes the clients give them (kafkajs 2.2.4: `name`, with
// `cause` when retries ran out; @platformatic/kafka: `code`, with `errors` when it gathers several): only
// actors/kafka/ imports the clients. kafka_outage.test.ts checks the same against a broker that refuses connections.
import t from "tap";
import { unreachable } from "../../actors/kafka/kafkajs/unreachable.ts";
import { onlyUnreachable } from "../../actors/kafka/platformatic/records.ts";

const kafkajsError = (name: string, message: string, cause?: unknown) =>
  Object.assign(new Error(message), { name, retriable: true, cause });
const retriesExceeded = (cause: Error) =>
  Object.assign(new Error(cause.message), { name: "KafkaJSNumberOfRetriesExceeded", retriable: false, cause });

t.test("kafkajs: refused, closed and timed-out connections are unreachable, wrapped or not", async (t) => {
  const refused = kafkajsError("KafkaJSConnectionError", "Connection error: connect ECONNREFUSED 127.0.0.1:9092");
  t.ok(unreachable(refused), "a refused connection");
  t.ok(unreachable(kafkajsError("KafkaJSConnectionClosedError", "Closed connection")), "a closed connection");
  t.ok(unreachable(kafkajsError("KafkaJSRequestTimeoutError", "Request fetch timed out")), "a request timeout");
  t.ok(unreachable(kafkajsError("KafkaJSNoBrokerAvailableError", "No broker available")), "no broker to ask");
  t.ok(unreachable(retriesExceeded(refused)), "retries exhausted on a refused connection");
});

t.test("kafkajs: a broker answering with an error is reachable", async (t) => {
  const loading = Object.assign(kafkajsError("KafkaJSProtocolError", "The coordinator is not available"), {
    type: "COORDINATOR_NOT_AVAILABLE",
  });
  t.notOk(unreachable(loading), "the coordinator still loading");
  t.notOk(unreachable(retriesExceeded(loading)), "retries exhausted on the coordinator still loading");
  t.notOk(unreachable(new Error("handler failed")), "an error of the handler's");
  t.notOk(unreachable(undefined), "no error at all");
});

t.test("kafkajs: an aggregate is unreachable only when every error in it is", async (t) => {
  const refused = kafkajsError("KafkaJSConnectionError", "Connection error: connect ECONNREFUSED 127.0.0.1:9092");
  const loading = kafkajsError("KafkaJSProtocolError", "The coordinator is not available");
  const aggregate = (errors: Error[]) => Object.assign(new Error("several"), { name: "KafkaJSAggregateError", errors });
  t.ok(unreachable(aggregate([refused, refused])));
  t.notOk(unreachable(aggregate([refused, loading])));
});

t.test("kafkajs: a cause chain that loops ends", async (t) => {
  const a = kafkajsError("KafkaJSError", "a");
  const b = kafkajsError("KafkaJSError", "b", a);
  a.cause = b;
  t.notOk(unreachable(a));
});

t.test("platformatic: unreachable only when every gathered error is a network error", async (t) => {
  const net = Object.assign(new Error("Connection to 127.0.0.1:9092 failed."), { code: "PLT_KFK_NETWORK" });
  const answered = Object.assign(new Error("Received response with error"), { code: "PLT_KFK_RESPONSE" });
  const gathered = (errors: Error[]) =>
    Object.assign(new AggregateError(errors, "Cannot connect to any broker."), { code: "PLT_KFK_MULTIPLE" });
  t.ok(onlyUnreachable(net), "a network error");
  t.ok(onlyUnreachable(gathered([net, net])), "all network errors");
  t.notOk(onlyUnreachable(gathered([net, answered])), "one answer among them");
  t.notOk(onlyUnreachable(new Error("handler failed")), "an error of the handler's");
});
