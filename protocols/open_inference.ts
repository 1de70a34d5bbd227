/**
 * The Open Inference Protocol (KServe v2, Triton's HTTP API) as troupe speaks it:
 * the JSON objects, and the binary tensor data extension (a JSON header whose
 * length is given by `Inference-Header-Content-Length`, followed by each binary
 * tensor in order: little-endian, row major; a BYTES element is a 4-byte
 * little-endian length then its bytes). Errors are `{ "error": "<message>" }`.
 * Pure functions: parsing never trusts a size it was told without checking it.
 */

/** A tensor in a request. */
export interface OipRequestInput {
  /** The model input it is for. */
  name: string;
  /** The tensor's shape. */
  shape: number[];
  /** Its element type (`FP32`, `UINT8`, `BYTES`, ...). */
  datatype: string;
  /** Parameters of the input (`binary_data_size` when its data follow the JSON). */
  parameters?: Record<string, unknown>;
  /** The elements, row major (flat or nested); absent when they come as binary data. */
  data?: unknown;
}

/** An output asked for. */
export interface OipRequestOutput {
  /** The model output wanted. */
  name: string;
  /**
   * `classification`: the N largest values as BYTES (`<value>:<index>[:<label>]`) instead of the tensor;
   * `binary_data`: as binary data.
   */
  parameters?: { classification?: number; binary_data?: boolean; [k: string]: unknown };
}

/** `POST /v2/models/{name}/infer`. */
export interface OipInferRequest {
  /** The request's id, echoed in the response. */
  id?: string;
  /** `binary_data_output`: every output as binary data. */
  parameters?: { binary_data_output?: boolean; [k: string]: unknown };
  /** The input tensors. */
  inputs: OipRequestInput[];
  /** The outputs wanted (absent: all of them). */
  outputs?: OipRequestOutput[];
}

/** A tensor in a response. */
export interface OipResponseOutput {
  /** The model output. */
  name: string;
  /** The tensor's shape. */
  shape: number[];
  /** Its element type. */
  datatype: "FP32" | "BYTES";
  /** The size of its binary data, when they follow the JSON. */
  parameters?: { binary_data_size?: number };
  /** The elements, row major; absent when they come as binary data. */
  data?: number[] | string[];
}

/** The answer to an inference request. */
export interface OipInferResponse {
  /** The model that answered. */
  model_name: string;
  /** Its version. */
  model_version?: string;
  /** The request's id, when it had one. */
  id?: string;
  /** The output tensors. */
  outputs: OipResponseOutput[];
}

/** `GET /v2/models/{name}`. */
export interface OipModelMetadata {
  /** The model's name. */
  name: string;
  /** The versions served. */
  versions: string[];
  /** The runtime serving it (e.g. `onnxruntime_onnx`). */
  platform: string;
  /** The model's inputs. */
  inputs: { name: string; datatype: string; shape: number[] }[];
  /** The model's outputs. */
  outputs: { name: string; datatype: string; shape: number[] }[];
}

/** `GET /v2`. */
export interface OipServerMetadata {
  /** The server's name. */
  name: string;
  /** The server's version. */
  version: string;
  /** The protocol extensions it supports. */
  extensions: string[];
}

/** An error body. */
export interface OipError {
  /** What was wrong. */
  error: string;
}

/** The header giving the JSON part's length when binary tensors follow. */
export const INFERENCE_HEADER = "inference-header-content-length";

/** A request that does not follow the protocol; the message names what is wrong. */
export class OipBadRequest extends Error {}

