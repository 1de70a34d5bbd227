/**
 * Why a Kafka broker refused this node's connection, named by the setting to look
 * at: a wrong SASL password, a certificate the CA does not vouch for, a TLS or SASL
 * listener reached without TLS or SASL. Read from the client's error chain (both
 * adapters word them differently).
 */
import type { TroupeConfig } from "./config.ts";

/** The setting at fault and what to say; null when the error is none of these. */
export interface KafkaRefusal {
  variable: string;
  shown: string;
  problem: string;
}

/** Every message and code in an error's chain (`errors`, `cause`). */
function chain(err: unknown, out: string[] = []): string[] {
  const e = err as { message?: unknown; code?: unknown; errors?: unknown[]; cause?: unknown } | null;
  if (!e || typeof e !== "object") return [...out, String(err)];
  out.push(`${typeof e.code === "string" ? `${e.code} ` : ""}${String(e.message ?? "")}`);
  for (const x of e.errors ?? []) chain(x, out);
  if (e.cause) chain(e.cause, out);
  return out;
}

const CERT = /CERT|self[- ]signed|unable to verify|altname|certificate/i;

/** The refusal `err` shows, for a node configured as `config`. */
export function kafkaRefusal(err: unknown, config: TroupeConfig): KafkaRefusal | null {
  const lines = chain(err);
  const text = lines.join(" | ");
  const { tls, sasl } = config.kafkaSecurity;
  if (sasl && /SASL|authentication failed|invalid credentials/i.test(text)) {
    const detail = lines.find((l) => /authentication failed/i.test(l))?.trim() ?? "authentication failed";
    return {
      variable: "KAFKA_SASL_PASSWORD",
      shown: "***",
      problem:
        `the broker refused user '${sasl.username}' with ${sasl.mechanism} (${detail}): check KAFKA_SASL_USERNAME, KAFKA_SASL_PASSWORD and KAFKA_SASL_MECHANISM`,
    };
  }
  if (tls && CERT.test(text)) {
    const detail = lines.find((l) => CERT.test(l))?.trim() ?? "";
    return {
      variable: "KAFKA_TLS_CA",
      shown: tls.files.ca ?? "(the system's CAs)",
      problem: `the broker's certificate is not trusted (${detail}): KAFKA_TLS_CA must name the CA that signed it`,
    };
  }
  if (/clos/i.test(text) && !/timeout/i.test(text)) {
    if (!tls) {
      return {
        variable: "KAFKA_TLS",
        shown: "off",
        problem:
          "the broker closed the connection: a broker with an SSL or SASL_SSL listener needs KAFKA_TLS_CA (or KAFKA_TLS=on)",
      };
    }
    if (!sasl) {
      return {
        variable: "KAFKA_SASL_MECHANISM",
        shown: "(none)",
        problem:
          "the broker closed the connection: a SASL_SSL listener needs KAFKA_SASL_MECHANISM, KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD",
      };
    }
  }
  return null;
}