/** A parsed request body: the JSON object and the binary data of each input that has some (by index). */
export interface OipParsedBody {
  request: OipInferRequest;
  binary: Map<number, Uint8Array>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses a request body; `headerLength` is the Inference-Header-Content-Length header, if any. */
export function parseInferBody(body: Uint8Array, headerLength: string | null): OipParsedBody {
  let jsonEnd = body.length;
  if (headerLength !== null) {
    if (!/^\d{1,10}$/.test(headerLength.trim()) || Number(headerLength) > body.length) {
      throw new OipBadRequest(
        `Inference-Header-Content-Length is ${headerLength}: it must be a byte count within the body (${body.length} bytes)`,
      );
    }
    jsonEnd = Number(headerLength);
  }
  let request: unknown;
  try {
    request = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(body.subarray(0, jsonEnd)));
  } catch (err) {
    throw new OipBadRequest(`the inference request is not valid JSON: ${(err as Error).message}`);
  }
  if (!isObject(request) || !Array.isArray(request.inputs) || request.inputs.length === 0) {
    throw new OipBadRequest('the inference request must be an object with a non-empty "inputs" array');
  }
  request.inputs.forEach((inp, i) => {
    if (
      !isObject(inp) || typeof inp.name !== "string" || typeof inp.datatype !== "string" ||
      !Array.isArray(inp.shape) || !inp.shape.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)
    ) {
      throw new OipBadRequest(`inputs[${i}] must have a string name and datatype and a shape of whole numbers`);
    }
  });
  if (request.outputs !== undefined) {
    if (!Array.isArray(request.outputs) || !request.outputs.every((o) => isObject(o) && typeof o.name === "string")) {
      throw new OipBadRequest('"outputs" must be an array of objects with a string name');
    }
  }
  const req = request as unknown as OipInferRequest;
  const binary = new Map<number, Uint8Array>();
  let at = jsonEnd;
  req.inputs.forEach((inp, i) => {
    const size = inp.parameters?.["binary_data_size"];
    if (size === undefined) return;
    if (!Number.isSafeInteger(size) || (size as number) < 0 || at + (size as number) > body.length) {
      throw new OipBadRequest(
        `inputs[${i}] ('${inp.name}') says binary_data_size ${String(size)}: only ${body.length - at} bytes follow`,
      );
    }
    binary.set(i, body.subarray(at, at + (size as number)));
    at += size as number;
  });
  if (at !== body.length) {
    throw new OipBadRequest(`${body.length - at} bytes after the JSON header belong to no input's binary_data_size`);
  }
  return { request: req, binary };
}

/** Flattens JSON tensor data (flat or nested, row major). */
export function flattenData(data: unknown, where: string): unknown[] {
  if (!Array.isArray(data)) throw new OipBadRequest(`${where}: "data" must be an array`);
  return data.flat(Infinity as 1);
}

/** BYTES elements from binary data: each a 4-byte little-endian length, then its bytes. */
export function splitBytesElements(bytes: Uint8Array, where: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let at = 0;
  while (at < bytes.length) {
    if (at + 4 > bytes.length) throw new OipBadRequest(`${where}: a BYTES element's length is cut short`);
    const n = dv.getUint32(at, true);
    if (at + 4 + n > bytes.length) {
      throw new OipBadRequest(`${where}: a BYTES element of ${n} bytes runs past the tensor's data`);
    }
    out.push(bytes.subarray(at + 4, at + 4 + n));
    at += 4 + n;
  }
  return out;
}

/** FP32 values from binary data (little-endian). */
export function readFloats(bytes: Uint8Array, count: number, where: string): Float32Array {
  if (bytes.length !== count * 4) {
    throw new OipBadRequest(`${where}: ${bytes.length} bytes of FP32 data for ${count} values (${count * 4} bytes)`);
  }
  const out = new Float32Array(count);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < count; i++) out[i] = dv.getFloat32(i * 4, true);
  return out;
}

/** The binary form of an output's values. */
export function encodeBinaryOutput(values: Float32Array | string[]): Uint8Array {
  if (values instanceof Float32Array) {
    const out = new Uint8Array(values.length * 4);
    const dv = new DataView(out.buffer);
    values.forEach((v, i) => dv.setFloat32(i * 4, v, true));
    return out;
  }
  const parts = values.map((s) => new TextEncoder().encode(s));
  const out = new Uint8Array(parts.reduce((a, p) => a + 4 + p.length, 0));
  const dv = new DataView(out.buffer);
  let at = 0;
  for (const p of parts) {
    dv.setUint32(at, p.length, true);
    out.set(p, at + 4);
    at += 4 + p.length;
  }
  return out;
}

/** Classification strings (`<value>:<index>[:<label>]`) of the `k` largest values of one row. */
export function classify(row: Float32Array, k: number, labels: readonly string[]): string[] {
  const idx = Array.from(row.keys()).sort((a, b) => row[b]! - row[a]! || a - b).slice(0, k);
  return idx.map((i) => (labels[i] ? `${row[i]}:${i}:${labels[i]}` : `${row[i]}:${i}`));
}
